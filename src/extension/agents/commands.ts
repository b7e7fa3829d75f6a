/** Connect Agent…, Disconnect Agent…, Check Connections and Set API Key: the UI over the config logic. */
import * as vscode from 'vscode';
import { AGENTS, agentEntry, connectionReport, type AgentEntry, type AgentId } from './catalog';
import { allStatuses, agentStatus, rooApi } from './status';
import { connectContinue, continueConfigFile, continueGlobalDir, continueModels, disconnectContinue } from './continue';
import { chatLanguageModelsFile, connectCopilotEndpoint, customEndpointUnavailable, disconnectCopilotEndpoint } from './copilot-endpoint';
import { connectRoo, disconnectRoo, ROO_EXTENSION_ID, ROO_PROFILE } from './roo';
import { clineSetup, CLINE_EXTENSION_ID, CLINE_SETTINGS_COMMAND, type ClineProvider } from './cline';
import { trafficByAgent } from './traffic';
import { MalformedConfigError } from '../../agents/errors';
import { proxyBaseUrls } from '../../agents/proxy-urls';
import { SECRET_KEYS } from '../chat-provider/models';
import { chatProviderSupported } from '../chat-provider/provider';
import type { AgentIntegrationDeps } from './deps';
import type { StateFile } from './state';

export interface CommandEnv {
  ctx: vscode.ExtensionContext;
  deps: AgentIntegrationDeps;
  state: StateFile;
  /** Re-applies the terminal variables and tells our chat provider its models may have changed. */
  refresh(): void;
}

const info = (m: string, ...items: string[]) => vscode.window.showInformationMessage(`Headroom: ${m}`, ...items);
const warn = (m: string, ...items: string[]) => vscode.window.showWarningMessage(`Headroom: ${m}`, ...items);

/** The proxy URL agents' configs get (see AgentIntegrationDeps.agentUrl), starting the proxy first if the user agrees. */
async function ensureProxy(env: CommandEnv): Promise<string | undefined> {
  if (!env.deps.proxyUrl()) {
    const pick = await warn('the proxy is not running. Start it now?', 'Start Proxy');
    if (!pick) return undefined;
    await vscode.commands.executeCommand('headroom.startProxy');
    for (let i = 0; i < 100 && !env.deps.proxyUrl(); i++) await new Promise((r) => setTimeout(r, 100));
  }
  return (await env.deps.agentUrl?.()) ?? env.deps.proxyUrl();
}

function report(env: CommandEnv, e: unknown, what: string): void {
  const message = e instanceof MalformedConfigError ? e.message : `${what} failed: ${(e as Error).message ?? e}`;
  env.deps.log(message);
  void vscode.window.showErrorMessage(`Headroom: ${message}`);
}

