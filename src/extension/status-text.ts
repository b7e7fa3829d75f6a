/** What the status bar item shows, computed from the stats view (pure; the vscode part applies it). */
import { formatDollars, formatPercent, formatTokens } from './format';
import type { StatsView } from './stats-view';

export type StatusLevel = 'ok' | 'warning' | 'error';

export interface StatusContent {
  text: string;
  /** Markdown for a MarkdownString tooltip (command links are trusted by the caller). */
  tooltip: string;
  level: StatusLevel;
  accessibility: string;
}

export function statusContent(s: StatsView): StatusContent {
  const saved = formatTokens(s.total.tokensSaved);
  let text: string;
  let level: StatusLevel;
  let state: string;
  if (s.failed) {
    text = '$(error) Headroom failed';
    level = 'error';
    state = `**Proxy failed:** ${escapeMd(s.failed)}`;
  } else if (!s.running) {
    text = '$(fold) Headroom off';
    level = 'warning';
    state = 'Proxy **stopped** — agents pointed at it get connection errors.';
  } else if (s.bypass) {
    text = `$(fold) ${saved} saved (bypass)`;
    level = 'warning';
    state = `Proxy running at \`${s.url ?? ''}\`, compression **paused** (requests pass through unchanged).`;
  } else {
    text = `$(fold) ${saved} tokens saved`;
    level = 'ok';
    state = `Proxy running at \`${s.url ?? ''}\`.`;
  }
  const t = s.total;
  const d = s.today;
  const rows = [
    '| | Today | Total |',
    '|:--|--:|--:|',
    `| Tokens saved | ${formatTokens(d.tokensSaved)} | ${formatTokens(t.tokensSaved)} |`,
    `| Dollars saved | ${formatDollars(d.dollarsSaved)} | ${formatDollars(t.dollarsSaved)} |`,
    `| Requests | ${d.requests} | ${t.requests} |`,
    `| Compression | ${formatPercent(d.tokensSaved, d.tokensBefore)} | ${formatPercent(t.tokensSaved, t.tokensBefore)} |`,
    `| Retrievals | | ${t.retrievals}${t.retrievalMisses ? ` (${t.retrievalMisses} missed)` : ''} |`,
  ];
  const actions = s.running
    ? '[Show stats](command:headroom.showStats) · [Copy URL](command:headroom.copyProxyUrl) · [Toggle compression](command:headroom.toggleCompression) · [Stop](command:headroom.stopProxy)'
    : '[Start proxy](command:headroom.startProxy) · [Show stats](command:headroom.showStats) · [Logs](command:headroom.showLogs)';
  const tooltip = [`**Headroom** — ${state}`, '', ...rows, '', actions].join('\n');
  const accessibility = s.running
    ? `Headroom: ${t.tokensSaved} tokens saved${s.bypass ? ', compression paused' : ''}`
    : s.failed ? 'Headroom proxy failed' : 'Headroom proxy stopped';
  return { text, tooltip, level, accessibility };
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
