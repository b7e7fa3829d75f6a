/**
 * Roo Code through its exported extension API: a "Headroom" profile that copies the active
 * profile's provider settings with only the base URL pointed at the proxy, activated on connect;
 * disconnect re-activates the previous profile and removes ours.
 */
import { proxyBaseUrls, sameUpstream, upstreamOf, type ProxyUpstreams } from '../../agents/proxy-urls';
import type { StateFile } from './state';

export const ROO_EXTENSION_ID = 'RooVeterinaryInc.roo-cline';
export const ROO_PROFILE = 'Headroom';

/** The part of Roo Code's exported API we use (RooCodeInc/Roo-Code packages/types/src/api.ts). */
export interface RooApi {
  getConfiguration(): Record<string, unknown>;
  getProfiles(): string[];
  getActiveProfile(): string | undefined;
  upsertProfile(name: string, profile: Record<string, unknown>, activate?: boolean): Promise<string | undefined>;
  setActiveProfile(name: string): Promise<string | undefined>;
  deleteProfile(name: string): Promise<void>;
}

export function isRooApi(value: unknown): value is RooApi {
  const v = value as Record<string, unknown> | undefined;
  return !!v && ['getConfiguration', 'getProfiles', 'getActiveProfile', 'upsertProfile', 'setActiveProfile', 'deleteProfile'].every((k) => typeof v[k] === 'function');
}

/** Which base-URL key each provider Roo offers reads, and the form of URL it wants. */
const BASE_URL_KEYS: Record<string, { key: string; form: 'anthropic' | 'openai' }> = {
  anthropic: { key: 'anthropicBaseUrl', form: 'anthropic' },
  openai: { key: 'openAiBaseUrl', form: 'openai' },
  'openai-native': { key: 'openAiNativeBaseUrl', form: 'openai' },
};

/** Global (not per-profile) settings that getConfiguration() also returns; they do not belong in a profile. */
const NOT_PROFILE_KEYS = new Set(['currentApiConfigName', 'listApiConfigMeta', 'modeApiConfigs', 'taskHistory', 'customModes', 'customModePrompts', 'customSupportPrompts', 'mode']);

export class RooConnectError extends Error {}

/**
 * The profile Connect would write: the active settings with the base URL replaced. Pure. A profile
 * that sends somewhere other than the proxy's upstream for its provider (OpenRouter, a gateway, a
 * local server) is refused: through the proxy its requests and key would go to that upstream.
 * `ours`: the active profile is our own (its base URL is the proxy's, whatever port it had).
 */
export function rooProfileFor(config: Record<string, unknown>, origin: string, upstreams: ProxyUpstreams, ours = false): Record<string, unknown> {
  const provider = String(config.apiProvider ?? 'anthropic');
  const target = BASE_URL_KEYS[provider];
  if (!target) {
    throw new RooConnectError(`Roo Code's active profile uses the "${provider}" provider; Headroom can route Anthropic, OpenAI and OpenAI-compatible profiles. Switch Roo Code to one of those first.`);
  }
  const current = config[target.key];
  if (!ours && typeof current === 'string' && current.trim() && !sameUpstream(current, upstreams[target.form])) {
    throw new RooConnectError(`Roo Code's active profile sends to ${current}, but Headroom forwards ${target.form === 'anthropic' ? 'Anthropic' : 'OpenAI'} requests to ${upstreams[target.form]}. To route this profile, set headroom.upstream.${target.form} to ${upstreamOf(current)} first.`);
  }
  const urls = proxyBaseUrls(origin);
  const profile: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) if (!NOT_PROFILE_KEYS.has(k) && v !== undefined) profile[k] = v;
  profile.apiProvider = provider;
  profile[target.key] = target.form === 'anthropic' ? urls.anthropic : urls.openai;
  return profile;
}

export async function connectRoo(api: RooApi, state: StateFile, origin: string, upstreams: ProxyUpstreams): Promise<string> {
  const active = api.getActiveProfile() ?? null;
  const existing = (await state.read()).roo;
  const profileExisted = existing ? existing.profileExisted : api.getProfiles().includes(ROO_PROFILE);
  // Re-connecting while ours is active: copy ours (already the user's settings) and keep the recorded previous profile.
  const previousProfile = active === ROO_PROFILE ? existing?.previousProfile ?? null : active;
  const profile = rooProfileFor(api.getConfiguration(), origin, upstreams, active === ROO_PROFILE);
  await api.upsertProfile(ROO_PROFILE, profile, true);
  await state.update((s) => {
    s.roo = { profile: ROO_PROFILE, previousProfile, profileExisted, at: Date.now() };
  });
  return String(profile.apiProvider);
}

/** Re-points our profile after a port change, without changing which profile is active. */
export async function repointRoo(api: RooApi, state: StateFile, origin: string, upstreams: ProxyUpstreams): Promise<boolean> {
  const record = (await state.read()).roo;
  if (!record || !api.getProfiles().includes(ROO_PROFILE) || api.getActiveProfile() !== ROO_PROFILE) return false;
  await api.upsertProfile(ROO_PROFILE, rooProfileFor(api.getConfiguration(), origin, upstreams, true), true);
  return true;
}

export async function disconnectRoo(api: RooApi, state: StateFile): Promise<string | null> {
  const record = (await state.read()).roo;
  const profiles = api.getProfiles();
  const previous = record?.previousProfile && profiles.includes(record.previousProfile) ? record.previousProfile : profiles.find((p) => p !== ROO_PROFILE) ?? null;
  if (api.getActiveProfile() === ROO_PROFILE && previous) await api.setActiveProfile(previous);
  if (profiles.includes(ROO_PROFILE) && !record?.profileExisted && previous) await api.deleteProfile(ROO_PROFILE);
  await state.update((s) => delete s.roo);
  return previous;
}

export function rooConnected(api: RooApi): boolean {
  return api.getActiveProfile() === ROO_PROFILE;
}
