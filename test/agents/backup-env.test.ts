import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupFile, writeFileAtomic, readTextOrEmpty } from '../../src/agents/backup';
import { terminalEnvironment, terminalEnvironmentDescription } from '../../src/agents/terminal-env';
import { proxyBaseUrls, isLoopbackUrl } from '../../src/agents/proxy-urls';

test('backup copies the file before an edit; a missing file has no backup', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hr-backup-'));
  const file = join(dir, 'config.yaml');
  await writeFile(file, 'name: x\n');
  const b = await backupFile(file, join(dir, 'backups'), 1234);
  assert.equal(b, join(dir, 'backups', 'config.yaml.1234.bak'));
  assert.equal(await readFile(b!, 'utf8'), 'name: x\n');
  assert.equal(await backupFile(join(dir, 'absent.yaml'), join(dir, 'backups')), null);
  await writeFileAtomic(file, 'name: y\n');
  assert.equal(await readTextOrEmpty(file), 'name: y\n');
  assert.deepEqual((await readdir(dir)).sort(), ['backups', 'config.yaml']);
  assert.equal(await readTextOrEmpty(join(dir, 'nope')), '');
});

test('terminal variables follow each client’s base-URL convention', () => {
  const env = terminalEnvironment('http://127.0.0.1:8788');
  assert.deepEqual(env, { ANTHROPIC_BASE_URL: 'http://127.0.0.1:8788', OPENAI_BASE_URL: 'http://127.0.0.1:8788/v1', OPENAI_API_BASE: 'http://127.0.0.1:8788/v1' });
  assert.match(terminalEnvironmentDescription('http://127.0.0.1:8788'), /127\.0\.0\.1:8788/);
  assert.equal(proxyBaseUrls('http://127.0.0.1:1/').continueApiBase, 'http://127.0.0.1:1/v1/');
  assert.ok(isLoopbackUrl('http://localhost:3/v1'));
  assert.ok(!isLoopbackUrl('https://api.anthropic.com'));
});
