import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateFile } from '../../src/extension/agents/state';
import { connectContinue, continueConfigFile, continueGlobalDir, disconnectContinue, repointContinue, continueConnectedModels } from '../../src/extension/agents/continue';
import { chatLanguageModelsFile, connectCopilotEndpoint, copilotEndpointConnected, customEndpointUnavailable, disconnectCopilotEndpoint, repointCopilotEndpoint } from '../../src/extension/agents/copilot-endpoint';
import { MalformedConfigError } from '../../src/agents/errors';

const YAML = `# my Continue config
name: Local config
version: 0.0.1
schema: v1
models:
  # daily driver
  - name: Claude Sonnet
    provider: anthropic
    model: claude-sonnet-4-5
    apiKey: \${{ secrets.ANTHROPIC_API_KEY }}
  - name: GPT
    provider: openai
    model: gpt-4.1
    apiBase: https://gateway.example.com/v1/   # corporate gateway
  - name: Local llama
    provider: ollama
    model: llama3
`;

function setup() {
  const root = mkdtempSync(join(tmpdir(), 'headroom-agents-'));
  const dir = join(root, '.continue');
  const state = new StateFile(join(root, 'global-storage', 'agents'));
  return { root, dir, state, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

test('continue: paths honour CONTINUE_GLOBAL_DIR and prefer config.yaml over config.json', () => {
  const { dir, cleanup } = setup();
  try {
    assert.equal(continueGlobalDir({ CONTINUE_GLOBAL_DIR: dir }, '/home/x'), dir);
    assert.equal(continueGlobalDir({}, '/home/x'), join('/home/x', '.continue'));
    assert.equal(continueConfigFile(dir), undefined);
  } finally {
    cleanup();
  }
});

test('continue: connect backs up, edits only apiBase, records undo; re-point keeps the original undo; disconnect restores byte-exactly', async () => {
  const { dir, state, cleanup } = setup();
  try {
    const file = join(dir, 'config.yaml');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    writeFileSync(file, YAML);
    assert.equal(continueConfigFile(dir), file);

    const changed = await connectContinue(state, file, 'http://127.0.0.1:8787', ['Claude Sonnet', 'GPT']);
    assert.deepEqual(changed, ['Claude Sonnet', 'GPT']);
    const after = readFileSync(file, 'utf8');
    assert.match(after, /# my Continue config/);
    assert.match(after, /# daily driver/);
    assert.equal((after.match(/apiBase: http:\/\/127\.0\.0\.1:8787\/v1\//g) ?? []).length, 2);
    assert.deepEqual(await continueConnectedModels(file, state, 'http://127.0.0.1:8787'), ['Claude Sonnet', 'GPT']);
    assert.deepEqual(await continueConnectedModels(file, state, undefined), ['Claude Sonnet', 'GPT'], 'the proxy stopped: what Connect wrote still counts');

    const backups = readdirSync(state.backupDir);
    assert.equal(backups.length, 1);
    assert.equal(readFileSync(join(state.backupDir, backups[0]), 'utf8'), YAML, 'the backup is the file as it was');
    const recorded = (await state.read()).continue!;
    assert.equal(recorded.file, file);
    assert.deepEqual(recorded.undo, [{ name: 'Claude Sonnet', previous: null }, { name: 'GPT', previous: 'https://gateway.example.com/v1/' }]);

    // Idempotent: connecting again changes nothing and takes no new backup.
    assert.deepEqual(await connectContinue(state, file, 'http://127.0.0.1:8787', ['Claude Sonnet', 'GPT']), []);
    assert.equal(readFileSync(file, 'utf8'), after);
    assert.equal(readdirSync(state.backupDir).length, 1);

    // The port changed: models follow, the undo record still holds the user's values.
    assert.deepEqual(await repointContinue(state, 'http://127.0.0.1:9999'), ['Claude Sonnet', 'GPT']);
    assert.match(readFileSync(file, 'utf8'), /apiBase: http:\/\/127\.0\.0\.1:9999\/v1\//);
    assert.deepEqual((await state.read()).continue!.undo[1], { name: 'GPT', previous: 'https://gateway.example.com/v1/' });

    assert.deepEqual(await disconnectContinue(state), ['Claude Sonnet', 'GPT']);
    const restored = readFileSync(file, 'utf8');
    assert.match(restored, /apiBase: https:\/\/gateway\.example\.com\/v1\//);
    assert.doesNotMatch(restored, /127\.0\.0\.1/);
    assert.equal((await state.read()).continue, undefined);
    // Disconnect again: nothing left to do.
    assert.deepEqual(await disconnectContinue(state, file), []);
  } finally {
    cleanup();
  }
});

test('continue: models the user pointed elsewhere since Connect, and local model servers, are left alone by re-point and disconnect', async () => {
  const { dir, state, cleanup } = setup();
  try {
    const file = join(dir, 'config.yaml');
    mkdirSync(dir, { recursive: true });
    const local = `models:
  - name: Sonnet
    provider: anthropic
  - name: Haiku
    provider: anthropic
  - name: LM Studio
    provider: openai
    apiBase: http://localhost:1234/v1/
  - name: Llama
    provider: ollama
    apiBase: http://localhost:11434
`;
    writeFileSync(file, local);
    assert.deepEqual(await connectContinue(state, file, 'http://127.0.0.1:8787', ['Sonnet', 'Haiku']), ['Sonnet', 'Haiku']);
    // The user sends Haiku through a gateway of their own by hand.
    writeFileSync(file, readFileSync(file, 'utf8').replace(/(name: Haiku\n    provider: anthropic\n    apiBase: )\S+/, '$1https://gateway.corp.example/anthropic/v1/'));
    assert.deepEqual(await continueConnectedModels(file, state, 'http://127.0.0.1:8787'), ['Sonnet']);

    assert.deepEqual(await repointContinue(state, 'http://127.0.0.1:9999'), ['Sonnet']);
    let text = readFileSync(file, 'utf8');
    assert.match(text, /name: Sonnet\n    provider: anthropic\n    apiBase: http:\/\/127\.0\.0\.1:9999\/v1\//);
    assert.match(text, /apiBase: https:\/\/gateway\.corp\.example\/anthropic\/v1\//);
    assert.match(text, /apiBase: http:\/\/localhost:1234\/v1\//);
    assert.equal((await state.read()).continue!.apiBase, 'http://127.0.0.1:9999/v1/');

    assert.deepEqual(await disconnectContinue(state, file, 'http://127.0.0.1:9999'), ['Sonnet']);
    text = readFileSync(file, 'utf8');
    assert.equal(text, local.replace('name: Haiku\n    provider: anthropic\n', 'name: Haiku\n    provider: anthropic\n    apiBase: https://gateway.corp.example/anthropic/v1/\n'));

    // Our record lost: only a model pointing at the running proxy itself is ours to remove.
    assert.deepEqual(await connectContinue(state, file, 'http://127.0.0.1:9999', ['Sonnet']), ['Sonnet']);
    await state.update((s) => delete s.continue);
    assert.deepEqual(await disconnectContinue(state, file, 'http://127.0.0.1:9999'), ['Sonnet']);
    assert.match(readFileSync(file, 'utf8'), /apiBase: http:\/\/localhost:1234\/v1\/\n/);
    assert.match(readFileSync(file, 'utf8'), /apiBase: http:\/\/localhost:11434\n/);
    assert.doesNotMatch(readFileSync(file, 'utf8'), /9999/);
  } finally {
    cleanup();
  }
});

test('continue: legacy config.json with comments is edited minimally and restored', async () => {
  const { dir, state, cleanup } = setup();
  try {
    const file = join(dir, 'config.json');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    const json = `{
  // legacy config
  "models": [
    { "title": "Sonnet", "name": "Sonnet", "provider": "anthropic", "model": "claude-sonnet-4-5" }
  ],
  "allowAnonymousTelemetry": false
}
`;
    writeFileSync(file, json);
    assert.equal(continueConfigFile(dir), file);
    assert.deepEqual(await connectContinue(state, file, 'http://127.0.0.1:8787', ['Sonnet']), ['Sonnet']);
    const after = readFileSync(file, 'utf8');
    assert.match(after, /\/\/ legacy config/);
    assert.match(after, /"apiBase": "http:\/\/127\.0\.0\.1:8787\/v1\/"/);
    await disconnectContinue(state);
    assert.equal(readFileSync(file, 'utf8').replace(/\s+/g, ''), json.replace(/\s+/g, ''));
    assert.match(readFileSync(file, 'utf8'), /\/\/ legacy config/);
  } finally {
    cleanup();
  }
});

test('continue: a malformed file is left untouched, with no backup and no record', async () => {
  const { dir, state, cleanup } = setup();
  try {
    const file = join(dir, 'config.yaml');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    const bad = 'models:\n  - name: A\n    provider: anthropic\n   bad: [unclosed\n';
    writeFileSync(file, bad);
    await assert.rejects(connectContinue(state, file, 'http://127.0.0.1:8787', ['A']), (e: unknown) => e instanceof MalformedConfigError && /left unchanged/.test((e as Error).message));
    assert.equal(readFileSync(file, 'utf8'), bad);
    assert.equal(existsSync(state.backupDir) ? readdirSync(state.backupDir).length : 0, 0);
    assert.equal((await state.read()).continue, undefined);
  } finally {
    cleanup();
  }
});

test('copilot custom endpoint: the file is the grandparent of globalStorage; connect appends our group, port change re-points it, disconnect leaves user groups', async () => {
  const { root, state, cleanup } = setup();
  try {
    const globalStorage = join(root, 'User', 'globalStorage', 'headroom-vscode.headroom-vscode');
    const file = chatLanguageModelsFile(globalStorage);
    assert.equal(file, join(root, 'User', 'chatLanguageModels.json'));
    const user = `[
  // my own provider
  { "name": "Mine", "vendor": "customendpoint", "apiKey": "\${input:mine}", "models": [{ "id": "m1", "name": "M1" }] }
]
`;
    mkdirSync(join(root, 'User'), { recursive: true });
    writeFileSync(file, user);
    assert.equal(await connectCopilotEndpoint(state, file, 'http://127.0.0.1:8787'), true);
    assert.equal(await copilotEndpointConnected(file), true);
    let text = readFileSync(file, 'utf8');
    assert.match(text, /\/\/ my own provider/);
    assert.match(text, /"url": "http:\/\/127\.0\.0\.1:8787\/v1\/messages"/);
    assert.match(text, /"url": "http:\/\/127\.0\.0\.1:8787\/v1\/chat\/completions"/);
    assert.equal(await connectCopilotEndpoint(state, file, 'http://127.0.0.1:8787'), false, 'idempotent');
    assert.equal(readdirSync(state.backupDir).length, 1);

    assert.equal(await repointCopilotEndpoint(state, 'http://127.0.0.1:9000'), true);
    text = readFileSync(file, 'utf8');
    assert.match(text, /127\.0\.0\.1:9000\/v1\/messages/);
    assert.doesNotMatch(text, /8787/);

    assert.equal(await disconnectCopilotEndpoint(state, file), true);
    text = readFileSync(file, 'utf8');
    assert.equal(await copilotEndpointConnected(file), false);
    assert.match(text, /\/\/ my own provider/);
    assert.match(text, /"name": "Mine"/);
    assert.equal((await state.read()).copilotEndpoint, undefined);
  } finally {
    cleanup();
  }
});

test('copilot custom endpoint: a file that is not a JSON array is refused and kept', async () => {
  const { root, state, cleanup } = setup();
  try {
    const file = join(root, 'chatLanguageModels.json');
    writeFileSync(file, '{"not": "an array"}');
    await assert.rejects(connectCopilotEndpoint(state, file, 'http://127.0.0.1:8787'), MalformedConfigError);
    assert.equal(readFileSync(file, 'utf8'), '{"not": "an array"}');
  } finally {
    cleanup();
  }
});

test('copilot endpoint: refused in remote windows whose user files stay on the local machine', () => {
  assert.equal(customEndpointUnavailable(undefined), undefined);
  for (const remote of ['ssh-remote', 'wsl', 'dev-container', 'tunnel']) assert.match(customEndpointUnavailable(remote) ?? '', /Headroom models/, remote);
});
