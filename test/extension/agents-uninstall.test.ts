import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateFile } from '../../src/extension/agents/state';
import { connectContinue } from '../../src/extension/agents/continue';
import { connectCopilotEndpoint } from '../../src/extension/agents/copilot-endpoint';
import { registerStateDir, registeredStateDirs, undoAgentChanges } from '../../src/extension/agents/uninstall';

test('uninstalling undoes what Connect recorded in every registered window state: Continue restored, the Custom Endpoint group removed', async () => {
  const root = mkdtempSync(join(tmpdir(), 'headroom-uninstall-'));
  try {
    const home = join(root, 'home');
    const continueFile = join(root, 'continue', 'config.yaml');
    const endpointFile = join(root, 'User', 'chatLanguageModels.json');
    mkdirSync(join(root, 'continue'), { recursive: true });
    mkdirSync(join(root, 'User'), { recursive: true });
    const yaml = 'models:\n  - name: Sonnet\n    provider: anthropic\n  - name: Local\n    provider: openai\n    apiBase: http://localhost:1234/v1/\n';
    const endpoints = '// mine\n[\n  { "name": "Mine", "vendor": "customendpoint", "models": [] }\n]\n';
    writeFileSync(continueFile, yaml);
    writeFileSync(endpointFile, endpoints);

    const stable = new StateFile(join(root, 'stable', 'agents'));
    const insiders = new StateFile(join(root, 'insiders', 'agents'));
    await connectContinue(stable, continueFile, 'http://127.0.0.1:8787', ['Sonnet']);
    await connectCopilotEndpoint(insiders, endpointFile, 'http://127.0.0.1:8787');
    assert.notEqual(readFileSync(continueFile, 'utf8'), yaml);
    assert.notEqual(readFileSync(endpointFile, 'utf8'), endpoints);
    for (const s of [stable, insiders, stable]) await registerStateDir(s.dir, home);
    assert.deepEqual(await registeredStateDirs(home), [stable.dir, insiders.dir], 'registered once each');

    const lines = await undoAgentChanges(home);
    assert.equal(readFileSync(continueFile, 'utf8'), yaml);
    assert.equal(readFileSync(endpointFile, 'utf8'), endpoints);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.deepEqual(await registeredStateDirs(home), []);
    assert.deepEqual(await undoAgentChanges(home), [], 'nothing left to undo');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
