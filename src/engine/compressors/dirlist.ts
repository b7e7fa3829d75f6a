import type { Compressor } from './types';

export const compressDirlist: Compressor = () => null;
