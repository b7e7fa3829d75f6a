import type { Compressor } from './types';

export const compressProse: Compressor = () => null;
