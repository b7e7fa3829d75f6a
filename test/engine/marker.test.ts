/** Marker scanning must not depend on what an earlier call matched (a shared global regex). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasMarker, markerHashes } from '../../src/engine/marker';

const A = 'a'.repeat(24);
const B = 'b'.repeat(24);

test('markerHashes finds every hash, also right after hasMarker matched the same or another text', () => {
  const text = `x\n[… 3 lines omitted; hash=${A}]\ny\n[… 2 lines omitted; hash=${B}]\n`;
  assert.equal(hasMarker(text), true);
  assert.deepEqual(markerHashes(text), [A, B]);
  assert.equal(hasMarker(`${'pad '.repeat(40)}hash=${B}`), true);
  assert.deepEqual(markerHashes(`[… 1 line omitted; hash=${A}]`), [A]);
});
