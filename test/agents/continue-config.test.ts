import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, disconnect, listModels, proxiableModels, repoint, routesThroughProxy } from '../../src/agents/continue-config';
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
  const restored = disconnect(first.text, 'yaml', first.undo, BASE);
  assert.equal(restored.text, YAML_CONFIG);
});

test('only a model whose requests would reach the same upstream is routable', () => {
  const models = listModels(YAML_CONFIG, 'yaml');
  const defaults = { anthropic: 'https://api.anthropic.com', openai: 'https://api.openai.com' };
  assert.deepEqual(models.filter((m) => routesThroughProxy(m, defaults, BASE)).map((m) => m.name), ['Claude Sonnet']);
  // The gateway is the proxy's OpenAI upstream: GPT's requests go where they went.
  assert.deepEqual(models.filter((m) => routesThroughProxy(m, { ...defaults, openai: 'https://Gateway.example.com' }, BASE)).map((m) => m.name), ['Claude Sonnet', 'GPT']);
  assert.equal(routesThroughProxy({ index: 0, name: 'x', provider: 'openai', apiBase: 'https://api.openai.com/v1/' }, defaults), true);
  assert.equal(routesThroughProxy({ index: 0, name: 'x', provider: 'openai', apiBase: 'http://localhost:1234/v1/' }, defaults), false);
  assert.equal(routesThroughProxy({ index: 0, name: 'x', provider: 'anthropic', apiBase: BASE }, defaults, BASE), true, 'already ours');
});

test('yaml: re-point and disconnect change only recorded models still pointing where we wrote', () => {
  const text = `models:
  - name: A
    provider: anthropic
  - name: B
    provider: anthropic
    apiBase: ${BASE}
  - name: LM Studio
    provider: openai
    apiBase: http://localhost:1234/v1/
`;
  const c = connect(text, 'yaml', BASE, ['A']);
  assert.deepEqual(c.undo, [{ name: 'A', previous: null }]);
  const moved = repoint(c.text, 'yaml', c.undo, BASE, 'http://127.0.0.1:9000/v1/');
  assert.deepEqual(moved.changed, ['A'], 'B points at the same URL but Connect did not write it');
  const back = disconnect(moved.text, 'yaml', c.undo, 'http://127.0.0.1:9000/v1/');
  assert.equal(back.text, text);
  // A record from before the written URL was kept: recorded models on any loopback URL.
  assert.deepEqual(disconnect(moved.text, 'yaml', c.undo, undefined).changed, ['A']);
  assert.deepEqual(disconnect(moved.text, 'yaml', [], undefined).changed, [], 'no record, nothing changes');
});

test('yaml: a new apiBase goes into the chosen model when its last key holds a block list, map or text', () => {
  const text = `models:
  - name: Sonnet
    provider: anthropic
    roles:
      - chat
      - edit
  - name: Opus
    provider: anthropic
    defaultCompletionOptions:
      temperature: 0.2
    # tuned by hand
  - name: Haiku
    provider: anthropic
    systemMessage: |
      be brief
  - name: Mini
    provider: openai
    roles:
      - chat`;
  const names = ['Sonnet', 'Opus', 'Haiku', 'Mini'];
  for (const name of names) {
    const r = connect(text, 'yaml', BASE, [name]);
    assert.deepEqual(listModels(r.text, 'yaml').map((m) => m.apiBase ?? null), names.map((n) => (n === name ? BASE : null)), name);
    assert.equal(disconnect(r.text, 'yaml', r.undo, BASE).text, text, name);
  }
  const crlf = text.replace(/\n/g, '\r\n');
  const r = connect(crlf, 'yaml', BASE, ['Sonnet']);
  assert.equal(listModels(r.text, 'yaml')[0].apiBase, BASE);
  assert.doesNotMatch(r.text, /[^\r]\n/);
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
  assert.equal(disconnect(r.text, 'json', r.undo, BASE).text.replace(/\s+/g, ''), JSON_CONFIG.replace(/\s+/g, ''));
  assert.equal(listModels(disconnect(r.text, 'json', r.undo, BASE).text, 'json')[1].apiBase, 'https://x.example/v1/');
});

test('malformed files are refused with a clear error and not rewritten', () => {
  assert.throws(() => connect('models:\n  - name: [unclosed\n', 'yaml', BASE, ['x'], 'config.yaml'), (e: unknown) => e instanceof MalformedConfigError && /config\.yaml could not be parsed/.test(e.message));
  assert.throws(() => connect('{ "models": [ }', 'json', BASE, ['x'], 'config.json'), MalformedConfigError);
});
