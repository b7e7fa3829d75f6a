import assert from 'node:assert/strict';
import { ccrHash } from '../../src/engine/hash';
import { MARKER_HASH_RE } from '../../src/engine/marker';
import type { MemorySink } from './memory-sink';

/**
 * The engine's invariants for one compression: never larger, every marker's hash stored and equal
 * to the SHA-256 prefix of the stored bytes, every non-marker output line verbatim in the input.
 */
export function assertInvariants(input: string, output: string, sink: MemorySink): void {
  assert.ok(Buffer.byteLength(output) <= Buffer.byteLength(input), 'output larger than input');
  for (const m of output.matchAll(MARKER_HASH_RE)) {
    const stored = sink.get(m[1]);
    assert.ok(stored !== undefined, `marker hash ${m[1]} not stored`);
    assert.equal(ccrHash(stored), m[1], 'stored bytes do not match their hash');
  }
  if (output === input) return;
  const inputLines = new Set(input.split('\n').map((l) => l.replace(/\r$/, '')));
  for (const line of output.split('\n')) {
    const l = line.replace(/\r$/, '');
    if (l.trim() === '' || /hash=[0-9a-f]{24}/.test(l) || l.startsWith('[')) continue;
    assert.ok(inputLines.has(l), `output line not in input: ${JSON.stringify(l.slice(0, 200))}`);
  }
}
