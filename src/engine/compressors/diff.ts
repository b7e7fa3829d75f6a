import type { Compressor } from './types';

export const compressDiff: Compressor = () => null;
