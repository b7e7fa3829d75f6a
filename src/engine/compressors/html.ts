import type { Compressor } from './types';

export const compressHtml: Compressor = () => null;
