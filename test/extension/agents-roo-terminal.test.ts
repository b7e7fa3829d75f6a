import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateFile } from '../../src/extension/agents/state';
import { connectRoo, disconnectRoo, isRooApi, repointRoo, rooConnected, RooConnectError, ROO_PROFILE, type RooApi } from '../../src/extension/agents/roo';
import { syncTerminalEnvironment, type EnvCollection } from '../../src/extension/agents/terminal';
import { connectionReport } from '../../src/extension/agents/catalog';
import { trafficByAgent } from '../../src/extension/agents/traffic';

/** Behaves like Roo Code's API: named profiles, one active, getConfiguration = global settings + the active profile. */
class FakeRoo implements RooApi {
  profiles = new Map<string, Record<string, unknown>>();
  active: string | undefined;
  calls: string[] = [];
  constructor(initial: Record<string, Record<string, unknown>>, active: string) {
    for (const [k, v] of Object.entries(initial)) this.profiles.set(k, { ...v });
    this.active = active;
  }
  getConfiguration() {
    return { mode: 'code', customModes: [], currentApiConfigName: this.active, ...(this.active ? this.profiles.get(this.active) : {}) };
  }
  getProfiles() {
    return [...this.profiles.keys()];
  }
  getActiveProfile() {
    return this.active;
  }
  async upsertProfile(name: string, profile: Record<string, unknown>, activate = true) {
    this.calls.push(`upsert ${name}`);
    this.profiles.set(name, { ...profile });
    if (activate) this.active = name;
    return name;
  }
  async setActiveProfile(name: string) {
    if (!this.profiles.has(name)) throw new Error(`no profile ${name}`);
    this.calls.push(`activate ${name}`);
    this.active = name;
    return name;
  }
  async deleteProfile(name: string) {
    if (!this.profiles.has(name)) throw new Error(`no profile ${name}`);
    this.calls.push(`delete ${name}`);
    this.profiles.delete(name);
  }
}

const UPSTREAMS = { anthropic: 'https://api.anthropic.com', openai: 'https://api.openai.com' };

