/** Byte splicing through a running proxy: only tool-output strings change, everything else is byte-identical. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { markerHashes } from '../../src/engine/marker';
import { ccrHash } from '../../src/engine/hash';
import { scanJson, decodeString, member } from '../../src/proxy/json-scan';
import type { JsonNode, JsonString } from '../../src/proxy/json-scan';
import type { RequestRecord } from '../../src/proxy/server';
import { startHarness, post, diffRegion } from './helpers/harness';
import { anthropicBody, bigLog, pythonStyle } from './helpers/fixtures';

function toolResultString(buf: Buffer): JsonString {
  const root = scanJson(buf);
  const messages = member(root, 'messages') as Extract<JsonNode, { type: 'array' }>;
  const last = messages.items[messages.items.length - 1];
  const content = member(last, 'content') as Extract<JsonNode, { type: 'array' }>;
  return member(content.items[0], 'content') as JsonString;
}

/** Asserts that `sent` equals `original` except for the tool_result string, which is a valid shorter literal. */
function assertOnlyToolOutputChanged(original: Buffer, sent: Buffer): string {
  const o = toolResultString(original);
  const s = toolResultString(sent);
  assert.equal(s.start, o.start, 'bytes before the tool output are identical in length');
  assert.deepEqual(sent.subarray(0, s.start), original.subarray(0, o.start), 'bytes before the tool output are identical');
  assert.deepEqual(sent.subarray(s.end), original.subarray(o.end), 'bytes after the tool output are identical');
  assert.ok(s.end - s.start < o.end - o.start, 'the tool output got smaller');
  return decodeString(sent, s);
}

test('compact Anthropic body: only the tool_result string changes, markers name stored originals', async () => {
  const h = await startHarness({ config: { retrieval: false } });
  try {
    const log = bigLog();
    const original = Buffer.from(JSON.stringify(anthropicBody({ toolOutput: log })));
    const r = await post(`${h.proxy.url}/v1/messages?beta=true`, original);
    assert.equal(r.status, 200);
    const got = h.upstream.received[0];
    assert.equal(got.url, '/v1/messages?beta=true');
    assert.equal(Number(got.headers['content-length']), got.body.length);
    const text = assertOnlyToolOutputChanged(original, got.body);
    const hashes = markerHashes(text);
    assert.ok(hashes.length > 0);
    for (const hash of hashes) {
      const stored = h.store.get(hash);
      assert.ok(stored, `hash ${hash} stored`);
      assert.equal(ccrHash(stored!.text), hash);
    }
    // Every kept line is verbatim from the original, and the error lines survive.
    const lines = new Set(log.split('\n'));
    for (const line of text.split('\n')) if (!line.startsWith('[')) assert.ok(lines.has(line), `verbatim: ${line}`);
    assert.ok(text.includes('ERROR worker-1 job 1013 failed'));
  } finally {
    await h.close();
  }
});

test('Python-style spaced, ASCII-escaped body keeps its style; numbers and escapes elsewhere untouched', async () => {
  const h = await startHarness({ config: { retrieval: false } });
  try {
    const body = anthropicBody({ toolOutput: bigLog(500, 3).replace('DEBUG', 'DEBUG café') });
    (body as Record<string, unknown>).metadata = { user_id: 'usér/1', ratio: 1.0, big: 12345678901234567890, exp: 1e5 };
    let text = pythonStyle(body);
    text = text.replace('"ratio": 1', '"ratio": 1.0').replace('"exp": 100000', '"exp": 1E+5').replace('"big": 12345678901234567000', '"big": 12345678901234567890');
    text = text.replace('"You are a coding agent."', '"You are a coding\\/agent."');
    const original = Buffer.from(text);
    assert.ok(original.includes('"ratio": 1.0') && original.includes('1E+5') && original.includes('12345678901234567890'));
    await post(`${h.proxy.url}/v1/messages`, original);
    const sent = h.upstream.received[0].body;
    const out = assertOnlyToolOutputChanged(original, sent);
    const s = toolResultString(sent);
    for (let i = s.start; i < s.end; i++) assert.ok(sent[i] < 0x80, 'replacement stays ASCII-only like the client');
    assert.ok(out.length > 0);
  } finally {
    await h.close();
  }
});

test('an unmodified request is forwarded byte for byte, headers included', async () => {
  const h = await startHarness();
  try {
    const original = Buffer.from(JSON.stringify(anthropicBody({ toolOutput: 'ok\n' })) + '\n');
    await post(`${h.proxy.url}/v1/messages`, original, { 'X-Custom-Thing': 'Keep Me', 'anthropic-beta': 'b-2025-05-14,a-2025-01-01' });
    const got = h.upstream.received[0];
    assert.deepEqual(got.body, original);
    assert.equal(got.headers['x-custom-thing'], 'Keep Me');
    assert.equal(got.headers['anthropic-beta'], 'b-2025-05-14,a-2025-01-01');
    assert.equal(got.headers['x-api-key'], 'sk-ant-test');
    assert.equal(got.headers['content-length'], String(original.length));
  } finally {
    await h.close();
  }
});

