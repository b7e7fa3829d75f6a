/** Request bodies for the proxy benchmarks: Anthropic conversations whose tool results are logs, JSON and grep output. */
import { countTokens } from '../src/engine/tokens';

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

const QUESTION = 'Why does the nightly job fail? Look at the logs and the item registry.';
const SYSTEM = [{ type: 'text', text: 'You are a coding agent.', cache_control: { type: 'ephemeral' } }];
const TOOLS = [{ name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }, { name: 'Grep', description: 'Search', input_schema: { type: 'object' } }];
/** Each kind of output at its full size: 300 log lines, 120 JSON rows, 200 grep hits. */
const OUTPUTS: ReadonlyArray<{ full: number; make: (n: number, seed: number) => string }> = [
  { full: 300, make: logLines },
  { full: 120, make: jsonRows },
  { full: 200, make: grepOutput },
];

/**
 * Tokens of a request as the provider reads it: the texts the model sees (system prompt, tool
 * definitions, messages' text, tool inputs and tool results), not the JSON that carries them.
 * Counted with js-tiktoken's cl100k_base, without the proxy's ×1.15 estimate for Claude models,
 * so a body of N tokens is the larger of the two readings.
 */
const tokensOf = (text: string) => countTokens(text, 'gpt-4');

/**
 * An Anthropic request of `tokens` tokens (at least that many, at most a few more): a conversation
 * whose tool results are logs, JSON and grep output, the last one cut to the size that reaches
 * the count. These outputs hold ~2.5 characters per token (numbers, paths, timestamps).
 */
export function makeBody(tokens: number, seed: number, stream = false): Buffer {
  const messages: unknown[] = [{ role: 'user', content: QUESTION }];
  let total = tokensOf(SYSTEM[0].text) + tokensOf(JSON.stringify(TOOLS)) + tokensOf(QUESTION);
  for (let i = 0; total < tokens; i++) {
    const kind = i % 3;
    const text = `Step ${i}: looking further.`;
    const input = { command: `step ${i}` };
    total += tokensOf(text) + tokensOf(JSON.stringify(input));
    const { full, make } = OUTPUTS[kind];
    const outSeed = seed * 100 + i;
    let out = make(full, outSeed);
    let n = tokensOf(out);
    if (total + n > tokens) {
      // The fewest lines (or rows) that reach the count; the count grows with them.
      let lines = Math.max(1, Math.ceil((full * (tokens - total)) / n));
      for (;;) {
        out = make(lines, outSeed);
        n = tokensOf(out);
        if (total + n >= tokens || lines >= full) break;
        lines++;
      }
      while (lines > 1) {
        const shorter = make(lines - 1, outSeed);
        const m = tokensOf(shorter);
        if (total + m < tokens) break;
        out = shorter;
        n = m;
        lines--;
      }
    }
    total += n;
    messages.push({ role: 'assistant', content: [{ type: 'text', text }, { type: 'tool_use', id: `toolu_${seed}_${i}`, name: kind === 2 ? 'Grep' : 'Bash', input }] });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${seed}_${i}`, content: out }] });
  }
  return Buffer.from(JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 4096, ...(stream ? { stream: true } : {}), system: SYSTEM, tools: TOOLS, messages }));
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
