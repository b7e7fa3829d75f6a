import type { Compressor } from './types';

export const compressSearch: Compressor = () => null;
