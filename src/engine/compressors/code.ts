import type { Compressor } from './types';

export const compressCode: Compressor = () => null;