function tmpState() {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-roo-'));
  return { state: new StateFile(dir), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('roo: connect copies the active Anthropic profile with only the base URL changed, disconnect re-activates and removes ours', async () => {
  const { state, cleanup } = tmpState();
  try {
    const roo = new FakeRoo({ work: { apiProvider: 'anthropic', apiModelId: 'claude-sonnet-4-5', apiKey: 'sk-ant-user', anthropicUseAuthToken: false } }, 'work');
    assert.ok(isRooApi(roo));
    assert.equal(await connectRoo(roo, state, 'http://127.0.0.1:8787', UPSTREAMS), 'anthropic');
    assert.equal(roo.active, ROO_PROFILE);
    assert.ok(rooConnected(roo));
    const ours = roo.profiles.get(ROO_PROFILE)!;
    assert.equal(ours.anthropicBaseUrl, 'http://127.0.0.1:8787', 'Anthropic base without /v1');
    assert.equal(ours.apiKey, 'sk-ant-user');
    assert.equal(ours.apiModelId, 'claude-sonnet-4-5');
    assert.equal(ours.customModes, undefined, 'global settings are not copied into the profile');
    assert.deepEqual(roo.profiles.get('work'), { apiProvider: 'anthropic', apiModelId: 'claude-sonnet-4-5', apiKey: 'sk-ant-user', anthropicUseAuthToken: false }, 'the user profile is untouched');

    // Connecting again keeps "work" as the profile to go back to.
    await connectRoo(roo, state, 'http://127.0.0.1:8787', UPSTREAMS);
    assert.equal((await state.read()).roo!.previousProfile, 'work');

    // Port change.
    assert.equal(await repointRoo(roo, state, 'http://127.0.0.1:9100', UPSTREAMS), true);
    assert.equal(roo.profiles.get(ROO_PROFILE)!.anthropicBaseUrl, 'http://127.0.0.1:9100');

    assert.equal(await disconnectRoo(roo, state), 'work');
    assert.equal(roo.active, 'work');
    assert.ok(!roo.profiles.has(ROO_PROFILE));
    assert.equal((await state.read()).roo, undefined);
  } finally {
    cleanup();
  }
});

test('roo: OpenAI-compatible profiles get /v1; unsupported providers, and profiles that send elsewhere than the proxy\'s upstream, are refused without changes', async () => {
  const { state, cleanup } = tmpState();
  try {
    const roo = new FakeRoo({
      oai: { apiProvider: 'openai', openAiBaseUrl: 'https://api.example.com/v1', openAiModelId: 'gpt-4.1' },
      br: { apiProvider: 'bedrock' },
      router: { apiProvider: 'openai', openAiBaseUrl: 'https://openrouter.ai/api/v1' },
      lm: { apiProvider: 'anthropic', anthropicBaseUrl: 'http://localhost:1234' },
    }, 'oai');
    // Through the proxy, the profile's requests go to the proxy's upstream, which must be its own.
    await assert.rejects(connectRoo(roo, state, 'http://127.0.0.1:8787', UPSTREAMS), (e: unknown) => e instanceof RooConnectError && /headroom\.upstream\.openai to https:\/\/api\.example\.com/.test((e as Error).message));
    for (const p of ['router', 'lm']) {
      roo.active = p;
      await assert.rejects(connectRoo(roo, state, 'http://127.0.0.1:8787', UPSTREAMS), RooConnectError, p);
    }
    assert.deepEqual(roo.calls, []);
    roo.active = 'oai';
    await connectRoo(roo, state, 'http://127.0.0.1:8787', { ...UPSTREAMS, openai: 'https://api.example.com' });
    assert.equal(roo.profiles.get(ROO_PROFILE)!.openAiBaseUrl, 'http://127.0.0.1:8787/v1');
    await disconnectRoo(roo, state);
    assert.equal(roo.active, 'oai');
    assert.equal(roo.profiles.get('oai')!.openAiBaseUrl, 'https://api.example.com/v1');

    roo.active = 'br';
    roo.calls = [];
    await assert.rejects(connectRoo(roo, state, 'http://127.0.0.1:8787', UPSTREAMS), RooConnectError);
    assert.deepEqual(roo.calls, []);
    assert.equal((await state.read()).roo, undefined);
  } finally {
    cleanup();
  }
});

test('roo: a user profile already named Headroom is re-activated away from but not deleted', async () => {
  const { state, cleanup } = tmpState();
  try {
    const roo = new FakeRoo({ main: { apiProvider: 'anthropic' }, [ROO_PROFILE]: { apiProvider: 'anthropic' } }, 'main');
    await connectRoo(roo, state, 'http://127.0.0.1:8787', UPSTREAMS);
    await disconnectRoo(roo, state);
    assert.equal(roo.active, 'main');
    assert.ok(roo.profiles.has(ROO_PROFILE));
  } finally {
    cleanup();
  }
});

class FakeEnv implements EnvCollection {
  persistent = true;
  description: unknown;
  vars = new Map<string, string>();
  writes = 0;
  get(v: string) {
    return this.vars.has(v) ? { value: this.vars.get(v)! } : undefined;
  }
  replace(v: string, value: string) {
    this.writes++;
    this.vars.set(v, value);
  }
  forEach(cb: (v: string, m: { value: string }) => void) {
    for (const [k, value] of this.vars) cb(k, { value });
  }
  delete(v: string) {
    this.writes++;
    this.vars.delete(v);
  }
  clear() {
    this.writes++;
    this.vars.clear();
  }
}

test('terminal environment: set while running, unchanged values not rewritten, updated on port change, cleared on stop and opt-out', () => {
  const env = new FakeEnv();
  assert.equal(syncTerminalEnvironment(env, 'http://127.0.0.1:8787', true), true);
  assert.equal(env.vars.get('ANTHROPIC_BASE_URL'), 'http://127.0.0.1:8787');
  assert.equal(env.vars.get('OPENAI_BASE_URL'), 'http://127.0.0.1:8787/v1');
  assert.equal(env.persistent, false);
  assert.match(String(env.description), /Headroom \(127\.0\.0\.1:8787\)/);
  const writes = env.writes;
  assert.equal(syncTerminalEnvironment(env, 'http://127.0.0.1:8787', true), false);
  assert.equal(env.writes, writes, 'no write when nothing changed');
  assert.equal(syncTerminalEnvironment(env, 'http://127.0.0.1:9001', true), true);
  assert.equal(env.vars.get('ANTHROPIC_BASE_URL'), 'http://127.0.0.1:9001');
  assert.equal(syncTerminalEnvironment(env, undefined, true), true);
  assert.equal(env.vars.size, 0);
  assert.equal(syncTerminalEnvironment(env, undefined, true), false);
  syncTerminalEnvironment(env, 'http://127.0.0.1:9001', true);
  assert.equal(syncTerminalEnvironment(env, 'http://127.0.0.1:9001', false), true);
  assert.equal(env.vars.size, 0);
});

test('check connections: configured vs traffic actually seen', () => {
  const now = 1_000_000_000;
  const records = [
    { agent: 'continue', ts: now - 30_000, tokensSaved: 1200 },
    { agent: 'continue', ts: now - 120_000, tokensSaved: 300 },
    { agent: 'claude-code', ts: now - 5_000, tokensSaved: 50 },
  ];
  const lines = connectionReport([
    { id: 'continue', configured: true, note: '2 models' },
    { id: 'roo', configured: true, note: 'profile "Headroom" active' },
    { id: 'cline', configured: false, note: 'not set up' },
    { id: 'terminal', configured: true, note: 'variables set' },
  ], trafficByAgent(records), 'http://127.0.0.1:8787', now);
  assert.equal(lines[0].icon, 'pass');
  assert.match(lines[0].text, /2 requests through the proxy, last 30 s ago/);
  assert.equal(lines[1].icon, 'warning');
  assert.match(lines[1].text, /no traffic through the proxy yet/);
  assert.equal(lines[2].icon, 'circle-slash');
  assert.equal(lines[3].icon, 'pass');
  assert.match(lines[3].text, /1 request through/);
  const stopped = connectionReport([{ id: 'roo', configured: true, note: 'x' }], new Map(), undefined, now);
  assert.match(stopped[0].text, /proxy is stopped/);
});
