import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PROXY_HEAP_FLAGS, PROXY_MALLOC_ENV } from '../../src/proxy/heap';

// setFlagsFromString ignores a flag it does not know (it only prints to stderr), so a runtime whose
// V8 renamed the flag would silently lose the headless proxy's heap policy.
test('the headless proxy heap flag is one this runtime knows', () => {
  const r = spawnSync(process.execPath, [PROXY_HEAP_FLAGS, '-e', '0'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /unrecognized|bad option/i);
});

test('npm start runs the headless proxy with the allocator policy the benchmark measures', () => {
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.start;
  const assignments = Object.entries(PROXY_MALLOC_ENV).map(([k, v]) => `${k}=${v}`).join(' ');
  assert.match(start, new RegExp(`&& env ${assignments} node dist/cli\\.js proxy$`));
});
