import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, disconnect, listModels, proxiableModels } from '../../src/agents/continue-config';
import { MalformedConfigError } from '../../src/agents/errors';

const YAML_CONFIG = `# Continue config — hand written
name: Local config
version: 0.0.1
schema: v1
models:
  # the one I use every day
  - name: Claude Sonnet
    provider: anthropic
    model: claude-sonnet-4-5
    apiKey: \${{ secrets.ANTHROPIC_API_KEY }}
    roles: [chat, edit]  # inline comment
  - name: GPT
    provider: openai
    model: gpt-4.1
    apiBase: https://gateway.example.com/v1/
  - name: Local llama
    provider: ollama
    model: llama3
`;

const BASE = 'http://127.0.0.1:8787/v1/';

test('yaml: connect sets only the chosen models’ apiBase and keeps comments and layout', () => {
  const models = listModels(YAML_CONFIG, 'yaml');
  assert.deepEqual(proxiableModels(models).map((m) => m.name), ['Claude Sonnet', 'GPT']);
  const r = connect(YAML_CONFIG, 'yaml', BASE, ['Claude Sonnet', 'GPT']);
  assert.deepEqual(r.changed, ['Claude Sonnet', 'GPT']);
  assert.deepEqual(r.undo, [{ name: 'Claude Sonnet', previous: null }, { name: 'GPT', previous: 'https://gateway.example.com/v1/' }]);
  assert.match(r.text, /# Continue config — hand written/);
  assert.match(r.text, /# the one I use every day/);
  assert.match(r.text, /roles: \[chat, edit\]  # inline comment/);
  const after = listModels(r.text, 'yaml');
  assert.equal(after[0].apiBase, BASE);
  assert.equal(after[1].apiBase, BASE);
  assert.equal(after[2].apiBase, undefined);
});

test('yaml: connect is idempotent and disconnect restores the previous values exactly', () => {
  const first = connect(YAML_CONFIG, 'yaml', BASE, ['Claude Sonnet', 'GPT']);
  const second = connect(first.text, 'yaml', BASE, ['Claude Sonnet', 'GPT']);
  assert.equal(second.text, first.text);
  assert.deepEqual(second.changed, []);
  const restored = disconnect(first.text, 'yaml', first.undo);
  assert.equal(restored.text, YAML_CONFIG);
});

test('yaml: disconnect without a record removes loopback apiBases only', () => {
  const connected = connect(YAML_CONFIG, 'yaml', BASE, ['Claude Sonnet']).text;
  const r = disconnect(connected, 'yaml', undefined);
  assert.deepEqual(r.changed, ['Claude Sonnet']);
  assert.equal(listModels(r.text, 'yaml')[1].apiBase, 'https://gateway.example.com/v1/');
  assert.equal(r.text, YAML_CONFIG);
});

const JSON_CONFIG = `{
  // legacy config
  "models": [
    {
      "title": "Claude",
      "name": "Claude",
      "provider": "anthropic",
      "model": "claude-3-5-sonnet-latest"
    },
    { "name": "GPT", "provider": "openai", "model": "gpt-4o", "apiBase": "https://x.example/v1/" },
  ],
  "allowAnonymousTelemetry": false
}
`;

test('json (jsonc): minimal edits keep comments and trailing commas; round trip restores the bytes', () => {
  const r = connect(JSON_CONFIG, 'json', BASE, ['Claude', 'GPT']);
  assert.match(r.text, /\/\/ legacy config/);
  assert.match(r.text, /"allowAnonymousTelemetry": false/);
  const models = listModels(r.text, 'json');
  assert.equal(models[0].apiBase, BASE);
  assert.equal(models[1].apiBase, BASE);
  assert.equal(disconnect(r.text, 'json', r.undo).text.replace(/\s+/g, ''), JSON_CONFIG.replace(/\s+/g, ''));
  assert.equal(listModels(disconnect(r.text, 'json', r.undo).text, 'json')[1].apiBase, 'https://x.example/v1/');
});

test('malformed files are refused with a clear error and not rewritten', () => {
  assert.throws(() => connect('models:\n  - name: [unclosed\n', 'yaml', BASE, ['x'], 'config.yaml'), (e: unknown) => e instanceof MalformedConfigError && /config\.yaml could not be parsed/.test(e.message));
  assert.throws(() => connect('{ "models": [ }', 'json', BASE, ['x'], 'config.json'), MalformedConfigError);
});
