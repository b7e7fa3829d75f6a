import type { Compressor } from './types';

export const compressGitlog: Compressor = () => null;
