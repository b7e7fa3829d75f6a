import type { Compressor } from './types';

export const compressJson: Compressor = () => null;