test('left alone: excluded tools, error output below threshold, cache_control blocks', async () => {
  const h = await startHarness();
  try {
    const log = bigLog();
    for (const body of [
      anthropicBody({ toolOutput: log, tool: 'Read' }),
      anthropicBody({ toolOutput: log.slice(0, 5000), isError: true }),
    ]) {
      const original = Buffer.from(JSON.stringify(body));
      await post(`${h.proxy.url}/v1/messages`, original);
      assert.deepEqual(h.upstream.received.at(-1)!.body, original);
    }
    const cached = anthropicBody({ toolOutput: log });
    ((cached.messages as any[])[2].content[0] as Record<string, unknown>).cache_control = { type: 'ephemeral' };
    const original = Buffer.from(JSON.stringify(cached));
    await post(`${h.proxy.url}/v1/messages`, original);
    assert.deepEqual(h.upstream.received.at(-1)!.body, original);
    await h.proxy.settled();
    const reasons = h.proxy.stats().leftAlone;
    assert.equal(reasons['excluded-tool'], 1);
    assert.equal(reasons['error-output'], 1);
    assert.equal(reasons['cache-control'], 1);
  } finally {
    await h.close();
  }
});

test('left alone by default: each agent\'s file-read and file-edit tools (structured and Cline/Roo XML mode), reason recorded', async () => {
  const h = await startHarness();
  const records: RequestRecord[] = [];
  const off = h.proxy.onRequest((r) => records.push(r));
  const log = bigLog(150, 3);
  const anthropic = (q: string, name: string) => JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [
    { role: 'user', content: q },
    { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name, input: { file_path: 'a.log' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: log }] },
  ] });
  const chat = (q: string, name: string) => JSON.stringify({ model: 'gpt-4.1', messages: [
    { role: 'user', content: q },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name, arguments: '{"filePath":"a.log"}' } }] },
    { role: 'tool', tool_call_id: 'c1', content: log },
  ] });
  // Cline / Roo Code in XML tool mode: the result is user text under a header, in one block or in the next.
  const xml = (q: string, name: string, split: boolean) => {
    const header = `[${name} for 'a.log'] Result:`;
    return JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [
      { role: 'user', content: [{ type: 'text', text: `<task>${q}</task>` }] },
      { role: 'assistant', content: [{ type: 'text', text: `<${name}><path>a.log</path></${name}>` }] },
      { role: 'user', content: split ? [{ type: 'text', text: header }, { type: 'text', text: log }] : [{ type: 'text', text: `${header}\n${log}` }] },
    ] });
  };
  const cases: Array<[agent: string, tool: string, path: string, body: (q: string, name: string) => string, excluded: boolean]> = [
    ['Claude Code', 'Read', '/v1/messages', anthropic, true],
    ['Claude Code', 'Edit', '/v1/messages', anthropic, true],
    ['Claude Code', 'Write', '/v1/messages', anthropic, true],
    ['Cline/Roo native', 'read_file', '/v1/messages', anthropic, true],
    ['Cline/Roo native', 'write_to_file', '/v1/messages', anthropic, true],
    ['Cline/Roo native', 'replace_in_file', '/v1/messages', anthropic, true],
    ['Cline/Roo XML', 'read_file', '/v1/messages', (q, n) => xml(q, n, false), true],
    ['Cline/Roo XML split', 'read_file', '/v1/messages', (q, n) => xml(q, n, true), true],
    ['Cline/Roo XML', 'write_to_file', '/v1/messages', (q, n) => xml(q, n, false), true],
    ['Cline/Roo XML split', 'replace_in_file', '/v1/messages', (q, n) => xml(q, n, true), true],
    ['Copilot', 'read_file', '/v1/chat/completions', chat, true],
    ['Copilot', 'insert_edit_into_file', '/v1/chat/completions', chat, true],
    // The same output from other tools is compressed: the test can tell.
    ['Claude Code', 'Bash', '/v1/messages', anthropic, false],
    ['Cline/Roo XML', 'execute_command', '/v1/messages', (q, n) => xml(q, n, false), false],
    ['Cline/Roo XML split', 'execute_command', '/v1/messages', (q, n) => xml(q, n, true), false],
    ['Copilot', 'run_in_terminal', '/v1/chat/completions', chat, false],
  ];
  try {
    for (const [i, [agent, tool, path, body, excluded]] of cases.entries()) {
      const name = `${agent} ${tool}`;
      // A question of its own: each case is another conversation (one given the retrieve tool keeps it).
      const sent = Buffer.from(body(`question ${i}`, tool));
      const r = await post(`${h.proxy.url}${path}`, sent, path.includes('chat') ? { authorization: 'Bearer sk-test' } : {});
      assert.equal(r.status, 200, name);
      await h.proxy.settled();
      const got = h.upstream.received[i].body;
      const outputs = records[i].outputs;
      assert.equal(outputs.length, 1, name);
      assert.equal(outputs[0].tool, tool, name);
      if (excluded) {
        assert.ok(got.equals(sent), `${name}: forwarded byte for byte`);
        assert.equal(outputs[0].reason, 'excluded-tool', name);
      } else {
        assert.ok(got.length < sent.length / 2, `${name}: compressed`);
        assert.equal(outputs[0].reason, undefined, name);
      }
    }
    assert.equal(h.proxy.stats().leftAlone['excluded-tool'], cases.filter((c) => c[4]).length);
  } finally {
    off();
    await h.close();
  }
});

