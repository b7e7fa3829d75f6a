/** Tool outputs and request bodies for proxy tests (generated, deterministic). */

/** A service log with repeated templates and a few errors: the engine compresses it well. */
export function bigLog(lines = 600, seed = 1): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const t = `2026-03-01T12:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String((i * 37 + seed) % 1000).padStart(3, '0')}Z`;
    if (i % 97 === 13) out.push(`${t} ERROR worker-${i % 4} job ${1000 + i} failed: connection refused (attempt ${i % 3})`);
    else if (i % 5 === 0) out.push(`${t} INFO http GET /api/items/${(i * seed) % 50} 200 in ${3 + (i % 9)}ms`);
    else out.push(`${t} DEBUG cache hit key=item:${(i * 7 + seed) % 40} size=${100 + (i % 13)}`);
  }
  return out.join('\n') + '\n';
}

export function anthropicBody(parts: { toolOutput: string; tool?: string; isError?: boolean; stream?: boolean; extraMessages?: unknown[] }): Record<string, unknown> {
  return {
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    ...(parts.stream ? { stream: true } : {}),
    system: [{ type: 'text', text: 'You are a coding agent.', cache_control: { type: 'ephemeral' } }],
    tools: [{ name: parts.tool ?? 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }],
    messages: [
      { role: 'user', content: 'Why does the job fail?' },
      {
        role: 'assistant', content: [
          { type: 'thinking', thinking: 'Check the log.', signature: 'EqkCCkYIBhgCKkD/sig+==' },
          { type: 'tool_use', id: 'toolu_01', name: parts.tool ?? 'Bash', input: { command: 'cat app.log' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: parts.toolOutput, ...(parts.isError ? { is_error: true } : {}) }] },
      ...(parts.extraMessages ?? []),
    ],
  };
}

/** Python json.dumps default style: ", " and ": " separators, non-ASCII escaped as \\uXXXX. */
export function pythonStyle(value: unknown): string {
  return JSON.stringify(value, null, 1)
    .replace(/\n\s*/g, ' ')
    .replace(/([[{]) /g, '$1')
    .replace(/ ([\]}])/g, '$1')
    .replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
