/**
 * Cline keeps its provider settings in memory and writes them back on its own schedule, so we
 * cannot edit them reliably: the user pastes the base URL we give, and we confirm by watching for
 * Cline's traffic on the proxy.
 */
import { proxyBaseUrls } from '../../agents/proxy-urls';

export const CLINE_EXTENSION_ID = 'saoudrizwan.claude-dev';
/** Cline's command that opens its settings view (a UI action; Cline contributes no setting keys). */
export const CLINE_SETTINGS_COMMAND = 'cline.settingsButtonClicked';

export type ClineProvider = 'anthropic' | 'openai';

export interface ClineSteps {
  baseUrl: string;
  steps: string[];
}

/**
 * Cline 4.x passes the Anthropic base to a client that expects `/v1` in it, like the
 * OpenAI-compatible one; 3.x gave it to the Anthropic SDK, which adds `/v1` itself.
 */
export function clineSetup(origin: string, provider: ClineProvider, version?: string): ClineSteps {
  const urls = proxyBaseUrls(origin);
  const before4 = version !== undefined && Number.parseInt(version, 10) < 4;
  const baseUrl = provider === 'anthropic' && before4 ? urls.anthropic : urls.openai;
  const steps = provider === 'anthropic'
    ? ['In Cline, open Settings → API Provider → Anthropic.', 'Tick "Use custom base URL" and paste the copied URL.', 'Keep your own API key; send a message.']
    : ['In Cline, open Settings → API Provider → OpenAI Compatible.', 'Paste the copied URL as Base URL; keep your API key and model id.', 'Send a message.'];
  return { baseUrl, steps };
}
