/** Reading request bodies (with a size cap) and decoding compressed request and response bodies. */
import type { IncomingMessage } from 'node:http';
import * as zlib from 'node:zlib';
import { HttpError } from './errors';

/** Reads the raw body; rejects with 413 past the cap (on the bytes as sent). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      done = true;
      req.resume();
      reject(new HttpError(413, `Request body of ${declared} bytes exceeds the proxy limit of ${maxBytes} bytes.`));
      return;
    }
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > maxBytes) {
        done = true;
        chunks.length = 0;
        reject(new HttpError(413, `Request body exceeds the proxy limit of ${maxBytes} bytes.`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on('error', (e) => {
      if (!done) reject(e);
      done = true;
    });
  });
}

type ZstdModule = { zstdDecompressSync?: (b: Buffer, o?: object) => Buffer };

/** Decodes a body by its content-encoding (gzip, deflate, br; zstd where the runtime has it). */
export function decodeBody(raw: Buffer, encoding: string | undefined, maxBytes: number): Buffer {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return raw;
  const opts = { maxOutputLength: maxBytes };
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return zlib.gunzipSync(raw, opts);
    if (enc === 'deflate') {
      try {
        return zlib.inflateSync(raw, opts);
      } catch (e) {
        // Some clients send raw deflate without the zlib wrapper; a body too large stays that.
        if (tooLarge(e)) throw e;
        return zlib.inflateRawSync(raw, opts);
      }
    }
    if (enc === 'br') return zlib.brotliDecompressSync(raw, opts);
    if (enc === 'zstd') {
      const z = zlib as unknown as ZstdModule;
      if (typeof z.zstdDecompressSync !== 'function') throw new HttpError(415, 'zstd request bodies are not supported by this runtime; send gzip, deflate, br or identity.');
      return z.zstdDecompressSync(raw, opts);
    }
  } catch (e) {
    if (e instanceof HttpError) throw e;
    if (tooLarge(e)) {
      throw new HttpError(413, `Decoded request body exceeds the proxy limit of ${maxBytes} bytes.`);
    }
    throw new HttpError(400, `Request body could not be decoded as ${enc}.`);
  }
  throw new HttpError(415, `Unsupported content-encoding "${enc}".`);
}

function tooLarge(e: unknown): boolean {
  return (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || /maxOutputLength|larger than/i.test(String((e as Error).message));
}

/** Largest decoded provider response the proxy reads (for usage and the retrieval loop). */
export const MAX_DECODED_RESPONSE_BYTES = 64 * 1024 * 1024;

/** The content-encodings of provider responses the proxy reads, whole or as a stream. */
const RESPONSE_CODECS: Record<string, { whole: (raw: Buffer, opts: { maxOutputLength: number }) => Buffer; stream: () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress }> = {
  gzip: { whole: zlib.gunzipSync, stream: zlib.createGunzip },
  'x-gzip': { whole: zlib.gunzipSync, stream: zlib.createGunzip },
  br: { whole: zlib.brotliDecompressSync, stream: zlib.createBrotliDecompress },
  deflate: { whole: zlib.inflateSync, stream: zlib.createInflate },
};

function codecOf(encoding: string | undefined) {
  return Object.hasOwn(RESPONSE_CODECS, encoding ?? '') ? RESPONSE_CODECS[encoding!] : undefined;
}

/** A response's content-encoding as compared: trimmed, lower case, '' for none or identity. */
export function responseEncoding(encoding: string | undefined): string {
  const enc = (encoding ?? '').trim().toLowerCase();
  return enc === 'identity' ? '' : enc;
}

/**
 * Decodes a provider's response body by its content-encoding; undefined for an encoding the proxy
 * does not read. Throws past `maxBytes` decoded: a few MiB of gzip can stand for gigabytes.
 */
export function decodeResponseBody(raw: Buffer, encoding: string | undefined, maxBytes = MAX_DECODED_RESPONSE_BYTES): Buffer | undefined {
  const enc = responseEncoding(encoding);
  if (enc === '') return raw;
  return codecOf(enc)?.whole(raw, { maxOutputLength: maxBytes });
}

/**
 * A streaming decoder for a provider's response by its content-encoding (the encodings
 * decodeResponseBody reads); undefined for any other. Its output is not limited: callers count it.
 */
export function responseDecoder(encoding: string | undefined): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  return codecOf(responseEncoding(encoding))?.stream();
}
