import type { Compressor } from './types';

export const compressMixed: Compressor = () => null;
