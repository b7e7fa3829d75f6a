/**
 * Typed messages between the extension host and the stats webview, with validators for what
 * arrives from the other side (the webview is untrusted input for the host, and vice versa).
 * Shared by `src/extension/stats-panel.ts` and `webview/main.ts`; imports nothing platform-specific.
 */
import type { StatsView } from './stats-view';

export interface DetailItem {
  tool?: string;
  kind: string;
  strategy: string;
  reason?: string;
  tokensBefore: number;
  tokensAfter: number;
  bytesIn: number;
  bytesOut: number;
  replayed: boolean;
  /** The compressed text the model saw, when the proxy recorded it. */
  compressed?: string;
  /** Originals named by the markers, by hash; null when expired or unknown. */
  originals: Array<{ hash: string; text: string | null }>;
}

export interface RequestDetail {
  id: string;
  items: DetailItem[];
}

/** Host → webview. */
export type HostMessage =
  | { type: 'stats'; stats: StatsView }
  | { type: 'detail'; detail: RequestDetail }
  | { type: 'error'; message: string };

/** Webview → host. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'openDetail'; id: string }
  | { type: 'openOriginal'; hash: string }
  | { type: 'command'; command: WebviewCommand };

export const WEBVIEW_COMMANDS = ['startProxy', 'stopProxy', 'toggleCompression', 'copyProxyUrl', 'clearStore', 'showLogs'] as const;
export type WebviewCommand = (typeof WEBVIEW_COMMANDS)[number];

/** State the webview persists with `setState`, restored by the panel serializer after a reload. */
export interface WebviewState {
  selectedId?: string;
  stats?: StatsView;
}

const HASH = /^[0-9a-f]{24}$/;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A message from the webview, or undefined when it is not one we understand. */
export function parseWebviewMessage(v: unknown): WebviewMessage | undefined {
  if (!isObj(v) || typeof v.type !== 'string') return undefined;
  switch (v.type) {
    case 'ready':
      return { type: 'ready' };
    case 'openDetail':
      return typeof v.id === 'string' && v.id.length > 0 && v.id.length <= 200 ? { type: 'openDetail', id: v.id } : undefined;
    case 'openOriginal':
      return typeof v.hash === 'string' && HASH.test(v.hash) ? { type: 'openOriginal', hash: v.hash } : undefined;
    case 'command':
      return (WEBVIEW_COMMANDS as readonly string[]).includes(v.command as string)
        ? { type: 'command', command: v.command as WebviewCommand }
        : undefined;
    default:
      return undefined;
  }
}

/** A message from the host, or undefined. Shallow: the host is trusted to send well-formed stats. */
export function parseHostMessage(v: unknown): HostMessage | undefined {
  if (!isObj(v)) return undefined;
  if (v.type === 'stats' && isObj(v.stats)) return v as unknown as HostMessage;
  if (v.type === 'detail' && isObj(v.detail) && Array.isArray((v.detail as Record<string, unknown>).items)) return v as unknown as HostMessage;
  if (v.type === 'error' && typeof v.message === 'string') return { type: 'error', message: v.message };
  return undefined;
}

/** Restored webview state, keeping only what is well formed. */
export function parseWebviewState(v: unknown): WebviewState {
  if (!isObj(v)) return {};
  const out: WebviewState = {};
  if (typeof v.selectedId === 'string') out.selectedId = v.selectedId;
  if (isObj(v.stats) && isObj(v.stats.total)) out.stats = v.stats as unknown as StatsView;
  return out;
}
