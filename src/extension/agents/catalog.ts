/** The agents Connect/Disconnect/Check Connections offer, and how their status is reported (pure). */
import { describeAge, trafficFor, type AgentTraffic } from './traffic';

export type AgentId = 'copilot-provider' | 'copilot-endpoint' | 'cline' | 'roo' | 'continue' | 'terminal';

export interface AgentEntry {
  id: AgentId;
  label: string;
  /** What Connect will change, shown under the label in the quick pick. */
  detail: string;
  /** `agent` values in the proxy's request records that count as this agent's traffic. */
  recordAgents: readonly string[];
  /** False for routes that do not pass through the proxy (our own provider calls the API directly when it is stopped). */
  needsProxy: boolean;
}

export const AGENTS: readonly AgentEntry[] = [
  {
    id: 'copilot-provider', label: 'GitHub Copilot Chat — Headroom models',
    detail: 'Adds Claude and OpenAI models to Copilot Chat\'s model picker, using your own API key (kept in VS Code\'s secret storage). Changes no files.',
    recordAgents: ['copilot'], needsProxy: false,
  },
  {
    id: 'copilot-endpoint', label: 'GitHub Copilot Chat — Custom Endpoint (VS Code 1.122+)',
    detail: 'Adds a "Headroom (compressed)" group to your chatLanguageModels.json (backed up first); VS Code asks for the API key.',
    recordAgents: ['copilot'], needsProxy: true,
  },
  {
    id: 'cline', label: 'Cline',
    detail: 'Copies the proxy base URL for Cline\'s Anthropic or OpenAI Compatible provider and opens Cline\'s settings; you paste it there.',
    recordAgents: ['cline'], needsProxy: true,
  },
  {
    id: 'roo', label: 'Roo Code',
    detail: 'Creates a "Headroom" profile copying your active Roo Code profile with the base URL pointed at the proxy, and activates it.',
    recordAgents: ['roo-code'], needsProxy: true,
  },
  {
    id: 'continue', label: 'Continue',
    detail: 'Sets apiBase of the Anthropic/OpenAI models you pick in ~/.continue/config.yaml (backed up first, comments kept).',
    recordAgents: ['continue'], needsProxy: true,
  },
  {
    id: 'terminal', label: 'Claude Code, Codex, Aider in VS Code terminals',
    detail: 'Sets ANTHROPIC_BASE_URL and OPENAI_BASE_URL in new integrated terminals while the proxy runs. Changes no files.',
    recordAgents: ['claude-code', 'codex', 'aider', 'anthropic-sdk', 'openai-sdk'], needsProxy: true,
  },
];

export function agentEntry(id: AgentId): AgentEntry {
  return AGENTS.find((a) => a.id === id)!;
}

export interface AgentStatus {
  id: AgentId;
  /** undefined: not installed / not applicable. */
  configured: boolean | undefined;
  /** What is configured, or why not. */
  note: string;
}

export interface ConnectionLine {
  id: AgentId;
  label: string;
  icon: 'pass' | 'warning' | 'circle-slash' | 'info';
  text: string;
}

/** One line per agent: configured or not, and whether its traffic has actually arrived through the proxy. */
export function connectionReport(statuses: AgentStatus[], byAgent: Map<string, AgentTraffic>, proxyUrl: string | undefined, now = Date.now()): ConnectionLine[] {
  return statuses.map((s) => {
    const entry = agentEntry(s.id);
    const traffic = trafficFor(byAgent, entry.recordAgents);
    const seen = traffic ? `${traffic.requests} request${traffic.requests === 1 ? '' : 's'} through the proxy, last ${describeAge(now - traffic.last)}` : 'no traffic through the proxy yet';
    let icon: ConnectionLine['icon'];
    let text: string;
    if (s.configured === undefined) {
      icon = traffic ? 'pass' : 'info';
      text = traffic ? `${s.note}; ${seen}` : s.note;
    } else if (!s.configured) {
      icon = traffic ? 'pass' : 'circle-slash';
      text = `not connected (${s.note})${traffic ? `; ${seen}` : ''}`;
    } else if (traffic) {
      icon = 'pass';
      text = `connected (${s.note}); ${seen}`;
    } else {
      icon = 'warning';
      text = `connected (${s.note}), but ${seen}${entry.needsProxy && !proxyUrl ? ' — the proxy is stopped' : ''}`;
    }
    return { id: s.id, label: entry.label, icon, text };
  });
}
