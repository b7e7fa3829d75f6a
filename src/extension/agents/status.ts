/** The current configuration state of every agent, for Check Connections and the quick picks. */
import * as vscode from 'vscode';
import { AGENTS, type AgentId, type AgentStatus } from './catalog';
import { continueConfigFile, continueConnectedModels, continueGlobalDir } from './continue';
import { chatLanguageModelsFile, copilotEndpointConnected, customEndpointUnavailable } from './copilot-endpoint';
import { isRooApi, rooConnected, ROO_EXTENSION_ID, type RooApi } from './roo';
import { CLINE_EXTENSION_ID } from './cline';
import { SECRET_KEYS } from '../chat-provider/models';
import { chatProviderSupported } from '../chat-provider/provider';
import type { StateFile } from './state';

export async function rooApi(): Promise<RooApi | undefined> {
  const ext = vscode.extensions.getExtension(ROO_EXTENSION_ID);
  if (!ext) return undefined;
  const api = ext.isActive ? ext.exports : await ext.activate();
  return isRooApi(api) ? api : undefined;
}

export function terminalEnabled(): boolean {
  return vscode.workspace.getConfiguration('headroom').get<boolean>('agents.terminalEnvironment', true);
}

export async function agentStatus(id: AgentId, ctx: vscode.ExtensionContext, state: StateFile, proxyUrl: string | undefined): Promise<AgentStatus> {
  try {
    switch (id) {
      case 'copilot-provider': {
        if (!chatProviderSupported()) return { id, configured: undefined, note: 'needs VS Code 1.104 or later' };
        const keys = [];
        if (await ctx.secrets.get(SECRET_KEYS.anthropic)) keys.push('Anthropic');
        if (await ctx.secrets.get(SECRET_KEYS.openai)) keys.push('OpenAI');
        return { id, configured: keys.length > 0, note: keys.length ? `${keys.join(' and ')} key set` : 'no API key set' };
      }
      case 'copilot-endpoint': {
        const unavailable = customEndpointUnavailable(vscode.env.remoteName);
        if (unavailable) return { id, configured: undefined, note: `not available in a ${vscode.env.remoteName} window` };
        const file = chatLanguageModelsFile(ctx.globalStorageUri.fsPath);
        const on = await copilotEndpointConnected(file);
        return { id, configured: on, note: on ? 'group "Headroom (compressed)" in chatLanguageModels.json' : 'no Headroom group in chatLanguageModels.json' };
      }
      case 'cline': {
        if (!vscode.extensions.getExtension(CLINE_EXTENSION_ID)) return { id, configured: undefined, note: 'Cline is not installed' };
        const s = (await state.read()).cline;
        return { id, configured: !!s, note: s ? `guided setup done for its ${s.provider === 'anthropic' ? 'Anthropic' : 'OpenAI Compatible'} provider` : 'guided setup not done' };
      }
      case 'roo': {
        if (!vscode.extensions.getExtension(ROO_EXTENSION_ID)) return { id, configured: undefined, note: 'Roo Code is not installed' };
        const api = await rooApi();
        if (!api) return { id, configured: undefined, note: 'Roo Code\'s API is not available' };
        const on = rooConnected(api);
        return { id, configured: on, note: on ? 'profile "Headroom" active' : `active profile: ${api.getActiveProfile() ?? 'none'}` };
      }
      case 'continue': {
        const file = continueConfigFile(continueGlobalDir());
        if (!file) return { id, configured: undefined, note: `no Continue config in ${continueGlobalDir()}` };
        const names = await continueConnectedModels(file, state, proxyUrl);
        return { id, configured: names.length > 0, note: names.length ? `${names.join(', ')} → proxy` : 'no model points at the proxy' };
      }
      case 'terminal': {
        const on = terminalEnabled();
        const set = ctx.environmentVariableCollection.get('ANTHROPIC_BASE_URL')?.value;
        return { id, configured: on && !!set, note: !on ? 'turned off' : set ? `ANTHROPIC_BASE_URL=${set} in new terminals` : proxyUrl ? 'variables pending' : 'set when the proxy runs' };
      }
    }
  } catch (e) {
    return { id, configured: undefined, note: `could not check: ${(e as Error).message}` };
  }
}

export async function allStatuses(ctx: vscode.ExtensionContext, state: StateFile, proxyUrl: string | undefined): Promise<AgentStatus[]> {
  return Promise.all(AGENTS.map((a) => agentStatus(a.id, ctx, state, proxyUrl)));
}