async function pickAgent(env: CommandEnv, title: string, connectedOnly: boolean): Promise<AgentEntry | undefined> {
  const statuses = await allStatuses(env.ctx, env.state, env.deps.proxyUrl());
  const items = AGENTS.map((a) => {
    const s = statuses.find((x) => x.id === a.id)!;
    return { label: a.label, description: s.configured ? '$(check) connected' : s.configured === undefined ? s.note : '', detail: connectedOnly ? s.note : a.detail, entry: a, configured: s.configured };
  }).filter((i) => !connectedOnly || i.configured);
  if (items.length === 0) {
    void info('no agent is connected.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(items, { title, matchOnDetail: true, placeHolder: connectedOnly ? 'Which agent should stop using Headroom?' : 'Which agent should send its requests through Headroom?' });
  return pick?.entry;
}

export async function setApiKey(env: CommandEnv): Promise<void> {
  const which = await vscode.window.showQuickPick([
    { label: 'Anthropic API key', api: 'anthropic' as const, detail: 'For the Claude models Headroom adds to Copilot Chat' },
    { label: 'OpenAI API key', api: 'openai' as const, detail: 'For the OpenAI models Headroom adds to Copilot Chat' },
  ], { title: 'Headroom: Set API Key' });
  if (!which) return;
  const key = await vscode.window.showInputBox({ title: which.label, password: true, ignoreFocusOut: true, prompt: 'Kept in VS Code\'s secret storage; leave empty to remove it.' });
  if (key === undefined) return;
  if (key.trim()) await env.ctx.secrets.store(SECRET_KEYS[which.api], key.trim());
  else await env.ctx.secrets.delete(SECRET_KEYS[which.api]);
  env.refresh();
  void info(key.trim() ? `${which.label} saved. Headroom's models appear in Copilot Chat's model picker.` : `${which.label} removed.`);
}

async function connectContinueFlow(env: CommandEnv, url: string): Promise<void> {
  const dir = continueGlobalDir();
  const file = continueConfigFile(dir);
  if (!file) {
    void warn(`no Continue config found in ${dir} (config.yaml or config.json). Open Continue once to create it, then connect again.`);
    return;
  }
  const { routable, elsewhere } = await continueModels(file, env.deps.upstreams(), proxyBaseUrls(url).continueApiBase);
  // Through the proxy their requests (and keys) would go to its upstream instead of their own apiBase.
  const notRouted = elsewhere.length
    ? ` Not offered, as they send to an apiBase of their own rather than the proxy's upstream (settings headroom.upstream.*): ${elsewhere.map((m) => `${m.name} (${m.apiBase})`).join(', ')}.`
    : '';
  if (routable.length === 0) {
    void warn(`${file} has no Anthropic or OpenAI model that Headroom can route.${notRouted}`);
    return;
  }
  const picks = await vscode.window.showQuickPick(
    routable.map((m) => ({ label: m.name, description: m.provider, detail: m.apiBase ? `apiBase now: ${m.apiBase}` : 'default apiBase', picked: true })),
    { title: 'Continue: models to route through Headroom', canPickMany: true, placeHolder: notRouted.trim() || undefined },
  );
  if (!picks || picks.length === 0) return;
  const changed = await connectContinue(env.state, file, url, picks.map((p) => p.label));
  void info(changed.length ? `Continue now sends ${changed.join(', ')} through Headroom (${file}; backup in ${env.state.backupDir}). Continue reloads it automatically.` : 'Continue was already connected.');
}

async function connectClineFlow(env: CommandEnv, url: string): Promise<void> {
  const pick = await vscode.window.showQuickPick([
    { label: 'Anthropic', provider: 'anthropic' as ClineProvider, detail: 'Cline → Settings → API Provider: Anthropic → "Use custom base URL"' },
    { label: 'OpenAI Compatible', provider: 'openai' as ClineProvider, detail: 'Cline → Settings → API Provider: OpenAI Compatible → Base URL' },
  ], { title: 'Which Cline provider do you use?' });
  if (!pick) return;
  const setup = clineSetup(url, pick.provider, vscode.extensions.getExtension(CLINE_EXTENSION_ID)?.packageJSON?.version);
  await vscode.env.clipboard.writeText(setup.baseUrl);
  await env.state.update((s) => {
    s.cline = { at: Date.now(), provider: pick.provider };
  });
  if (vscode.extensions.getExtension(CLINE_EXTENSION_ID)) await vscode.commands.executeCommand(CLINE_SETTINGS_COMMAND).then(undefined, () => undefined);
  void info(`copied ${setup.baseUrl}. ${setup.steps.join(' ')} Headroom will tell you when Cline's first request arrives.`);
  watchForTraffic(env, 'cline', 'Cline');
}

/** Tells the user once an agent's first request arrived through the proxy (or gives up after 15 minutes). */
function watchForTraffic(env: CommandEnv, agent: string, label: string): void {
  const since = Date.now();
  const watch = {
    dispose: () => {
      clearTimeout(timer);
      stop();
      const i = env.ctx.subscriptions.indexOf(watch);
      if (i >= 0) env.ctx.subscriptions.splice(i, 1);
    },
  };
  const stop = env.deps.onProxyChange(() => {
    const t = trafficByAgent(env.deps.recentRecords()).get(agent);
    if (t && t.last >= since) {
      watch.dispose();
      void info(`${label}'s requests now arrive through the proxy.`);
    }
  });
  const timer = setTimeout(() => watch.dispose(), 15 * 60_000);
  env.ctx.subscriptions.push(watch);
}

export async function connectAgent(env: CommandEnv, id?: AgentId): Promise<void> {
  const entry = id ? agentEntry(id) : await pickAgent(env, 'Headroom: Connect Agent', false);
  if (!entry) return;
  try {
    if (entry.id === 'copilot-provider') {
      if (!chatProviderSupported()) {
        void warn('adding models to Copilot Chat needs VS Code 1.104 or later. Use the Custom Endpoint route or the MCP tools instead.');
        return;
      }
      await setApiKey(env);
      return;
    }
    if (entry.id === 'terminal') {
      await vscode.workspace.getConfiguration('headroom').update('agents.terminalEnvironment', true, vscode.ConfigurationTarget.Global);
      env.refresh();
      void info(env.deps.proxyUrl() ? 'new integrated terminals route Claude Code, Codex and Aider through Headroom.' : 'terminals will be routed through Headroom while the proxy runs.');
      return;
    }
    const url = await ensureProxy(env);
    if (!url) return;
    switch (entry.id) {
      case 'continue':
        return await connectContinueFlow(env, url);
      case 'cline':
        return await connectClineFlow(env, url);
      case 'copilot-endpoint': {
        const unavailable = customEndpointUnavailable(vscode.env.remoteName);
        if (unavailable) return void warn(unavailable);
        const file = chatLanguageModelsFile(env.ctx.globalStorageUri.fsPath);
        const [major, minor] = vscode.version.split('.').map(Number);
        if (major === 1 && minor < 122 && !(await warn(`Custom Endpoint models need VS Code 1.122 or later (this is ${vscode.version}). Add the entry anyway?`, 'Add'))) return;
        const changed = await connectCopilotEndpoint(env.state, file, url);
        void info(changed ? `added "Headroom (compressed)" models to ${file}. Pick one in Copilot Chat's model picker; VS Code asks for your API key once.` : 'the Custom Endpoint entry was already there.');
        return;
      }
      case 'roo': {
        if (!vscode.extensions.getExtension(ROO_EXTENSION_ID)) {
          void warn('Roo Code is not installed.');
          return;
        }
        const api = await rooApi();
        if (!api) {
          void warn('Roo Code did not expose its API; update Roo Code and try again.');
          return;
        }
        if (api.getProfiles().includes(ROO_PROFILE) && !(await env.state.read()).roo
          && !(await warn(`Roo Code already has a profile named "${ROO_PROFILE}". Connect replaces its settings with a copy of the active profile pointed at the proxy. Replace it?`, 'Replace'))) return;
        const provider = await connectRoo(api, env.state, url, env.deps.upstreams());
        void info(`Roo Code now uses the profile "Headroom" (${provider}, base URL ${url}). Disconnect switches back.`);
        watchForTraffic(env, 'roo-code', 'Roo Code');
        return;
      }
    }
  } catch (e) {
    report(env, e, `Connecting ${entry.label}`);
  }
}

export async function disconnectAgent(env: CommandEnv, id?: AgentId): Promise<void> {
  const entry = id ? agentEntry(id) : await pickAgent(env, 'Headroom: Disconnect Agent', true);
  if (!entry) return;
  try {
    switch (entry.id) {
      case 'copilot-provider':
        await env.ctx.secrets.delete(SECRET_KEYS.anthropic);
        await env.ctx.secrets.delete(SECRET_KEYS.openai);
        env.refresh();
        void info('API keys removed; Headroom\'s models leave Copilot Chat\'s picker.');
        return;
      case 'copilot-endpoint': {
        await disconnectCopilotEndpoint(env.state, chatLanguageModelsFile(env.ctx.globalStorageUri.fsPath));
        void info('removed the "Headroom (compressed)" models from chatLanguageModels.json.');
        return;
      }
      case 'continue': {
        const changed = await disconnectContinue(env.state, continueConfigFile(continueGlobalDir()), (await env.deps.agentUrl?.()) ?? env.deps.proxyUrl());
        void info(changed.length ? `Continue's ${changed.join(', ')} no longer go through Headroom.` : 'no Continue model pointed at Headroom.');
        return;
      }
      case 'roo': {
        const api = await rooApi();
        if (!api) return void warn('Roo Code\'s API is not available.');
        const previous = await disconnectRoo(api, env.state);
        void info(`Roo Code switched back to ${previous ? `"${previous}"` : 'its previous profile'}.`);
        return;
      }
      case 'cline':
        await env.state.update((s) => delete s.cline);
        if (vscode.extensions.getExtension(CLINE_EXTENSION_ID)) await vscode.commands.executeCommand(CLINE_SETTINGS_COMMAND).then(undefined, () => undefined);
        void info('in Cline\'s settings, clear the custom base URL (Headroom cannot change Cline\'s settings itself).');
        return;
      case 'terminal':
        await vscode.workspace.getConfiguration('headroom').update('agents.terminalEnvironment', false, vscode.ConfigurationTarget.Global);
        env.refresh();
        void info('new integrated terminals no longer route agents through Headroom.');
        return;
    }
  } catch (e) {
    report(env, e, `Disconnecting ${entry.label}`);
  }
}

export async function checkConnections(env: CommandEnv): Promise<void> {
  const url = env.deps.proxyUrl();
  const lines = connectionReport(await allStatuses(env.ctx, env.state, url), trafficByAgent(env.deps.recentRecords()), url);
  env.deps.log(`check connections (proxy ${url ?? 'stopped'}):\n${lines.map((l) => `  ${l.label}: ${l.text}`).join('\n')}`);
  const pick = await vscode.window.showQuickPick(
    lines.map((l) => ({ label: `$(${l.icon}) ${l.label}`, detail: l.text, id: l.id })),
    { title: `Headroom: Check Connections — proxy ${url ?? 'stopped'}`, placeHolder: 'Select an agent that is not connected to connect it', matchOnDetail: true },
  );
  if (pick) {
    const s = await agentStatus(pick.id, env.ctx, env.state, url);
    if (!s.configured) await connectAgent(env, pick.id);
  }
}
