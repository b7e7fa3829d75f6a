/**
 * Property test of the splicer on generated bodies in many JSON styles: outside the tool-output
 * strings the forwarded bytes equal the client's, and the parsed bodies differ only there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/store';
import { Rewriter } from '../../src/proxy/rewrite';
import { resolveConfig } from '../../src/proxy/config';
import { extractShape } from '../../src/proxy/extract';
import type { Api } from '../../src/proxy/extract';
import { scanJson } from '../../src/proxy/json-scan';
import { bigLog, pythonStyle } from './helpers/fixtures';

/** A small deterministic PRNG. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function output(r: () => number, i: number): string {
  const x = r();
  if (x < 0.4) return bigLog(150 + Math.floor(r() * 400), i);
  if (x < 0.6) return `ok "quoted" \\ back\\slash é 👍 ${i}\n`;
  if (x < 0.8) return JSON.stringify({ rows: Array.from({ length: 60 + i }, (_, k) => ({ k, v: `val-${k}`, ok: k % 7 !== 0 })) }, null, 2);
  return `line\twith\ttabs ${i}\n`.repeat(200);
}

function body(api: Api, r: () => number): unknown {
  const n = 1 + Math.floor(r() * 5);
  const extra = { temperature: 1.0, big: 1e21, nested: { s: 'ü\u2028/', list: [1, 2.5, null, true] } };
  if (api === 'anthropic') {
    const messages: unknown[] = [{ role: 'user', content: 'Question about café?' }];
    for (let i = 0; i < n; i++) {
      messages.push({ role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 'c2lnbmF0dXJl+/=' }, { type: 'tool_use', id: `t${i}`, name: r() < 0.2 ? 'Read' : 'Bash', input: { cmd: `run ${i}` } }] });
      const content = r() < 0.5 ? output(r, i) : [{ type: 'text', text: output(r, i) }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }];
      messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `t${i}`, content, ...(r() < 0.2 ? { is_error: true } : {}) }] });
    }
    return { model: 'claude-sonnet-4-5', max_tokens: 100, ...extra, messages };
  }
  if (api === 'chat') {
    const messages: unknown[] = [{ role: 'system', content: 'sys' }, { role: 'user', content: 'why?' }];
    for (let i = 0; i < n; i++) {
      messages.push({ role: 'assistant', content: null, tool_calls: [{ id: `c${i}`, type: 'function', function: { name: 'run_in_terminal', arguments: '{"a":1.0}' } }] });
      messages.push({ role: 'tool', tool_call_id: `c${i}`, content: output(r, i) });
    }
    return { model: 'gpt-4.1', ...extra, messages };
  }
  const input: unknown[] = [{ role: 'user', content: 'why?' }];
  for (let i = 0; i < n; i++) {
    input.push({ type: 'reasoning', id: `rs${i}`, summary: [], encrypted_content: 'gAAAA+/==' });
    input.push({ type: 'function_call', call_id: `f${i}`, name: 'shell', arguments: '{}' });
    input.push({ type: 'function_call_output', call_id: `f${i}`, output: output(r, i) });
  }
  return { model: 'gpt-5', ...extra, input };
}

function format(value: unknown, style: number): string {
  if (style === 0) return JSON.stringify(value);
  if (style === 1) return JSON.stringify(value, null, 2);
  if (style === 2) return pythonStyle(value);
  return JSON.stringify(value, null, '\t').replace(/\n/g, '\r\n');
}

/** The bytes outside the tool-output string literals. */
function outside(api: Api, buf: Buffer): Buffer {
  const shape = extractShape(api, buf, scanJson(buf), true)!;
  const ranges = shape.outputs.map((o) => [o.node.start, o.node.end]).sort((a, b) => a[0] - b[0]);
  const parts: Buffer[] = [];
  let at = 0;
  for (const [s, e] of ranges) {
    parts.push(buf.subarray(at, s));
    at = e;
  }
  parts.push(buf.subarray(at));
  return Buffer.concat(parts);
}

test('generated bodies in four JSON styles: only tool-output strings change', async () => {
  const store = await openStore({ path: null });
  const rewriter = new Rewriter(store, resolveConfig({ budgetMs: 10_000 }));
  const r = rng(42);
  let changed = 0;
  for (let i = 0; i < 48; i++) {
    const api = (['anthropic', 'chat', 'responses'] as const)[i % 3];
    const original = Buffer.from(format(body(api, r), Math.floor(i / 3) % 4));
    const result = rewriter.rewrite(api, original, { injectRetrieveTool: false })!;
    if (!result.changed) {
      assert.ok(result.body.equals(original));
      continue;
    }
    changed++;
    assert.deepEqual(outside(api, result.body), outside(api, original), `case ${i}: bytes outside tool outputs identical`);
    const a = JSON.parse(original.toString());
    const b = JSON.parse(result.body.toString());
    const strip = (v: any) => JSON.stringify(v, (k, x) => ((k === 'content' || k === 'output' || k === 'text') && typeof x === 'string' ? '<out>' : x));
    assert.equal(strip(b), strip(a), `case ${i}: structure and all other values equal`);
    // Replaying the same body gives the same bytes.
    assert.ok(rewriter.rewrite(api, original, { injectRetrieveTool: false })!.body.equals(result.body));
  }
  assert.ok(changed >= 20, `${changed} bodies were compressed`);
  await store.close();
});