test('left alone: an output the engine cannot shrink is forwarded as sent, recorded as not-smaller (also when seen again)', async () => {
  const h = await startHarness();
  const records: RequestRecord[] = [];
  const off = h.proxy.onRequest((r) => records.push(r));
  try {
    // 60 random-looking hex strings: a JSON array with nothing to fold.
    const output = JSON.stringify(Array.from({ length: 60 }, (_, i) => createHash('md5').update(String(i)).digest('hex')));
    assert.ok(output.length > 2000, 'over the size threshold');
    const sent = Buffer.from(JSON.stringify(anthropicBody({ toolOutput: output })));
    for (let i = 0; i < 2; i++) {
      await post(`${h.proxy.url}/v1/messages`, sent);
      await h.proxy.settled();
      assert.ok(h.upstream.received[i].body.equals(sent), `request ${i}: forwarded byte for byte`);
      assert.deepEqual(records[i].outputs.map((o) => [o.reason, o.kind, o.replayed]), [['not-smaller', 'json', i === 1]]);
    }
    assert.equal(h.proxy.stats().leftAlone['not-smaller'], 2);
  } finally {
    off();
    await h.close();
  }
});

test('OpenAI chat role:tool content and Responses function_call_output are compressed in place', async () => {
  const h = await startHarness({ config: { retrieval: false } });
  try {
    const log = bigLog(400, 5);
    const chat = Buffer.from(JSON.stringify({
      model: 'gpt-4.1', messages: [
        { role: 'system', content: 'sys' }, { role: 'user', content: 'why?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'run_in_terminal', arguments: '{"command":"cat log"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: log },
      ],
    }));
    await post(`${h.proxy.url}/v1/chat/completions`, chat, { authorization: 'Bearer sk-test' });
    const sentChat = h.upstream.received[0].body;
    const d1 = diffRegion(chat, sentChat);
    assert.ok(sentChat.length < chat.length / 3);
    const chatStart = chat.indexOf('"tool_call_id":"call_1","content":"') + '"tool_call_id":"call_1","content":"'.length;
    assert.ok(d1.prefix >= chatStart, 'change starts inside the tool content string');
    assert.ok(chat.length - d1.suffixA >= '"}]}'.length, 'closing bytes identical');

    const resp = Buffer.from(JSON.stringify({
      model: 'gpt-5-codex', store: false, input: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'why?' }] },
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAA==' },
        { type: 'function_call', call_id: 'call_2', name: 'shell', arguments: '{"command":["cat","log"]}' },
        { type: 'function_call_output', call_id: 'call_2', output: log },
      ],
    }));
    await post(`${h.proxy.url}/responses`, resp, { authorization: 'Bearer sk-test' });
    const got = h.upstream.received[1];
    assert.equal(got.url, '/v1/responses');
    const d2 = diffRegion(resp, got.body);
    const outStart = resp.indexOf('"call_id":"call_2","output":"') + '"call_id":"call_2","output":"'.length;
    assert.ok(d2.prefix >= outStart, 'change starts inside the output string');
    assert.ok(got.body.length < resp.length / 3);
  } finally {
    await h.close();
  }
});

test('Cline XML tool output in user text: header line and environment details kept verbatim', async () => {
  const h = await startHarness({ config: { retrieval: false } });
  try {
    const log = bigLog(400, 9);
    const header = "[execute_command for 'cat app.log'] Result:\n";
    const env = '\n\n<environment_details>\n# VSCode Visible Files\napp.ts\n</environment_details>';
    const body = Buffer.from(JSON.stringify({
      model: 'claude-sonnet-4-5', max_tokens: 100, messages: [
        { role: 'user', content: [{ type: 'text', text: '<task>why</task>' }] },
        { role: 'assistant', content: [{ type: 'text', text: '<execute_command><command>cat app.log</command></execute_command>' }] },
        { role: 'user', content: [{ type: 'text', text: header + 'Command executed.\nOutput:\n' + log + env }] },
      ],
    }));
    await post(`${h.proxy.url}/v1/messages`, body);
    const sent = JSON.parse(h.upstream.received[0].body.toString());
    const text: string = sent.messages[2].content[0].text;
    assert.ok(text.startsWith(header + 'Command executed.'));
    assert.ok(text.endsWith(env));
    assert.ok(text.length < log.length / 3);
  } finally {
    await h.close();
  }
});
