/** Codex's output frames: the metadata header stays verbatim, a failed command is an error output, a JSON wrapper's text is compressed for what it is. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, post } from './helpers/harness';
import { bigLog } from './helpers/fixtures';
import { headerLength, reportsFailure, wrappedOutput } from '../../src/proxy/output-frame';

function responsesBody(output: string): string {
  return JSON.stringify({ model: 'gpt-5-codex', store: false, input: [
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Why do the tests fail?' }] },
    { type: 'function_call', call_id: 'call_1', name: 'shell_command', arguments: '{"command":"npm test"}' },
    { type: 'function_call_output', call_id: 'call_1', output },
  ] });
}

async function forwarded(output: string): Promise<string> {
  const h = await startHarness();
  try {
    const r = await post(`${h.proxy.url}/v1/compress?api=responses`, responsesBody(output), { authorization: 'Bearer sk-test' });
    assert.equal(r.status, 200);
    return JSON.parse(r.body.toString('utf8')).input[2].output;
  } finally {
    await h.close();
  }
}

test('the parts of a frame are found', () => {
  const header = 'Chunk ID: 9f3a1c\nWall time: 41.2 seconds\nProcess exited with code 1\nOriginal token count: 9000\nOutput:\n';
  assert.equal(headerLength(header + 'log line\n'), header.length);
  assert.equal(headerLength('Output:\nno header before it\n'), 0);
  assert.ok(reportsFailure(header));
  assert.ok(reportsFailure('Exit code: 2\nWall time: 1 seconds\nOutput:\n…'));
  assert.ok(!reportsFailure('Exit code: 0\nOutput:\nfine\n'));
  assert.ok(reportsFailure('{"output":"x","metadata":{"exit_code":1,"duration_seconds":2.1}}'));
  const w = wrappedOutput('{"output":"a\\nb","metadata":{"exit_code":0}}')!;
  assert.deepEqual([w.before, w.inner, w.after], ['{"output":', 'a\nb', ',"metadata":{"exit_code":0}}']);
});

test('a Codex metadata header stays verbatim above the compressed output', async () => {
  const header = 'Exit code: 0\nWall time: 3.1 seconds\nOriginal token count: 12000\nOutput:\n';
  const out = await forwarded(header + bigLog());
  assert.ok(out.startsWith(header), out.slice(0, 200));
  assert.ok(out.length < (header + bigLog()).length / 3);
});

test('a failed command under the error threshold is left alone; a JSON-wrapped log is compressed inside its wrapper', async () => {
  const failed = 'Process exited with code 1\nOutput:\n' + bigLog(60);
  assert.equal(await forwarded(failed), failed);
  const wrapped = JSON.stringify({ output: bigLog(), metadata: { exit_code: 0, duration_seconds: 41.2 } });
  const out = await forwarded(wrapped);
  assert.ok(out.length < wrapped.length / 3, `${out.length} of ${wrapped.length}`);
  const parsed = JSON.parse(out);
  assert.deepEqual(parsed.metadata, { exit_code: 0, duration_seconds: 41.2 });
  assert.match(parsed.output, /hash=[0-9a-f]{24}/, 'the log inside was compressed as a log, with markers');
  assert.ok(out.endsWith(',"metadata":{"exit_code":0,"duration_seconds":41.2}}'), 'the wrapper bytes after the text are the client\'s');
});

test('a shell command that prints a source file is a file read, left alone; printing a log is not', async () => {
  const { printsSourceFile } = await import('../../src/proxy/file-read');
  for (const c of ["sed -n '1,260p' src/api/client.ts", 'cat src/main.py', 'nl -ba pkg/server.go', ['bash', '-lc', "sed -n '40,120p' lib/a.rs"]]) assert.ok(printsSourceFile(c), String(c));
  for (const c of ['cat app.log', 'tail -n 500 logs/app.log', 'cat src/a.ts | grep foo', 'npm test', "rg -n 'x' src"]) assert.ok(!printsSourceFile(c), String(c));

  const body12 = (i: number) => Array.from({ length: 12 }, (_, k) => `  const v${k} = compute(req, ${i}, ${k}); if (v${k} > limit) log.warn('handler ${i} step ${k} over limit', v${k});`).join('\n');
  const source = Array.from({ length: 60 }, (_, i) => `export function handler${i}(req: Request, limit: number): Response {\n${body12(i)}\n  return respond(req);\n}\n`).join('\n');
  const body = (command: string, output: string) => JSON.stringify({ model: 'gpt-5-codex', store: false, input: [
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Fix handler17.' }] },
    { type: 'function_call', call_id: 'call_1', name: 'shell_command', arguments: JSON.stringify({ command }) },
    { type: 'function_call_output', call_id: 'call_1', output },
  ] });
  const h = await startHarness();
  try {
    const read = await post(`${h.proxy.url}/v1/compress?api=responses`, body("sed -n '1,2000p' src/handlers.ts", source), { authorization: 'Bearer sk-test' });
    assert.equal(JSON.parse(read.body.toString('utf8')).input[2].output, source, 'the file read is left alone');
    const log = await post(`${h.proxy.url}/v1/compress?api=responses`, body('cat app.log', bigLog()), { authorization: 'Bearer sk-test' });
    assert.ok(JSON.parse(log.body.toString('utf8')).input[2].output.length < bigLog().length / 3, 'a log printed with cat is compressed');
  } finally {
    await h.close();
  }
});
