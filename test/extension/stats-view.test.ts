import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsAggregator } from '../../src/proxy/stats';
import type { RequestRecord } from '../../src/proxy/record';
import { dayOf, emptyStats, toStatsView } from '../../src/extension/stats-view';
import { statusContent } from '../../src/extension/status-text';

function record(over: Partial<RequestRecord>): RequestRecord {
  return {
    id: 'r', ts: Date.UTC(2025, 2, 4, 12), agent: 'claude-code', provider: 'anthropic', api: 'messages', path: '/v1/messages', model: 'claude-sonnet-4-5',
    stream: false, status: 200, bypass: false, msAdded: 2, tokensBefore: 10_000, tokensAfter: 2_000, tokensSaved: 8_000, tokensAdded: 0,
    usageEstimated: false, outputs: [], retrieveToolInjected: false, retrievals: 0, retrievalMisses: 0, dollarsSaved: 0.024, ...over,
  };
}

test('the proxy snapshot becomes the view: totals, today, breakdowns, recent rows', () => {
  const agg = new StatsAggregator();
  const now = Date.UTC(2025, 2, 4, 18);
  const records = [
    record({ id: 'a', ts: Date.UTC(2025, 2, 3, 9), outputs: [{ tool: 'Bash', kind: 'logs', bytesIn: 40_000, bytesOut: 6_000, tokensIn: 9_000, tokensOut: 1_200, replayed: false }] }),
    record({ id: 'b', model: 'gpt-5', agent: 'codex', provider: 'openai', tokensBefore: 5_000, tokensAfter: 5_000, tokensSaved: 0, dollarsSaved: 0, retrievals: 2, retrievalMisses: 1,
      outputs: [{ tool: 'read_file', kind: 'code', bytesIn: 9_000, bytesOut: 9_000, reason: 'excluded tool', replayed: false }] }),
  ];
  for (const r of records) agg.add(r);
  const view = toStatsView(agg.snapshot(), { running: true, bypass: false, url: 'http://127.0.0.1:8787', now, recent: [...records].reverse() });
  assert.equal(view.total.requests, 2);
  assert.equal(view.total.tokensBefore, 15_000);
  assert.equal(view.total.tokensSaved, 8_000);
  assert.equal(view.total.dollarsSaved, 0.024);
  assert.equal(view.total.retrievals, 2);
  assert.equal(view.total.retrievalMisses, 1);
  assert.equal(dayOf(now), '2025-03-04');
  assert.equal(view.today.requests, 1);
  assert.equal(view.today.tokensSaved, 0);
  assert.equal(view.today.dollarsSaved, 0);
  assert.equal(view.byDay[0].dollarsSaved, 0.024);
  assert.deepEqual(view.byDay.map((d) => d.day), ['2025-03-03', '2025-03-04']);
  assert.deepEqual(view.byModel.map((m) => m.name), ['claude-sonnet-4-5', 'gpt-5']);
  assert.deepEqual(view.byKind.find((k) => k.name === 'logs'), { name: 'logs', requests: 1, tokensBefore: 0, tokensSaved: 7_800 });
  assert.deepEqual(view.leftAlone.map((x) => [x.name, x.requests]), [['excluded tool', 1]]);
  assert.equal(view.recent[0].id, 'b');
  assert.deepEqual(view.recent[0].leftAlone, ['excluded tool']);
  assert.deepEqual(view.recent[1].transforms, ['logs']);
  assert.equal(view.recent[1].items[0].tokensAfter, 1_200);
});

test('status bar text and level follow the proxy state', () => {
  const s = emptyStats();
  assert.deepEqual([statusContent(s).text, statusContent(s).level], ['$(fold) Headroom off', 'warning']);
  s.running = true;
  s.url = 'http://127.0.0.1:8787';
  s.total = { ...s.total, tokensSaved: 1_234_567, tokensBefore: 2_000_000, requests: 42, dollarsSaved: 3.7 };
  const c = statusContent(s);
  assert.equal(c.text, '$(fold) 1.2M tokens saved');
  assert.equal(c.level, 'ok');
  assert.match(c.tooltip, /\| Tokens saved \| 0 \| 1\.2M \|/);
  assert.match(c.tooltip, /\| Dollars saved \| \$0\.00 \| \$3\.70 \|/);
  assert.match(c.tooltip, /\| Compression \| – \| 62% \|/);
  assert.match(c.tooltip, /http:\/\/127\.0\.0\.1:8787/);
  assert.match(c.tooltip, /command:headroom\.stopProxy/);
  s.bypass = true;
  assert.equal(statusContent(s).text, '$(fold) 1.2M saved (bypass)');
  assert.equal(statusContent(s).level, 'warning');
  s.failed = 'port 8787: EACCES';
  assert.equal(statusContent(s).text, '$(error) Headroom failed');
  assert.equal(statusContent(s).level, 'error');
});

test('each request is logged as one line with tokens, agent and reasons', async () => {
  const { describeRequest } = await import('../../src/extension/request-log');
  const line = describeRequest(record({ outputs: [
    { tool: 'Bash', kind: 'logs', bytesIn: 40_000, bytesOut: 6_000, tokensIn: 9_000, tokensOut: 1_200, replayed: false },
    { tool: 'Read', kind: 'code', bytesIn: 900, bytesOut: 900, reason: 'excluded tool', replayed: false },
    { tool: 'Read', kind: 'code', bytesIn: 900, bytesOut: 900, reason: 'excluded tool', replayed: false },
  ] }));
  assert.equal(line, '/v1/messages 200 · claude-code claude-sonnet-4-5 · 10k → 2k tokens (80% saved) · 2 ms added · compressed: logs · left alone: excluded tool ×2');
});

test('a request line cannot be split or carry terminal escapes: control characters from the client are shown escaped', async () => {
  const { describeRequest } = await import('../../src/extension/request-log');
  const line = describeRequest({ ...record({ outputs: [] }), model: 'gpt-4o\n12:00:00 /v1/messages 200 · forged\u001b[2J' });
  assert.ok(!/[\n\u001b]/.test(line), line);
  assert.match(line, /gpt-4o\\u000a12:00:00 .*forged\\u001b\[2J/);
});
