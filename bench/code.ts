/**
 * Code compression timings: for each language, in a fresh process, the cold path (runtime init,
 * grammar load, first parse + compress) and then warm compress() times (p50/p95 over many runs),
 * on the generated corpus source files (2,000-line files) and the test fixtures.
 *
 *   npm run bench:code [-- --runs N]
 */
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { compress } from '../src/engine/compress';
import { prepareCode } from '../src/engine/code/prepare';
import { MemorySink } from '../test/helpers/memory-sink';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 40;

interface Input { name: string; path: string; query?: string }

function inputs(): Input[] {
  const list: Input[] = [];
  const manifest = resolve('.cache/corpus-code/manifest.json');
  if (existsSync(manifest)) {
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as { cases: Array<{ name: string; file: string; family: string; query: string }> };
    for (const c of m.cases) if (c.family === 'source') list.push({ name: c.name, path: join('.cache/corpus-code', c.file), query: c.query });
  }
  const fixtures = 'test/fixtures/code';
  for (const f of readdirSync(fixtures).sort()) list.push({ name: f.replace(/\.txt$/, ''), path: join(fixtures, f) });
  return list;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)];
}

/** Child mode: one input, cold then warm; prints one JSON line. */
async function measure(path: string, query: string | undefined): Promise<void> {
  const text = readFileSync(path, 'utf8');
  const fileName = path.replace(/\.txt$/, '');
  const opts = { kind: 'code' as const, fileName, query, countTokens: false, budgetMs: 60_000 };
  const t0 = performance.now();
  const lang = await prepareCode(text, fileName);
  const loadMs = performance.now() - t0;
  const first = compress(text, { ...opts, store: new MemorySink() });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(compress(text, { ...opts, store: new MemorySink() }).report.ms);
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({
    lang, lines: text.split('\n').length, loadMs, firstMs: first.report.ms, strategy: first.report.strategy,
    p50: quantile(times, 0.5), p95: quantile(times, 0.95), saved: 1 - first.report.bytesOut / first.report.bytesIn,
  }));
}

function main(): void {
  console.log(`Code compression timings (${runs} warm runs per input; each input in a fresh process)`);
  console.log(`${'input'.padEnd(34)} ${'lang'.padEnd(10)} ${'lines'.padStart(5)}  ${'init+load'.padStart(9)}  ${'first'.padStart(8)}  ${'warm p50'.padStart(8)}  ${'warm p95'.padStart(8)}  bytes saved  strategy`);
  const p95s: number[] = [];
  for (const input of inputs()) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/code.ts', '--child', input.path, '--query', input.query ?? '', '--runs', String(runs)], { encoding: 'utf8' });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    let m: { lang: string; lines: number; loadMs: number; firstMs: number; p50: number; p95: number; saved: number; strategy: string };
    try {
      m = JSON.parse(line);
    } catch {
      console.log(`${input.name}: failed\n${r.stderr}`);
      continue;
    }
    if (m.lines >= 1000) p95s.push(m.p95);
    const ms = (x: number) => `${x.toFixed(1)} ms`.padStart(8);
    console.log(`${input.name.padEnd(34)} ${String(m.lang).padEnd(10)} ${String(m.lines).padStart(5)}  ${ms(m.loadMs).padStart(9)}  ${ms(m.firstMs)}  ${ms(m.p50)}  ${ms(m.p95)}  ${(100 * m.saved).toFixed(1).padStart(10)}%  ${m.strategy}`);
  }
  if (p95s.length) console.log(`\nworst warm p95 on files of 1,000+ lines: ${Math.max(...p95s).toFixed(1)} ms (target ≤ 40 ms for 2,000 lines)`);
}

if (args.includes('--child')) {
  const q = args[args.indexOf('--query') + 1];
  void measure(args[args.indexOf('--child') + 1], q || undefined);
} else {
  main();
}
