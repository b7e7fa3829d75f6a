import type { Compressor } from './types';

export const compressTable: Compressor = () => null;
