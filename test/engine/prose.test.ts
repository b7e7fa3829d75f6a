import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress } from '../../src/engine/compress';
import { MemorySink } from '../helpers/memory-sink';
import { assertInvariants } from '../helpers/invariants';

const FILLER = [
  'The configuration loader reads the workspace settings once at start and again whenever a file changes.',
  'Each setting has a default that matches the behaviour of earlier releases, so nothing changes on upgrade.',
  'Values are validated as they are read; an invalid value falls back to its default and is reported once.',
  'The status bar reflects the active settings, and hovering over it shows where each value came from.',
];

function section(title: string, paragraphs: number, extra?: string): string {
  const out = [`## ${title}`, ''];
  for (let p = 0; p < paragraphs; p++) {
    out.push(FILLER[p % FILLER.length], FILLER[(p + 1) % FILLER.length], '');
  }
  if (extra) out.push(extra, '');
  return out.join('\n');
}

function longDoc(): string {
  return [
    '# Headroom user guide',
    '',
    'This guide explains how to install the extension, point agents at the proxy and read the savings.',
    '',
    section('Installation', 5),
    section('Proxy port', 5, 'The proxy port can be changed with headroom.proxyPort; restart the proxy afterwards.'),
    section('Statistics', 5),
    section('Known problems', 2, 'Some agents fail with a certificate error when a corporate proxy rewrites TLS.'),
    section('Privacy', 5),
    'Questions and feedback are welcome on the issue tracker.',
    '',
  ].join('\n');
}

test('long prose keeps headings, first and last paragraphs, query matches and problems', () => {
  const input = longDoc();
  const sink = new MemorySink();
  const { text, report } = compress(input, { store: sink, kind: 'prose', query: 'How do I change the proxyPort?', countTokens: false });
  assertInvariants(input, text, sink);
  for (const kept of [
    '# Headroom user guide',
    'This guide explains how to install the extension',
    '## Installation',
    '## Privacy',
    'The proxy port can be changed with headroom.proxyPort',
    'fail with a certificate error',
    'Questions and feedback are welcome on the issue tracker.',
  ]) assert.ok(text.includes(kept), `kept: ${kept}`);
  assert.match(text, /\[… \d+ lines omitted: \d+ paragraphs; hash=[0-9a-f]{24}\]/);
  assert.ok(report.bytesOut < report.bytesIn * 0.7);
  // Every kept line is whole: no line was rewritten or re-wrapped.
  const inputLines = new Set(input.split('\n'));
  for (const l of text.split('\n')) if (!l.startsWith('[…')) assert.ok(inputLines.has(l));
  // Retrieval gives back exactly what was dropped, in place.
  const restored = text.replace(/\[… [^\]]*hash=([0-9a-f]{24})\]\n/g, (_, h: string) => sink.get(h)!);
  assert.equal(restored, input);
  const again = compress(input, { store: new MemorySink(), kind: 'prose', query: 'How do I change the proxyPort?', countTokens: false });
  assert.equal(again.text, text);
});

test('short prose is left alone', () => {
  const input = FILLER.join('\n') + '\n\n' + FILLER.join(' ') + '\n';
  const { text } = compress(input, { store: new MemorySink(), kind: 'prose', countTokens: false });
  assert.equal(text, input);
});

test('prose where every paragraph matters is left alone', () => {
  const para = 'The build failed with an error in the linker step, and the warning above it explains why.\n';
  const input = Array.from({ length: 40 }, () => para + '\n').join('');
  const { text } = compress(input, { store: new MemorySink(), kind: 'prose', countTokens: false });
  // Identical paragraphs may fold as repeats, but every distinct problem paragraph stays.
  assert.ok(text.includes(para));
});

test('a paragraph naming an XxxError or a failing count is a problem paragraph and is kept', () => {
  const input = [
    '# Release notes',
    '',
    section('Changes', 6),
    section('Upgrade', 6, 'After the upgrade some users saw TypeError: Cannot read properties of undefined (reading \'port\').'),
    section('Tests', 6, '3 failing, 120 passing on the Windows runner.'),
    'Thanks to everyone who reported issues.',
    '',
  ].join('\n');
  const sink = new MemorySink();
  const { text } = compress(input, { store: sink, kind: 'prose', countTokens: false });
  assertInvariants(input, text, sink);
  assert.ok(text.includes("TypeError: Cannot read properties of undefined (reading 'port')."), text);
  assert.ok(text.includes('3 failing, 120 passing on the Windows runner.'), text);
});
