import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectChatModels, disconnectChatModels, hasChatModels, GROUP_NAME } from '../../src/agents/chat-language-models';
import { MalformedConfigError } from '../../src/agents/errors';
import { parse as parseJsonc } from 'jsonc-parser';

const USER_FILE = `[
  // my own endpoint
  {
    "name": "Work gateway",
    "vendor": "customendpoint",
    "apiKey": "\${input:work}",
    "models": [{ "id": "gpt-4o", "name": "GPT-4o (work)" }]
  }
]
`;

test('adds our groups after the user’s, pointing at the proxy, without keys', () => {
  const out = connectChatModels(USER_FILE, 'http://127.0.0.1:9001');
  assert.ok(out.startsWith('[\n  // my own endpoint\n  {\n    "name": "Work gateway"'));
  const groups = parseJsonc(out) as Array<{ name: string; apiKey: string; apiType?: string; models: Array<{ url: string }> }>;
  assert.equal(groups.length, 3);
  assert.equal(groups[1].name, GROUP_NAME);
  assert.equal(groups[1].apiType, 'messages');
  assert.equal(groups[1].models[0].url, 'http://127.0.0.1:9001/v1/messages');
  assert.equal(groups[2].models[0].url, 'http://127.0.0.1:9001/v1/chat/completions');
  for (const g of groups.slice(1)) assert.match(g.apiKey, /^\$\{input:headroom-/);
  assert.ok(hasChatModels(out));
});

test('re-pointing on a port change replaces our groups; disconnect restores the user file', () => {
  const a = connectChatModels(USER_FILE, 'http://127.0.0.1:9001');
  const b = connectChatModels(a, 'http://127.0.0.1:9002');
  assert.ok(!b.includes('9001'));
  assert.equal((b.match(/9002/g) ?? []).length, 2);
  assert.equal(disconnectChatModels(b), USER_FILE, 'byte for byte');
  assert.ok(!hasChatModels(disconnectChatModels(b)));
});

test('the user\'s groups keep their bytes whatever their layout: one-line groups, CRLF, trailing comma, an empty array', () => {
  const files = [
    '// mine\n[\n  { "name": "Mine", "vendor": "customendpoint", "models": [] }\n]\n',
    '[{"name":"A","vendor":"customendpoint","models":[]},{"name":"B","vendor":"customendpoint","models":[]}]',
    '[\r\n  { "name": "Mine", "models": [] },\r\n]\r\n',
    '[]\n',
    '[ ]',
  ];
  for (const file of files) {
    const connected = connectChatModels(file, 'http://127.0.0.1:8787');
    const groups = parseJsonc(connected) as Array<{ name: string }>;
    assert.equal(groups.filter((g) => g.name.startsWith(GROUP_NAME)).length, 2, file);
    assert.ok(connected.startsWith(file.slice(0, file.indexOf('}') + 1)) || file.indexOf('}') < 0, `the user's groups untouched: ${file}`);
    const back = disconnectChatModels(connectChatModels(connected, 'http://127.0.0.1:9999'));
    assert.equal(back, file === '[ ]' ? '[]' : file, JSON.stringify(file));
  }
  assert.doesNotMatch(connectChatModels(files[2], 'http://127.0.0.1:8787'), /[^\r]\n/, 'CRLF kept');
});

test('an empty or missing file becomes an array with our groups; a malformed one is refused', () => {
  const out = connectChatModels('', 'http://127.0.0.1:8787');
  assert.equal((JSON.parse(out) as unknown[]).length, 2);
  assert.throws(() => connectChatModels('{"not": "an array"}', 'http://127.0.0.1:8787'), MalformedConfigError);
});
