import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDollars, formatMs, formatPercent, formatTokens } from '../../src/extension/format';
import { throttle, type Timers } from '../../src/extension/throttle';
import { redact } from '../../src/extension/redact';
import { OnceNotifier } from '../../src/extension/once';
import { makeNonce, statsHtml } from '../../src/extension/webview-html';
import { languageForKind } from '../../src/extension/languages';

test('token counts read like the status bar wants them', () => {
  assert.equal(formatTokens(0), '0');
  assert.equal(formatTokens(950), '950');
  assert.equal(formatTokens(1000), '1k');
  assert.equal(formatTokens(12_345), '12.3k');
  assert.equal(formatTokens(123_456), '123k');
  assert.equal(formatTokens(1_234_567), '1.2M');
  assert.equal(formatTokens(999_960), '1M'); // rounding carries into the next unit
  assert.equal(formatTokens(3_400_000_000), '3.4B');
  assert.equal(formatTokens(-2500), '-2.5k');
  assert.equal(formatTokens(Number.NaN), '0');
});

test('dollars, percentages and durations', () => {
  assert.equal(formatDollars(0), '$0.00');
  assert.equal(formatDollars(0.004), '<$0.01');
  assert.equal(formatDollars(3.456), '$3.46');
  assert.equal(formatDollars(1234.4), '$1,234');
  assert.equal(formatDollars(-0.5), '-$0.50');
  assert.equal(formatPercent(73, 100), '73%');
  assert.equal(formatPercent(5, 0), '–');
  assert.equal(formatMs(3.2), '3 ms');
  assert.equal(formatMs(1500), '1.5 s');
});

function fakeTimers() {
  let now = 0;
  const queue: Array<{ at: number; fn: () => void; id: number }> = [];
  let next = 1;
  const timers: Timers = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = next++;
      queue.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (id) => {
      const i = queue.findIndex((q) => q.id === id);
      if (i >= 0) queue.splice(i, 1);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const q of queue.filter((q) => q.at <= now).sort((a, b) => a.at - b.at)) {
      queue.splice(queue.indexOf(q), 1);
      q.fn();
    }
  };
  return { timers, advance, pending: () => queue.length };
}

test('throttle runs at once, then collapses a burst into one trailing run', () => {
  const { timers, advance, pending } = fakeTimers();
  let runs = 0;
  const t = throttle(() => runs++, 1000, timers);
  t();
  assert.equal(runs, 1);
  for (let i = 0; i < 100; i++) t();
  assert.equal(runs, 1);
  assert.equal(pending(), 1);
  advance(999);
  assert.equal(runs, 1);
  advance(1);
  assert.equal(runs, 2);
  advance(5000);
  t();
  assert.equal(runs, 3, 'after a quiet window the next call runs at once');
  t();
  t.cancel();
  advance(5000);
  assert.equal(runs, 3, 'cancel drops the pending trailing run');
});

test('redact removes keys and bearer tokens but keeps the rest of the line', () => {
  const line = 'POST /v1/messages x-api-key: sk-ant-api03-abcdefghijklmnopqrstuvwxyz Authorization: Bearer abcdefghijklmnop12345 model=claude';
  const out = redact(line);
  assert.doesNotMatch(out, /abcdefghijklmnopqrstuvwxyz/);
  assert.doesNotMatch(out, /abcdefghijklmnop12345/);
  assert.match(out, /POST \/v1\/messages/);
  assert.match(out, /model=claude/);
  assert.equal(redact('plain line, nothing secret'), 'plain line, nothing secret');
});

test('an error is shown once per window and again after reset or expiry', () => {
  let now = 0;
  const shown: string[] = [];
  const n = new OnceNotifier((m) => shown.push(m), 60_000, () => now);
  assert.equal(n.notify('start', 'port busy'), true);
  assert.equal(n.notify('start', 'port busy'), false);
  assert.equal(n.notify('other', 'x'), true);
  now = 61_000;
  assert.equal(n.notify('start', 'port busy'), true);
  n.reset('start');
  assert.equal(n.notify('start', 'port busy'), true);
  assert.deepEqual(shown, ['port busy', 'x', 'port busy', 'port busy']);
});

test('the webview HTML allows only nonce scripts and local styles', () => {
  const nonce = makeNonce();
  assert.match(nonce, /^[A-Za-z0-9]{32}$/);
  assert.notEqual(makeNonce(), nonce);
  const html = statsHtml({ cspSource: 'vscode-webview://abc', nonce, scriptUri: 'vscode-webview://abc/dist/webview.js', styleUri: 'vscode-webview://abc/dist/webview.css' });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, new RegExp(`script-src 'nonce-${nonce}'`));
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
  assert.match(html, new RegExp(`<script nonce="${nonce}" src="vscode-webview://abc/dist/webview.js"></script>`));
  assert.equal((html.match(/<script/g) ?? []).length, 1);
});

test('originals open in a language mode that fits their kind', () => {
  assert.equal(languageForKind('json', '{}'), 'json');
  assert.equal(languageForKind('logs', ''), 'log');
  assert.equal(languageForKind('diff', ''), 'diff');
  assert.equal(languageForKind('code', 'def main():\n    pass\n'), 'python');
  assert.equal(languageForKind('code', 'import { x } from "y";\nconst a: string = x;\n'), 'typescript');
  assert.equal(languageForKind('code', 'fn main() {}\n'), 'rust');
  assert.equal(languageForKind('code', '???'), 'plaintext');
  assert.equal(languageForKind(undefined, ''), 'plaintext');
});
