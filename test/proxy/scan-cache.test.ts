/**
 * Scanning from a checkpoint of an earlier body gives the same tree as scanning from the first
 * byte, whatever the two bodies share: a conversation that grew, an identical body, a number or
 * string that changes right at a checkpoint, an unrelated body, and malformed input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonSyntaxError, scanJson, scanJsonFrom } from '../../src/proxy/json-scan';
import type { JsonNode, Scan } from '../../src/proxy/json-scan';
import { ScanCache, commonPrefix } from '../../src/proxy/scan-cache';

function turn(n: number, tail = 'tools', maxTokens = 1024): Buffer {
  const messages: unknown[] = [{ role: 'user', content: 'Why does it fail?' }];
  for (let i = 0; i < n; i++) {
    messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: `t${i}`, name: 'Bash', input: { cmd: `run ${i}` } }] });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `t${i}`, content: `out "${i}" é\n`.repeat(50 + i) }], n: i });
  }
  return Buffer.from(JSON.stringify({ model: 'claude-sonnet-4-5', messages, max_tokens: maxTokens, [tail]: [{ name: 'Bash' }] }, null, n % 2 ? 1 : 0));
}

/** The tree as plain data (shared nodes and copies compare alike). */
function shape(buf: Buffer, cache: ScanCache): unknown {
  return JSON.parse(JSON.stringify(cache.scan(buf).root));
}

test('a scan resumed from the longest shared prefix equals a scan from the first byte', () => {
  const cache = new ScanCache();
  const bodies = [
    turn(3), turn(3), turn(4), turn(6), turn(6, 'other'), turn(6, 'tools', 10240), turn(6, 'tools', 1024_0),
    turn(8, 'tools', 102), turn(8, 'tools', 1023), turn(2), Buffer.from('{"model":"x","messages":[]}'), turn(9),
  ];
  for (const [i, b] of bodies.entries()) {
    assert.deepEqual(shape(b, cache), JSON.parse(JSON.stringify(scanJson(b))), `body ${i}`);
  }
});

test('a number that grows right at a checkpoint is read whole', () => {
  const a = Buffer.from('{"messages":[{"n":1},{"n":12}],"x":1}');
  const b = Buffer.from('{"messages":[{"n":1},{"n":12}],"x":123}');
  const scan = scanJsonFrom(a);
  const p = commonPrefix(a, b);
  // The checkpoint after "x":1 sits at the byte where the bodies differ: it must not be used.
  const usable = scan.checkpoints.filter((c) => c.pos < p);
  assert.ok(scan.checkpoints.some((c) => c.pos === p));
  const resumed = scanJsonFrom(b, { checkpoints: scan.checkpoints, index: scan.checkpoints.indexOf(usable[usable.length - 1]) });
  assert.deepEqual(JSON.parse(JSON.stringify(resumed.root)), JSON.parse(JSON.stringify(scanJson(b))));
  const cache = new ScanCache();
  cache.scan(a);
  assert.equal(buf(cache.scan(b).root), buf(scanJson(b)));
});

function buf(node: unknown): string {
  return JSON.stringify(node);
}

test('malformed input after a shared prefix still throws, and the cache keeps working', () => {
  const cache = new ScanCache();
  const good = turn(5);
  cache.scan(good);
  const bad = Buffer.concat([good.subarray(0, good.length - 20), Buffer.from(',,}')]);
  assert.throws(() => cache.scan(bad), JsonSyntaxError);
  const next = turn(6);
  assert.deepEqual(shape(next, cache), JSON.parse(JSON.stringify(scanJson(next))));
});

test('commonPrefix finds the first differing byte across block boundaries', () => {
  const a = Buffer.alloc(70_000, 0x61);
  for (const at of [0, 1, 16_383, 16_384, 16_385, 69_999]) {
    const b = Buffer.from(a);
    b[at] = 0x62;
    assert.equal(commonPrefix(a, b), at);
  }
  assert.equal(commonPrefix(a, a.subarray(0, 500)), 500);
});

test('checkpoints point into their own tree only, so kept scans do not pin the trees before them', () => {
  const cache = new ScanCache();
  for (let n = 2; n < 9; n++) cache.scan(turn(n));
  const kept = (cache as unknown as { kept: Array<{ scan: Scan }> }).kept;
  assert.equal(kept.length, 2, 'one conversation per indentation style, each turn replacing the last');
  for (const { scan } of kept) {
    const reachable = new Set<unknown>();
    const walk = (node: JsonNode) => {
      reachable.add(node);
      if (node.type === 'object') for (const [, v] of node.entries) walk(v);
      else if (node.type === 'array') for (const v of node.items) walk(v);
    };
    walk(scan.root);
    assert.ok(scan.checkpoints.length > 10);
    for (const c of scan.checkpoints) for (const f of c.frames) assert.ok(reachable.has(f.node), `checkpoint at ${c.pos}`);
  }
});

test('a body that resends a kept body\'s whole conversation is its next turn; one sharing only the head is not', () => {
  const cache = new ScanCache();
  const first = cache.scan(turn(3));
  assert.equal(first.previous, undefined);
  // (Odd turns are indented, even ones compact: turn 5 follows turn 3.)
  const second = cache.scan(turn(5));
  assert.equal(second.previous, first.turn, 'turn 5 resends turn 3\'s messages');
  const retried = cache.scan(turn(5));
  assert.equal(retried.previous, second.turn, 'a resent identical body continues it too');
  // The same conversation up to its last message, which was edited: most bytes shared, but not
  // the whole conversation.
  const other = JSON.parse(turn(5).toString('utf8'));
  other.messages.at(-1).content[0].content = 'different';
  const branch = cache.scan(Buffer.from(JSON.stringify(other, null, 1)));
  assert.equal(branch.previous, undefined, 'a shared head is not a previous turn');
  assert.ok(commonPrefix(turn(5), Buffer.from(JSON.stringify(other, null, 1))) * 2 > turn(5).length, 'it shares most of the bytes');
  assert.ok(branch.turn !== retried.turn);
});
