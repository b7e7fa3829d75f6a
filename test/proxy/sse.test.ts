/** The SSE tee: events and usage are the same wherever the stream is cut, multi-byte UTF-8 included. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { SseSplitter } from '../../src/proxy/sse';
import { UsageTee } from '../../src/proxy/usage';
import { anthropicSse } from './helpers/fake-upstream';

const chatSse = [
  'data: {"id":"c1","choices":[{"index":0,"delta":{"role":"assistant","content":"héllo 🌍"},"finish_reason":null}],"usage":null}',
  'data: {"id":"c1","choices":[],"usage":{"prompt_tokens":2000,"completion_tokens":9,"prompt_tokens_details":{"cached_tokens":1500}}}',
  'data: [DONE]',
].join('\r\n\r\n') + '\r\n\r\n';

const responsesSse = [
  'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"日本語"}',
  ': keep-alive comment',
  'event: response.completed\ndata: {"type":"response.completed","response":{"usage":{"input_tokens":3000,"input_tokens_details":{"cached_tokens":1000},"output_tokens":40}}}',
].join('\n\n') + '\n\n';

function runSplit(stream: Buffer, cuts: number[], tee: UsageTee, splitter: SseSplitter): Buffer[] {
  const raws: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts, stream.length]) {
    const chunk = stream.subarray(at, c);
    tee.push(chunk);
    for (const e of splitter.push(chunk)) raws.push(e.raw);
    at = c;
  }
  return raws;
}

for (const [name, text, provider, expected] of [
  ['anthropic', anthropicSse('Grüße — 👋 done'), 'anthropic', { input: 50, output: 12, cacheRead: 900, cacheWrite: 0 }],
  ['chat', chatSse, 'openai', { input: 500, output: 9, cacheRead: 1500, cacheWrite: 0 }],
  ['responses', responsesSse, 'openai', { input: 2000, output: 40, cacheRead: 1000, cacheWrite: 0 }],
] as const) {
  test(`${name} stream split at every byte boundary (and in three pieces) gives the same events and usage`, () => {
    const stream = Buffer.from(text, 'utf8');
    const whole = new SseSplitter().push(stream);
    assert.deepEqual(Buffer.concat(whole.map((e) => e.raw)), stream, 'events cover the stream exactly');
    for (let i = 0; i <= stream.length; i++) {
      const tee = new UsageTee(provider);
      const raws = runSplit(stream, [i], tee, new SseSplitter());
      assert.deepEqual(raws.map((r) => r.toString('utf8')), whole.map((e) => e.raw.toString('utf8')), `cut at ${i}`);
      assert.deepEqual(tee.usage, expected, `usage with cut at ${i}`);
      assert.ok(tee.completed);
    }
    for (let i = 1; i < stream.length; i += 3) {
      const j = Math.min(stream.length, i + 5);
      const tee = new UsageTee(provider);
      const raws = runSplit(stream, [i, j], tee, new SseSplitter());
      assert.equal(raws.length, whole.length);
      assert.deepEqual(tee.usage, expected);
    }
  });
}

test('message_delta usage is cumulative: the latest value wins', () => {
  const tee = new UsageTee('anthropic');
  tee.push(Buffer.from('event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":10,"cache_read_input_tokens":5,"output_tokens":1}}}\n\n'));
  tee.push(Buffer.from('event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":30}}\n\n'));
  tee.push(Buffer.from('event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":45}}\n\n'));
  assert.deepEqual(tee.usage, { input: 10, output: 45, cacheRead: 5, cacheWrite: 0 });
  assert.equal(tee.completed, false, 'no message_stop yet: truncated');
});

test('an encoded stream is read through its decoder; one that does not decode, or decodes past the cap, is unreadable', async () => {
  const sse = Buffer.from(anthropicSse(), 'utf8');
  const tee = new UsageTee('anthropic', 'gzip');
  const gz = zlib.gzipSync(sse);
  for (let i = 0; i < gz.length; i += 3) tee.push(gz.subarray(i, i + 3));
  await tee.end();
  assert.deepEqual(tee.usage, { input: 50, output: 12, cacheRead: 900, cacheWrite: 0 });
  assert.ok(tee.completed && !tee.unreadable);

  const corrupt = new UsageTee('anthropic', 'br');
  corrupt.push(Buffer.from('not brotli at all'));
  await corrupt.end();
  assert.ok(corrupt.unreadable);

  assert.ok(new UsageTee('anthropic', 'zstd, gzip').unreadable, 'an encoding the proxy does not read');

  // 80 MiB of blank lines is 80 KiB of gzip: the tee stops reading at the cap.
  const bomb = new UsageTee('anthropic', 'gzip');
  bomb.push(zlib.gzipSync(Buffer.alloc(80 * 1024 * 1024, 0x0a)));
  await bomb.end();
  assert.ok(bomb.unreadable);
});
