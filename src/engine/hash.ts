import { createHash } from 'node:crypto';

export const HASH_HEX_LENGTH = 24;

/** The CCR key of a stored original: the first 24 hex digits of the SHA-256 of its UTF-8 bytes. */
export function ccrHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, HASH_HEX_LENGTH);
}

/** ccrHash of a text given as its UTF-8 bytes. */
export function ccrHashOfBytes(utf8: Uint8Array): string {
  return createHash('sha256').update(utf8).digest('hex').slice(0, HASH_HEX_LENGTH);
}

export const HASH_PATTERN = /^[0-9a-f]{24}$/;
