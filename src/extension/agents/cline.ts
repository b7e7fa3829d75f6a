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

/** Cline 4.x passes the Anthropic base to a client that expects `/v1` in it, like the OpenAI-compatible one. */
export function clineSetup(origin: string, provider: ClineProvider): ClineSteps {
  const baseUrl = proxyBaseUrls(origin).openai;
  const steps = provider === 'anthropic'
    ? ['In Cline, open Settings → API Provider → Anthropic.', 'Tick "Use custom base URL" and paste the copied URL.', 'Keep your own API key; send a message.']
    : ['In Cline, open Settings → API Provider → OpenAI Compatible.', 'Paste the copied URL as Base URL; keep your API key and model id.', 'Send a message.'];
  return { baseUrl, steps };
}
