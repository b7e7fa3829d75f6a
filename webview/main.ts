/**
 * The stats webview: summary cards, savings charts, recent requests and a detail view of one
 * request's tool outputs (compressed beside original). Talks to the host only through the typed
 * messages of src/extension/protocol.ts; builds DOM nodes (never HTML strings) from the data.
 */
import './style.css';
import { barList, columnChart, type BarDatum } from './charts';
import { formatDollars, formatMs, formatPercent, formatTokens } from '../src/extension/format';
import { parseHostMessage, parseWebviewState, type RequestDetail, type WebviewCommand, type WebviewMessage, type WebviewState } from '../src/extension/protocol';
import type { RequestRow, Slice, StatsView } from '../src/extension/stats-view';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: WebviewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app')!;
let state: WebviewState = parseWebviewState(vscode.getState());
let detail: RequestDetail | undefined;
let error: string | undefined;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, string> = {}, ...children: Array<Node | string | undefined>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) node.setAttribute(k, v);
  for (const c of children) if (c !== undefined) node.append(c);
  return node;
}

function button(label: string, command: WebviewCommand, primary = false): HTMLButtonElement {
  const b = h('button', { type: 'button', class: primary ? 'primary' : '', 'data-command': command }, label);
  b.addEventListener('click', () => vscode.postMessage({ type: 'command', command }));
  return b;
}

function card(title: string, value: string, sub: string): HTMLElement {
  return h('div', { class: 'card' }, h('div', { class: 'muted' }, title), h('div', { class: 'value' }, value), h('div', { class: 'sub muted' }, sub));
}

function header(s: StatsView): HTMLElement {
  const cls = s.failed ? 'failed' : s.running ? 'running' : 'stopped';
  const text = s.failed ? `Proxy failed: ${s.failed}` : s.running ? `Proxy running at ${s.url}${s.bypass ? ' — compression paused' : ''}` : 'Proxy stopped';
  const tools = h('div', { class: 'toolbar' });
  if (s.running) {
    tools.append(button('Stop Proxy', 'stopProxy'), button(s.bypass ? 'Resume Compression' : 'Pause Compression', 'toggleCompression'), button('Copy URL', 'copyProxyUrl'));
  } else {
    tools.append(button('Start Proxy', 'startProxy', true));
  }
  tools.append(button('Show Logs', 'showLogs'), button('Clear Store', 'clearStore'));
  return h('section', {}, h('h1', {}, 'Headroom'), h('div', { class: `state ${cls}`, id: 'proxy-state' }, h('span', { class: 'dot' }), text), tools);
}

function cards(s: StatsView): HTMLElement {
  const t = s.total;
  const d = s.today;
  return h('section', { class: 'cards', id: 'cards' },
    card('Tokens saved', formatTokens(t.tokensSaved), `today ${formatTokens(d.tokensSaved)}`),
    card('Dollars saved', formatDollars(t.dollarsSaved), `today ${formatDollars(d.dollarsSaved)}`),
    card('Compression', formatPercent(t.tokensSaved, t.tokensBefore), `${formatTokens(t.tokensBefore)} → ${formatTokens(t.tokensAfter)} tokens`),
    card('Requests', String(t.requests), `today ${d.requests}`),
    card('Retrievals', String(t.retrievals), t.retrievalMisses ? `${t.retrievalMisses} missed` : 'originals fetched by the model'),
    card('Prompt cache', `${formatTokens(t.cacheReadTokens)} read`, t.cacheBusts
      ? `${t.cacheBusts} ${t.cacheBusts === 1 ? 'turn' : 'turns'} read back less than the turn before had cached`
      : `${formatTokens(t.cacheWriteTokens)} written; no turn lost its cache`),
    card('Latency added', formatMs(t.msAddedAvg), 'average per request'),
  );
}

function sliceData(slices: Slice[]): BarDatum[] {
  return slices.map((x) => ({ label: x.name, total: x.tokensBefore, value: x.tokensSaved, title: `${x.name}: ${formatTokens(x.tokensSaved)} of ${formatTokens(x.tokensBefore)} tokens saved, ${x.requests} ${x.requests === 1 ? 'item' : 'items'}` }));
}

function charts(s: StatsView): HTMLElement {
  const days = s.byDay.slice(-30).map((d) => ({ label: d.day.slice(5), total: d.tokensBefore, value: d.tokensSaved, title: `${d.day}: ${formatTokens(d.tokensSaved)} of ${formatTokens(d.tokensBefore)} tokens saved in ${d.requests} requests` }));
  const legend = h('div', { class: 'legend muted' }, h('span', { class: 'swatch saved' }), 'tokens saved', h('span', { class: 'swatch before' }), 'tokens before');
  const box = (title: string, id: string, chart: SVGSVGElement) => h('div', { id }, h('h2', {}, title), chart);
  const grid = h('div', { class: 'charts' },
    box('By kind of content', 'chart-kind', barList(sliceData(s.byKind), formatTokens, 'Tokens saved by kind of content')),
    box('By model', 'chart-model', barList(sliceData(s.byModel), formatTokens, 'Tokens saved by model')),
    box('By agent', 'chart-agent', barList(sliceData(s.byAgent), formatTokens, 'Tokens saved by agent')),
  );
  if (s.leftAlone.length) {
    grid.append(box('Left alone (tool outputs)', 'chart-alone', barList(s.leftAlone.map((x) => ({ label: x.name, total: x.requests, value: x.requests, title: `${x.name}: ${x.requests}` })), (n) => String(n), 'Why tool outputs were left alone')));
  }
  return h('section', {}, h('h2', {}, 'Savings over time'), legend, h('div', { id: 'chart-time' }, columnChart(days, formatTokens, 'Tokens saved per day')), grid);
}

