/**
 * Corpus benchmark: runs the engine in-process over every case of the shared corpus (and the
 * generated code cases), and prints per case, per family and overall: bytes and tokens in and out,
 * tokens saved, needles kept and engine milliseconds, then p95 time, log throughput and peak memory.
 *
 *   npm run bench [-- --only NAME_SUBSTRING] [-- --show NAME]   (--show prints that case's output)
 */
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { compress } from '../src/engine/compress';
import { warmCodeSupport } from '../src/engine/code/prepare';
import { countTokens } from '../src/engine/tokens';
import type { ContentKind } from '../src/engine/types';
import { MemorySink } from '../test/helpers/memory-sink';

interface Case { name: string; file: string; family: string; query: string; needles: string[] }

const args = process.argv.slice(2);
const flag = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const only = flag('--only');
const show = flag('--show');

const corpusDir = resolve(process.env.HEADROOM_CORPUS ?? '../shared/corpus');
const generatedDir = resolve('.cache/corpus-code');

function loadManifest(dir: string): Array<Case & { path: string }> {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { cases: Case[] };
  return m.cases.map((c) => ({ ...c, path: join(dir, c.file) }));
}

function ensureGenerated(): boolean {
  if (existsSync(join(generatedDir, 'manifest.json'))) return true;
  const script = join(corpusDir, 'generate-code-cases.sh');
  if (!existsSync(script)) return false;
  const r = spawnSync('bash', [script, generatedDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  return r.status === 0 && existsSync(join(generatedDir, 'manifest.json'));
}

// FAMILY hints as the scoring protocol passes them, mapped to engine kinds.
const FAMILY_KIND: Record<string, ContentKind | undefined> = {
  logs: 'logs', code_search: 'search', json: 'json', build_test: 'build', source: 'code', dirlist: 'dirlist',
};

const cases = [...loadManifest(corpusDir), ...(ensureGenerated() ? loadManifest(generatedDir) : [])]
  .filter((c) => !only || c.name.includes(only));
const useHint = args.includes('--hint');

interface Row { name: string; family: string; bytesIn: number; bytesOut: number; tokIn: number; tokOut: number; needles: number; kept: number; ms: number; kind: string; strategy: string }
const rows: Row[] = [];
let peakRss = process.memoryUsage().rss;
let logBytes = 0;
let logMs = 0;

// Code compression loads its tree-sitter grammars asynchronously: load them before measuring.
// Steady state is what is measured: a warm-up pass over every case (JIT) and the tokenizer loaded
// first, then each case's engine time is the median of RUNS runs.
const RUNS = 3;
const texts = new Map(cases.map((c) => [c.name, readFileSync(c.path, 'utf8')]));
const run = (c: (typeof cases)[number], sink = new MemorySink()) =>
  compress(texts.get(c.name)!, { store: sink, query: c.query, countTokens: false, kind: useHint ? FAMILY_KIND[c.family] : undefined });
void warmCodeSupport().then(() => {
countTokens('warm');
for (const c of cases) run(c);
for (const c of cases) {
  const text = texts.get(c.name)!;
  const sink = new MemorySink();
  const r = run(c, sink);
  const times = [r.report.ms, ...Array.from({ length: RUNS - 1 }, () => run(c).report.ms)].sort((a, b) => a - b);
  r.report.ms = times[Math.floor(RUNS / 2)];
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const kept = c.needles.filter((n) => r.text.includes(n)).length;
  const row: Row = {
    name: c.name, family: c.family, bytesIn: r.report.bytesIn, bytesOut: r.report.bytesOut,
    tokIn: countTokens(text), tokOut: countTokens(r.text), needles: c.needles.length, kept, ms: r.report.ms,
    kind: r.report.kind, strategy: r.report.unchanged ? `unchanged:${r.report.unchanged}` : r.report.strategy,
  };
  rows.push(row);
  if (c.family === 'logs') { logBytes += row.bytesIn; logMs += row.ms; }
  if (show && c.name === show) {
    console.log(r.text);
    const missing = c.needles.filter((n) => !r.text.includes(n));
    if (missing.length) console.log('\nMISSING NEEDLES:\n' + missing.map((n) => '  ' + JSON.stringify(n)).join('\n'));
    if (r.report.error) console.log('ERROR: ' + r.report.error);
  }
}

const pct = (a: number, b: number) => (b === 0 ? '0.0' : ((1 - a / b) * 100).toFixed(1));
const pad = (s: string | number, n: number) => String(s).padStart(n);
const line = (name: string, r: Omit<Row, 'name' | 'family' | 'kind' | 'strategy'>, extra = '') =>
  console.log(`${name.padEnd(42)} ${pad(r.bytesIn, 8)} → ${pad(r.bytesOut, 7)} B  ${pad(r.tokIn, 6)} → ${pad(r.tokOut, 6)} tok  ${pad(pct(r.tokOut, r.tokIn), 5)}% saved  needles ${pad(`${r.kept}/${r.needles}`, 5)}  ${pad(r.ms.toFixed(1), 7)} ms  ${extra}`);
const sum = (rs: Row[]) => rs.reduce((a, r) => ({
  bytesIn: a.bytesIn + r.bytesIn, bytesOut: a.bytesOut + r.bytesOut, tokIn: a.tokIn + r.tokIn, tokOut: a.tokOut + r.tokOut,
  needles: a.needles + r.needles, kept: a.kept + r.kept, ms: a.ms + r.ms,
}), { bytesIn: 0, bytesOut: 0, tokIn: 0, tokOut: 0, needles: 0, kept: 0, ms: 0 });

console.log('\nPer case (tokens: o200k_base)');
for (const r of rows) line(r.name, r, `${r.kind}/${r.strategy}`);
console.log('\nPer family');
for (const fam of [...new Set(rows.map((r) => r.family))]) line(fam, sum(rows.filter((r) => r.family === fam)));
console.log('');
const total = sum(rows);
line('OVERALL', total);
const times = rows.map((r) => r.ms).sort((a, b) => a - b);
const p95 = times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)] ?? 0;
const worst = rows.reduce((a, r) => Math.min(a, r.needles ? r.kept / r.needles : 1), 1);
console.log(`cases ${rows.length}  needles kept ${(100 * total.kept / Math.max(1, total.needles)).toFixed(1)}%  worst case ${(100 * worst).toFixed(0)}%  ` +
  `p95 ${p95.toFixed(1)} ms  log throughput ${logMs ? (logBytes / 1e6 / (logMs / 1000)).toFixed(1) : '-'} MB/s  peak RSS ${(peakRss / 1048576).toFixed(0)} MB`);
});
