import type { Compressor } from './types';

export const compressBuild: Compressor = () => null;
