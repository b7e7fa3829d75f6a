/**
 * Properties of the whole engine over the shared corpus and generated inputs: deterministic, never
 * larger, every marker retrievable with exact bytes, kept lines verbatim, line structure preserved.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compress } from '../../src/engine/compress';
import { MemorySink } from '../helpers/memory-sink';
import { assertInvariants } from '../helpers/invariants';

interface Case { name: string; file: string; query: string }

function corpus(): Array<{ name: string; text: string; query: string }> {
  const out: Array<{ name: string; text: string; query: string }> = [];
  for (const dir of [resolve('../shared/corpus'), resolve('.cache/corpus-code')]) {
    const manifest = join(dir, 'manifest.json');
    if (!existsSync(manifest)) continue;
    for (const c of (JSON.parse(readFileSync(manifest, 'utf8')) as { cases: Case[] }).cases) {
      out.push({ name: c.name, text: readFileSync(join(dir, c.file), 'utf8'), query: c.query });
    }
  }
  return out;
}

/** Kinds whose compressors re-encode lines (tables, grouped hits) rather than select them. */
const REENCODING_KINDS = new Set(['json', 'table', 'search', 'html']);

/** Small deterministic PRNG (mulberry32), so generated inputs are the same on every run. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkOne(name: string, text: string, query: string): void {
  const sink = new MemorySink();
  const a = compress(text, { store: sink, query, countTokens: false });
  const b = compress(text, { store: new MemorySink(), query, countTokens: false });
  assert.equal(a.text, b.text, `${name}: not deterministic`);
  assert.equal(a.report.error, undefined, `${name}: engine error ${a.report.error}`);
  if (REENCODING_KINDS.has(a.report.kind)) {
    assert.ok(Buffer.byteLength(a.text) <= Buffer.byteLength(text), `${name}: larger`);
    assertMarkersRetrievable(a.text, sink);
  } else {
    assertInvariants(text, a.text, sink);
  }
  // Line structure: a CRLF input never gains bare-LF kept lines, and no kept line is joined to another.
  if (a.text !== text && text.includes('\r\n') && !text.replace(/\r\n/g, '').includes('\n')) {
    const bare = a.text.replace(/\r\n/g, '').split('\n').length - 1;
    assert.ok(bare <= a.report.hashes.length + 2, `${name}: CRLF line endings not preserved`);
  }
}

function assertMarkersRetrievable(output: string, sink: MemorySink): void {
  for (const m of output.matchAll(/hash=([0-9a-f]{24})/g)) assert.ok(sink.get(m[1]) !== undefined, `hash ${m[1]} not stored`);
}

const cases = corpus();

test('corpus: every case satisfies the engine invariants', { skip: cases.length === 0 && 'corpus not found' }, () => {
  for (const c of cases) checkOne(c.name, c.text, c.query);
});

test('generated inputs: shuffled and spliced corpus lines satisfy the invariants', { skip: cases.length === 0 && 'corpus not found' }, () => {
  const next = rng(42);
  const pool = cases.flatMap((c) => c.text.split('\n').slice(0, 400));
  for (let round = 0; round < 30; round++) {
    const n = 20 + Math.floor(next() * 600);
    const start = Math.floor(next() * pool.length);
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      // Mostly runs of neighbouring lines (so kinds stay recognisable), sometimes random jumps.
      const j = next() < 0.9 ? (start + i) % pool.length : Math.floor(next() * pool.length);
      lines.push(pool[j]);
    }
    checkOne(`generated#${round}`, lines.join('\n'), round % 2 ? 'error failed' : '');
  }
});
