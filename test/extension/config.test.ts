import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CONFIG_DEFAULTS, CONFIG_KEYS, needsRestart, readConfig, type ConfigReader } from '../../src/extension/config';
import { proxyConfig } from '../../src/extension/controller';
import { DEFAULT_EXCLUDED_TOOLS } from '../../src/proxy/config';

const reader = (values: Record<string, unknown>): ConfigReader => ({ get: <T>(k: string) => values[k] as T | undefined });
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const properties = pkg.contributes.configuration.properties as Record<string, { default: unknown; markdownDescription?: string; scope?: string }>;

test('every setting is contributed with the same default, a markdownDescription and a scope', () => {
  for (const [field, key] of Object.entries(CONFIG_KEYS)) {
    const p = properties[`headroom.${key}`];
    assert.ok(p, `headroom.${key} is contributed`);
    assert.deepEqual(p.default, CONFIG_DEFAULTS[field as keyof typeof CONFIG_DEFAULTS], `default of headroom.${key}`);
    assert.ok(p.markdownDescription && p.markdownDescription.length > 20, `markdownDescription of headroom.${key}`);
    assert.ok(p.scope, `scope of headroom.${key}`);
  }
  // Agent-integration settings are read by src/extension/agents; every other one has a typed field.
  const agentKeys = Object.keys(properties).filter((k) => /^headroom\.(agents|chatProvider)\./.test(k));
  for (const k of agentKeys) assert.ok(properties[k].markdownDescription && properties[k].scope, `description and scope of ${k}`);
  assert.equal(Object.keys(properties).length - agentKeys.length, Object.keys(CONFIG_KEYS).length, 'no contributed setting without a typed field');
  // A workspace must not redirect traffic (and API keys) unless it is trusted.
  assert.deepEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.sort(), ['headroom.proxy.port', 'headroom.upstream.anthropic', 'headroom.upstream.openai']);
});

test('commands are contributed under the Headroom category', () => {
  const ids = pkg.contributes.commands.map((c: { command: string; category: string }) => {
    assert.equal(c.category, 'Headroom');
    return c.command;
  });
  assert.deepEqual(ids.sort(), [
    'headroom.checkConnections', 'headroom.clearStore', 'headroom.connectAgent', 'headroom.copyProxyUrl', 'headroom.disconnectAgent',
    'headroom.retrieveOriginal', 'headroom.setApiKey', 'headroom.showLogs', 'headroom.showStats', 'headroom.startProxy',
    'headroom.stopProxy', 'headroom.toggleCompression',
  ]);
});

test('no settings give the defaults', () => {
  assert.deepEqual(readConfig(reader({})), CONFIG_DEFAULTS);
});

test('valid values are taken, invalid ones fall back to the default', () => {
  const c = readConfig(reader({
    'proxy.port': 9000, 'upstream.anthropic': 'http://127.0.0.1:5555/', 'upstream.openai': 'file:///etc/passwd',
    'compression.excludeTools': ['Grep', 7, ''], 'compression.minBytes': -1, 'store.ttlDays': 0.5, 'store.maxSizeMB': 'big',
    prices: { 'm-1': { input: 3, cacheRead: 0.3, output: 'x' }, 'm-2': { output: 1 } },
  }));
  assert.equal(c.port, 9000);
  assert.equal(c.anthropicUpstream, 'http://127.0.0.1:5555');
  assert.equal(c.openaiUpstream, CONFIG_DEFAULTS.openaiUpstream);
  assert.deepEqual(c.excludeTools, ['Grep']);
  assert.equal(c.minBytes, CONFIG_DEFAULTS.minBytes);
  assert.equal(c.storeTtlDays, 0.5);
  assert.equal(c.storeMaxMB, CONFIG_DEFAULTS.storeMaxMB);
  assert.deepEqual(c.prices, { 'm-1': { input: 3, cacheRead: 0.3 } });
  assert.equal(readConfig(reader({ 'proxy.port': 70000 })).port, 8787);
  assert.equal(readConfig(reader({ 'proxy.port': 0 })).port, 0);
});

test('proxy config keeps the built-in exclusions and adds the user’s', () => {
  const p = proxyConfig({ ...CONFIG_DEFAULTS, excludeTools: ['MyTool'] });
  assert.deepEqual(p.excludeTools, [...DEFAULT_EXCLUDED_TOOLS, 'MyTool']);
  assert.equal(p.minBytes, 1500);
});

test('every change the proxy reads only when it starts asks for a restart', () => {
  assert.equal(needsRestart(CONFIG_DEFAULTS, { ...CONFIG_DEFAULTS }), false);
  assert.equal(needsRestart(CONFIG_DEFAULTS, { ...CONFIG_DEFAULTS, startWithVSCode: false }), false);
  assert.equal(needsRestart(CONFIG_DEFAULTS, { ...CONFIG_DEFAULTS, port: 1 }), true);
  assert.equal(needsRestart(CONFIG_DEFAULTS, { ...CONFIG_DEFAULTS, anthropicUpstream: 'http://x' }), true);
  assert.equal(needsRestart(CONFIG_DEFAULTS, { ...CONFIG_DEFAULTS, minBytes: 10 }), true);
  assert.equal(needsRestart(CONFIG_DEFAULTS, { ...CONFIG_DEFAULTS, excludeTools: ['Bash'] }), true);
  assert.equal(needsRestart(CONFIG_DEFAULTS, { ...CONFIG_DEFAULTS, retrieval: false }), true);
  assert.equal(needsRestart(CONFIG_DEFAULTS, { ...CONFIG_DEFAULTS, prices: { 'my-model': { input: 1 } } }), true);
  assert.equal(needsRestart(CONFIG_DEFAULTS, { ...CONFIG_DEFAULTS, storeMaxMB: 64 }), true);
});
