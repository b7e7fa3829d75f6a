/** A replayed 40-turn agent session: the already-sent prefix never changes, across a restart too. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, post } from './helpers/harness';
import { bigLog } from './helpers/fixtures';
import { RETRIEVE_TOOL_JSON } from '../../src/proxy/retrieve-tool';

function turnOutput(i: number): string {
  if (i % 4 === 0) return `ok ${i}\n`;
  if (i % 4 === 1) return bigLog(300 + i * 7, i);
  if (i % 4 === 2) return JSON.stringify({ items: Array.from({ length: 80 + i }, (_, k) => ({ id: k, name: `item-${k}`, status: k % 9 ? 'ok' : 'failed', size: k * 13 })) }, null, 2);
  return `src/a${i}.ts:1: const x = 1;\n`.repeat(3);
}

/** The client's body for turn n (compact JSON, messages growing turn by turn). */
function sessionBody(turns: number): string {
  const messages: unknown[] = [{ role: 'user', content: 'Fix the failing job.' }];
  for (let i = 0; i < turns; i++) {
    messages.push({ role: 'assistant', content: [
      { type: 'thinking', thinking: `Step ${i}.`, signature: `sig${i}/+=` },
      { type: 'tool_use', id: `toolu_${i}`, name: i % 4 === 3 ? 'Grep' : 'Bash', input: { command: `step ${i}` } },
    ] });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: turnOutput(i) }] });
  }
  return JSON.stringify({
    model: 'claude-sonnet-4-5', max_tokens: 4096,
    system: [{ type: 'text', text: 'You are a coding agent.', cache_control: { type: 'ephemeral' } }],
    tools: [{ name: 'Bash', description: 'Run', input_schema: { type: 'object' } }, { name: 'Grep', description: 'Search', input_schema: { type: 'object' } }],
    messages,
  });
}

/** The body without its closing `]}`: what a later turn must repeat byte for byte. */
function sentPart(body: Buffer): Buffer {
  return body.subarray(0, body.length - 2);
}

test('40 turns: every forwarded body starts with the previous turn\'s forwarded bytes; pairs and thinking intact', async () => {
  const h = await startHarness();
  const storePath = h.storePath;
  const forwarded: Buffer[] = [];
  try {
    for (let t = 1; t <= 40; t++) {
      const r = await post(`${h.proxy.url}/v1/messages?beta=true`, sessionBody(t));
      assert.equal(r.status, 200);
      forwarded.push(h.upstream.received.at(-1)!.body);
    }
    // The retrieval tool appears with the first marker and then stays; apart from that one
    // insertion, every turn repeats the previous turn's bytes.
    const tool = Buffer.from(',' + RETRIEVE_TOOL_JSON.anthropic);
    const first = forwarded.findIndex((b) => b.includes(tool));
    assert.ok(first >= 1 && first < 10, `tool injected from turn ${first + 1}`);
    for (let t = first; t < 40; t++) assert.ok(forwarded[t].includes(tool), `tool still present at turn ${t + 1}`);
    const withoutTool = (b: Buffer) => {
      const at = b.indexOf(tool);
      return at === -1 ? b : Buffer.concat([b.subarray(0, at), b.subarray(at + tool.length)]);
    };
    for (let t = 1; t < 40; t++) {
      const prev = sentPart(t === first ? withoutTool(forwarded[t - 1]) : forwarded[t - 1]);
      const cur = t === first ? withoutTool(forwarded[t]) : forwarded[t];
      assert.deepEqual(cur.subarray(0, prev.length), prev, `turn ${t + 1} repeats turn ${t}'s bytes`);
    }
    const last = JSON.parse(forwarded[39].toString());
    const client = JSON.parse(sessionBody(40));
    assert.equal(last.tools.length, 3);
    assert.equal(JSON.stringify(last.tools[2]), RETRIEVE_TOOL_JSON.anthropic);
    assert.ok(forwarded[39].includes(Buffer.from(RETRIEVE_TOOL_JSON.anthropic)), 'tool bytes fixed');
    assert.deepEqual(last.system, client.system);
    assert.equal(last.messages.length, client.messages.length);
    for (let i = 0; i < client.messages.length; i++) {
      const a = last.messages[i];
      const b = client.messages[i];
      if (a.role === 'assistant') assert.deepEqual(a, b, 'assistant turns (thinking, signatures, tool_use) untouched');
      else if (Array.isArray(b.content)) {
        assert.equal(a.content[0].tool_use_id, b.content[0].tool_use_id, 'pairing intact');
        assert.ok(a.content[0].content.length <= b.content[0].content.length);
      }
    }
    assert.ok(forwarded[39].length < Buffer.byteLength(sessionBody(40)) / 2, 'the session got much smaller');
    await h.proxy.settled();
    const stats = h.proxy.stats();
    assert.equal(stats.totals.requests, 40);
    assert.ok(stats.totals.tokensSaved > 10_000);
  } finally {
    await h.proxy.close();
    await h.upstream.close();
    await h.store.close();
  }
  // Restart on the same store file: identical bytes for the same turn, and the stats survive.
  const h2 = await startHarness({ storePath });
  try {
    await post(`${h2.proxy.url}/v1/messages?beta=true`, sessionBody(40));
    assert.deepEqual(h2.upstream.received[0].body, forwarded[39], 'replayed identically after a restart');
    assert.ok(h2.proxy.stats().totals.requests >= 40, 'persisted request records seed /stats');
  } finally {
    await h2.close();
  }
});
