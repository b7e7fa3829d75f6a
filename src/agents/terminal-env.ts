import { proxyBaseUrls } from './proxy-urls';

/**
 * The variables set in integrated terminals while the proxy listens, so Claude Code, Codex, Aider
 * and Copilot CLI started there go through it. Values only: keys stay in the user's environment.
 */
export function terminalEnvironment(origin: string): Record<string, string> {
  const urls = proxyBaseUrls(origin);
  return {
    ANTHROPIC_BASE_URL: urls.anthropic,
    OPENAI_BASE_URL: urls.openai,
    OPENAI_API_BASE: urls.openai,
  };
}

export function terminalEnvironmentDescription(origin: string): string {
  return `Routes AI agents (Claude Code, Codex, Aider) through Headroom (${new URL(origin).host})`;
}