function tags(items: string[], cls: string): HTMLElement {
  return h('span', {}, ...items.map((t) => h('span', { class: `tag ${cls}` }, t)));
}

function requestRow(r: RequestRow): HTMLTableRowElement {
  const saved = Math.max(0, r.tokensBefore - r.tokensAfter);
  const time = r.time ? new Date(r.time).toLocaleTimeString() : '';
  const row = h('tr', { class: `request${state.selectedId === r.id ? ' selected' : ''}`, tabindex: '0', 'data-id': r.id },
    h('td', {}, time), h('td', {}, r.agent), h('td', {}, r.model),
    h('td', { class: 'num' }, formatTokens(r.tokensBefore)), h('td', { class: 'num' }, formatTokens(r.tokensAfter)),
    h('td', { class: 'num' }, formatPercent(saved, r.tokensBefore)), h('td', { class: 'num' }, formatMs(r.msAdded)),
    h('td', {}, tags(r.transforms, ''), tags(r.leftAlone, 'alone'),
      r.cacheBust ? h('span', { class: 'tag bust', title: 'This turn read back less of the provider\'s prompt cache than the turn before it had left there' }, `cache read ${formatTokens(r.cacheBust.read)} of ${formatTokens(r.cacheBust.expected)}`) : undefined),
  );
  const open = () => {
    state = { ...state, selectedId: r.id };
    detail = undefined;
    vscode.setState(state);
    vscode.postMessage({ type: 'openDetail', id: r.id });
    render();
  };
  row.addEventListener('click', open);
  row.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') open();
  });
  return row;
}

function requests(s: StatsView): HTMLElement {
  const head = h('tr', {}, ...['Time', 'Agent', 'Model', 'Before', 'After', 'Saved', 'Added', 'Transforms / left alone'].map((t, i) => h('th', { class: i >= 3 && i <= 6 ? 'num' : '' }, t)));
  const body = h('tbody', {}, ...s.recent.slice(0, 50).map(requestRow));
  const table = h('table', { id: 'requests' }, h('thead', {}, head), body);
  return h('section', {}, h('h2', {}, 'Recent requests'), s.recent.length ? table : h('p', { class: 'muted' }, 'No requests yet. Point an agent at the proxy URL.'));
}

function openOriginalLink(hash: string): HTMLElement {
  const a = h('a', { role: 'button', tabindex: '0' }, `open hash=${hash.slice(0, 10)}… in an editor`);
  a.addEventListener('click', () => vscode.postMessage({ type: 'openOriginal', hash }));
  return a;
}

function detailView(): HTMLElement | undefined {
  if (!state.selectedId) return undefined;
  const section = h('section', { class: 'detail', id: 'detail' }, h('h2', {}, 'Request detail'));
  if (!detail || detail.id !== state.selectedId) {
    section.append(h('p', { class: 'muted' }, 'Loading…'));
    return section;
  }
  if (detail.items.length === 0) {
    section.append(h('p', { class: 'muted' }, 'This request had no tool outputs.'));
    return section;
  }
  const head = h('tr', {}, ...['Tool', 'Kind', 'Bytes', 'Tokens', 'Result'].map((t, i) => h('th', { class: i === 2 || i === 3 ? 'num' : '' }, t)));
  const rows = detail.items.map((it) => h('tr', {},
    h('td', {}, it.tool ?? '–'), h('td', {}, it.kind || '–'),
    h('td', { class: 'num' }, `${formatTokens(it.bytesIn)} → ${formatTokens(it.bytesOut)}`),
    h('td', { class: 'num' }, `${formatTokens(it.tokensBefore)} → ${formatTokens(it.tokensAfter)}`),
    h('td', {}, it.reason ? h('span', { class: 'tag alone' }, `left alone: ${it.reason}`) : h('span', { class: 'tag' }, it.strategy || 'compressed'), it.replayed ? ' (replayed from memo)' : ''),
  ));
  section.append(h('table', { id: 'detail-outputs' }, h('thead', {}, head), h('tbody', {}, ...rows)));
  for (const it of detail.items) {
    if (it.compressed === undefined && it.originals.length === 0) continue;
    section.append(h('h3', {}, `${it.tool ?? 'tool output'} · ${it.kind || 'unknown kind'}`));
    const originals = h('div', {}, h('div', { class: 'muted' }, 'Original (stored)'));
    for (const o of it.originals) {
      originals.append(o.text === null ? h('p', { class: 'error' }, `hash=${o.hash}: expired or unknown`) : h('pre', {}, o.text), openOriginalLink(o.hash));
    }
    section.append(h('div', { class: 'side-by-side' },
      h('div', {}, h('div', { class: 'muted' }, 'Compressed (sent to the model)'), h('pre', {}, it.compressed ?? '(not recorded)')),
      originals));
  }
  return section;
}

function render(): void {
  const s = state.stats;
  app.replaceChildren();
  if (error) app.append(h('p', { class: 'error', role: 'alert' }, error));
  if (!s) {
    app.append(h('p', { class: 'muted' }, 'Loading stats…'));
    return;
  }
  app.append(header(s), cards(s), charts(s), requests(s));
  const d = detailView();
  if (d) app.append(d);
}

window.addEventListener('message', (event: MessageEvent) => {
  const msg = parseHostMessage(event.data);
  if (!msg) return;
  if (msg.type === 'stats') {
    state = { ...state, stats: msg.stats };
    vscode.setState(state);
    error = undefined;
  } else if (msg.type === 'detail') {
    detail = msg.detail;
  } else {
    error = msg.message;
  }
  render();
});

render();
if (state.selectedId) vscode.postMessage({ type: 'openDetail', id: state.selectedId });
vscode.postMessage({ type: 'ready' });
