/** Which agents' requests actually arrived through the proxy, from the recent request records. */

export interface AgentTraffic {
  requests: number;
  /** Epoch ms of the newest request. */
  last: number;
  tokensSaved: number;
}

export function trafficByAgent(records: readonly unknown[]): Map<string, AgentTraffic> {
  const out = new Map<string, AgentTraffic>();
  for (const r of records) {
    if (typeof r !== 'object' || r === null) continue;
    const rec = r as { agent?: unknown; ts?: unknown; at?: unknown; tokensSaved?: unknown };
    const agent = typeof rec.agent === 'string' && rec.agent ? rec.agent : 'unknown';
    const ts = typeof rec.ts === 'number' ? rec.ts : typeof rec.at === 'number' ? rec.at : 0;
    const t = out.get(agent) ?? { requests: 0, last: 0, tokensSaved: 0 };
    t.requests++;
    t.last = Math.max(t.last, ts);
    t.tokensSaved += typeof rec.tokensSaved === 'number' ? rec.tokensSaved : 0;
    out.set(agent, t);
  }
  return out;
}

/** Combined traffic of every record agent name that belongs to one of our agent entries. */
export function trafficFor(byAgent: Map<string, AgentTraffic>, names: readonly string[]): AgentTraffic | undefined {
  let total: AgentTraffic | undefined;
  for (const n of names) {
    const t = byAgent.get(n);
    if (!t) continue;
    total ??= { requests: 0, last: 0, tokensSaved: 0 };
    total.requests += t.requests;
    total.last = Math.max(total.last, t.last);
    total.tokensSaved += t.tokensSaved;
  }
  return total;
}

export function describeAge(ms: number): string {
  if (ms < 90_000) return `${Math.max(1, Math.round(ms / 1000))} s ago`;
  if (ms < 90 * 60_000) return `${Math.round(ms / 60_000)} min ago`;
  if (ms < 36 * 3_600_000) return `${Math.round(ms / 3_600_000)} h ago`;
  return `${Math.round(ms / 86_400_000)} days ago`;
}
