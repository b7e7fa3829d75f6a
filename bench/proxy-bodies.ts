/** Request bodies for the proxy benchmarks: Anthropic conversations whose tool results are logs, JSON and grep output. */

export function logLines(n: number, seed: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const ts = `2026-03-01T12:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String((i * 37 + seed) % 1000).padStart(3, '0')}Z`;
    if (i % 211 === 17) out.push(`${ts} ERROR worker-${i % 4} job ${seed}-${i} failed: connection refused`);
    else if (i % 3 === 0) out.push(`${ts} INFO http GET /api/items/${(i * 13 + seed) % 500} 200 in ${3 + (i % 17)}ms req=${seed}-${i}`);
    else out.push(`${ts} DEBUG cache ${i % 7 ? 'hit' : 'miss'} key=item:${(i * 7 + seed) % 400} size=${100 + ((i * seed) % 977)}`);
  }
  return out.join('\n') + '\n';
}

export function jsonRows(n: number, seed: number): string {
  return JSON.stringify(Array.from({ length: n }, (_, k) => ({ id: k + seed, name: `item-${k}-${seed}`, status: k % 17 ? 'ok' : 'failed', owner: `team-${k % 5}`, size: (k * 131 + seed) % 9000 })), null, 2);
}

export function grepOutput(n: number, seed: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`src/module${i % 40}/file${(i * seed) % 90}.ts:${10 + i}:  const handler${i} = registry.get('key-${seed}-${i}');`);
  return out.join('\n') + '\n';
}

/** An Anthropic request of roughly `tokens` tokens: a conversation whose tool results are logs, JSON and grep output. */
export function makeBody(tokens: number, seed: number, stream = false): Buffer {
  const messages: unknown[] = [{ role: 'user', content: 'Why does the nightly job fail? Look at the logs and the item registry.' }];
  const targetBytes = tokens * 3.6;
  let bytes = 0;
  let i = 0;
  while (bytes < targetBytes) {
    const kind = i % 3;
    const out = kind === 0 ? logLines(300, seed * 100 + i) : kind === 1 ? jsonRows(120, seed * 100 + i) : grepOutput(200, seed * 100 + i);
    bytes += out.length + 200;
    messages.push({ role: 'assistant', content: [{ type: 'text', text: `Step ${i}: looking further.` }, { type: 'tool_use', id: `toolu_${seed}_${i}`, name: kind === 2 ? 'Grep' : 'Bash', input: { command: `step ${i}` } }] });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${seed}_${i}`, content: out }] });
    i++;
  }
  return Buffer.from(JSON.stringify({
    model: 'claude-sonnet-4-5', max_tokens: 4096, ...(stream ? { stream: true } : {}),
    system: [{ type: 'text', text: 'You are a coding agent.', cache_control: { type: 'ephemeral' } }],
    tools: [{ name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }, { name: 'Grep', description: 'Search', input_schema: { type: 'object' } }],
    messages,
  }));
}

/** The next turn of a conversation: its earlier outputs were seen before, the last one is new. */
export function nextTurn(base: Buffer, fresh: number): Buffer {
  const body = JSON.parse(base.toString('utf8'));
  body.messages.push(
    { role: 'assistant', content: [{ type: 'tool_use', id: `toolu_new_${fresh}`, name: 'Bash', input: { command: 'tail -n 300 app.log' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_new_${fresh}`, content: logLines(300, 90_000 + fresh) }] },
  );
  return Buffer.from(JSON.stringify(body));
}
