// End-to-end scenario for the agent integrations (issue 6), for test/e2e/run.mjs: Connect/Disconnect
// of Continue against a temp CONTINUE_GLOBAL_DIR (the real home is never touched), Check
// Connections seeing Continue's traffic, and the integrated-terminal variables while the proxy
// runs. Loopback only.
//
// Use from the runner:
//   import { prepareAgentsScenario } from './agents-scenario.mjs';
//   const agents = prepareAgentsScenario(work);                 // before code-server starts
//   const env = { ...process.env, ...agents.env, PATH: … };     // code-server's environment
//   … after "Start Proxy" and before "Stop Proxy":
//   await agents.run({ page, step, runCommand, waitFor, log, proxyUrl });
//   … after "Stop Proxy":
//   await agents.afterStop({ page, step, runCommand, waitFor });
import { mkdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const CONTINUE_YAML = `# Continue config written by the e2e test
name: e2e config
version: 0.0.1
schema: v1
models:
  # the model the test connects
  - name: Claude Sonnet e2e
    provider: anthropic
    model: claude-sonnet-4-5
    apiKey: sk-ant-e2e-not-a-real-key
    roles: [chat, edit]  # inline comment
  - name: Local llama
    provider: ollama
    model: llama3
`;

export function prepareAgentsScenario(work) {
  const continueDir = join(work, 'continue-home');
  mkdirSync(continueDir, { recursive: true });
  const continueFile = join(continueDir, 'config.yaml');
  writeFileSync(continueFile, CONTINUE_YAML);
  const envProbe = join(work, 'terminal-env.txt');
  return {
    env: { CONTINUE_GLOBAL_DIR: continueDir },
    continueFile,
    envProbe,
    afterStop: (h) => terminalProbeStep(h, envProbe, '', 'after Stop Proxy, new terminals have no ANTHROPIC_BASE_URL'),
    run: (h) => runAgentsScenario({ ...h, continueFile, envProbe }),
  };
}

/** Picks the quick-pick row containing `text` and accepts it. */
async function pickRow(page, text) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(text);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
}

/** Opens a new integrated terminal, writes ANTHROPIC_BASE_URL to a file, and waits for the expected value. */
async function terminalProbeStep({ page, step, runCommand, waitFor }, probe, expected, name) {
  await step(name, page, async () => {
    if (existsSync(probe)) rmSync(probe);
    await runCommand(page, 'Terminal: Create New Terminal');
    await page.locator('.terminal-wrapper.active, .terminal.xterm').first().waitFor({ timeout: 20_000 });
    await page.waitForTimeout(1500); // let the shell print its prompt
    await page.keyboard.type(`printf '%s' "$ANTHROPIC_BASE_URL" > '${probe}'`);
    await page.keyboard.press('Enter');
    await waitFor(`the terminal to write ${probe}`, () => existsSync(probe), 20_000);
    await page.waitForTimeout(200);
    const value = readFileSync(probe, 'utf8');
    if (value !== expected) throw new Error(`ANTHROPIC_BASE_URL in a new terminal is ${JSON.stringify(value)}, expected ${JSON.stringify(expected)}`);
    await runCommand(page, 'Terminal: Kill the Active Terminal Instance');
  });
}

async function runAgentsScenario(h) {
  const { page, step, runCommand, waitFor, log, proxyUrl, continueFile, envProbe } = h;

  await step('Connect Agent… → Continue points the chosen model at the proxy, comments kept', page, async () => {
    await runCommand(page, 'Headroom: Connect Agent…');
    await pickRow(page, 'Continue');
    // The models quick pick (multi-select, proxiable models pre-selected): accept.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Claude Sonnet e2e' }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    const text = await waitFor('config.yaml to point at the proxy', () => {
      const t = readFileSync(continueFile, 'utf8');
      return t.includes(`apiBase: ${proxyUrl}/v1/`) ? t : undefined;
    }, 15_000);
    for (const kept of ['# Continue config written by the e2e test', '# the model the test connects', 'roles: [chat, edit]  # inline comment', 'provider: ollama']) {
      if (!text.includes(kept)) throw new Error(`lost from config.yaml: ${kept}`);
    }
    if ((text.match(/apiBase:/g) ?? []).length !== 1) throw new Error('only the Anthropic model should get an apiBase');
    await page.locator('.notifications-toasts', { hasText: 'Continue now sends' }).first().waitFor({ timeout: 10_000 });
  });

  await step('Check Connections reports Continue connected and its traffic through the proxy', page, async () => {
    // A request as Continue sends it (its user agent), through the proxy.
    const res = await fetch(`${proxyUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-e2e-not-a-real-key', 'anthropic-version': '2023-06-01', 'user-agent': 'Continue/1.2.0' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hello from Continue' }] }),
    });
    if (res.status !== 200) throw new Error(`proxy answered ${res.status}`);
    await res.text();
    await runCommand(page, 'Headroom: Check Connections');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Continue' }).first();
    await row.waitFor({ timeout: 15_000 });
    const text = await waitFor('Continue\'s row to show its traffic', async () => {
      const t = await row.innerText();
      return /connected/.test(t) && /request/.test(t) && !/no traffic/.test(t) ? t : undefined;
    }, 10_000);
    log(`check connections: ${text.replace(/\s+/g, ' ')}`);
    await page.keyboard.press('Escape');
  });

  await terminalProbeStep(h, envProbe, proxyUrl, 'new integrated terminals get ANTHROPIC_BASE_URL while the proxy runs');

  await step('Disconnect Agent… → Continue restores config.yaml', page, async () => {
    await runCommand(page, 'Headroom: Disconnect Agent…');
    await pickRow(page, 'Continue');
    await waitFor('config.yaml to be restored', () => readFileSync(continueFile, 'utf8') === CONTINUE_YAML, 15_000);
  });
}
