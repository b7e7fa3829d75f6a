import { parseArgs } from 'node:util';
import { openCliStore } from '../open';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliIO } from '../io';
import { DEFAULT_EXCLUDED_TOOLS, resolveConfig, type ProxyConfig } from '../../proxy/config';
// The log line the extension writes per request (pure, shared as the stats view's code is).
import { describeRequest } from '../../extension/request-log';
import { redact } from '../../extension/redact';
import { StatsAggregator } from '../../proxy/stats';
import { requestsLine } from '../format-summary';
import { DEFAULT_ANTHROPIC_UPSTREAM, DEFAULT_OPENAI_UPSTREAM } from '../../proxy/routes';
import { shownProxyUrl, upstreamProxyFor } from '../../proxy/upstream-proxy';
import type { ProxyFor } from '../../proxy/upstream';

export interface ProxySettings {
  host: string;
  port: number;
  anthropicUpstream?: string;
  openaiUpstream?: string;
  store?: string;
  /** `--upstream-proxy`: an http(s) proxy URL, or `none`; unset, the environment decides. */
  upstreamProxy?: string;
  /** What the proxy compresses: only what a flag or the environment set. */
  config: Partial<ProxyConfig>;
  /** Tools added to the built-in exclusions (shown in the banner). */
  extraExcludedTools: string[];
  /** The global switch: every request forwarded untouched. */
  bypass: boolean;
  /** No line per request on stderr. */
  quiet: boolean;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|\[::1\]|localhost)$/i;

function upstream(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${name} is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${name} must be an http(s) URL: ${value}`);
  return value;
}

function upstreamProxyValue(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.toLowerCase() === 'none') return 'none';
  checkProxyUrl('--upstream-proxy', value, ' (or none)');
  return value;
}

function checkProxyUrl(source: string, value: string, alternative = ''): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new UsageError(`${source} must be an http:// or https:// proxy URL${alternative}, not ${JSON.stringify(value.includes('@') ? shownProxyUrl(value) : value)}`);
  }
}

/**
 * The outbound proxy of each provider and the banner line saying so. A proxy from the environment
 * is checked here, so a SOCKS or malformed HTTPS_PROXY is a clear error at start, not a failure
 * per request.
 */
export function upstreamRoutes(settings: ProxySettings): { proxyFor: ProxyFor; line: string } {
  const proxyFor = upstreamProxyFor(settings.upstreamProxy);
  const shown: string[] = [];
  for (const base of [settings.anthropicUpstream ?? DEFAULT_ANTHROPIC_UPSTREAM, settings.openaiUpstream ?? DEFAULT_OPENAI_UPSTREAM]) {
    const proxy = proxyFor(new URL(base));
    if (proxy && !settings.upstreamProxy) checkProxyUrl(`The proxy for ${base} from the environment (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY)`, proxy);
    shown.push(`${shownUpstream(base)} ${proxy ? `via ${shownProxyUrl(proxy)}` : '(direct)'}`);
  }
  return { proxyFor, line: `Upstreams: ${shown.join(', ')}` };
}

/** An upstream base URL as the banner shows it: credentials in it (user:key@, a query) hidden. */
function shownUpstream(base: string): string {
  const url = new URL(base);
  const path = url.pathname === '/' && !base.endsWith('/') ? '' : url.pathname;
  return `${url.protocol}//${url.username || url.password ? '***@' : ''}${url.host}${path}${url.search ? '?…' : ''}`;
}

function byteCount(name: string, text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${name} must be a whole number of bytes, not ${JSON.stringify(text)}`);
  return Number(text);
}

function envSwitch(name: string, text: string | undefined): boolean | undefined {
  if (text === undefined || text === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  throw new UsageError(`${name} must be 1 or 0 (true/false, yes/no, on/off), not ${JSON.stringify(text)}`);
}

/** Flags win over environment variables, which win over defaults. */
export function proxySettings(args: string[], env: NodeJS.ProcessEnv): ProxySettings {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'anthropic-upstream': { type: 'string' },
      'openai-upstream': { type: 'string' },
      store: { type: 'string' },
      'upstream-proxy': { type: 'string' },
      'exclude-tools': { type: 'string' },
      'min-bytes': { type: 'string' },
      'error-min-bytes': { type: 'string' },
      'no-retrieval': { type: 'boolean' },
      bypass: { type: 'boolean' },
      quiet: { type: 'boolean' },
    },
    allowPositionals: false,
  });
  const config: Partial<ProxyConfig> = {};
  const extraExcludedTools = (values['exclude-tools'] ?? env.HEADROOM_EXCLUDE_TOOLS ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  if (extraExcludedTools.length) config.excludeTools = [...DEFAULT_EXCLUDED_TOOLS, ...extraExcludedTools];
  const minBytes = byteCount('--min-bytes', values['min-bytes'] ?? env.HEADROOM_MIN_BYTES);
  if (minBytes !== undefined) config.minBytes = minBytes;
  const errorMinBytes = byteCount('--error-min-bytes', values['error-min-bytes'] ?? env.HEADROOM_ERROR_MIN_BYTES);
  if (errorMinBytes !== undefined) config.errorMinBytes = errorMinBytes;
  if (values['no-retrieval'] || envSwitch('HEADROOM_RETRIEVAL', env.HEADROOM_RETRIEVAL) === false) config.retrieval = false;
  const bypass = values.bypass ?? envSwitch('HEADROOM_BYPASS', env.HEADROOM_BYPASS) ?? false;
  // An empty variable means unset, as for the other HEADROOM_* variables.
  const portText = values.port ?? (env.HEADROOM_PORT || '8787');
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new UsageError(`${values.port === undefined ? 'HEADROOM_PORT' : '--port'} must be a number from 0 to 65535, not ${JSON.stringify(portText)}`);
  }
  const host = values.host ?? '127.0.0.1';
  if (!LOOPBACK.test(host)) throw new UsageError(`--host must be a loopback address (127.0.0.1, ::1, localhost): the proxy never listens on the network, got ${JSON.stringify(host)}`);
  return {
    host: host.replace(/^\[(.*)\]$/, '$1'),
    port,
    anthropicUpstream: upstream('--anthropic-upstream', values['anthropic-upstream'] ?? env.HEADROOM_ANTHROPIC_UPSTREAM),
    openaiUpstream: upstream('--openai-upstream', values['openai-upstream'] ?? env.HEADROOM_OPENAI_UPSTREAM),
    store: values.store,
    upstreamProxy: upstreamProxyValue(values['upstream-proxy'] ?? env.HEADROOM_UPSTREAM_PROXY),
    config,
    extraExcludedTools,
    bypass,
    quiet: values.quiet ?? envSwitch('HEADROOM_QUIET', env.HEADROOM_QUIET) ?? false,
  };
}

/** One banner line saying what the proxy compresses and what it leaves alone. */
export function compressionLine(settings: ProxySettings): string {
  if (settings.bypass) return 'Compression: off (bypass): every request is forwarded untouched';
  const c = resolveConfig(settings.config);
  const extra = settings.extraExcludedTools.length ? `; also left alone: ${settings.extraExcludedTools.join(', ')}` : '';
  return `Compression: tool outputs from ${c.minBytes} bytes (errors from ${c.errorMinBytes}), retrieval ${c.retrieval ? 'on' : 'off'}${extra}`;
}

/**
 * The signals that stop `headroom proxy` cleanly: Ctrl-C, a service manager's stop, and the
 * terminal it runs in being closed (SIGHUP, which would otherwise end it without saving the store).
 */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** `headroom proxy`: runs until a stop signal, then closes the proxy and saves the store. */
export async function proxyCommand(args: string[], io: CliIO): Promise<number> {
  const settings = proxySettings(args, io.env);
  const upstreams = upstreamRoutes(settings);
  const { tuneHeapForProxyProcess } = await import('../../proxy/heap');
  tuneHeapForProxyProcess();
  const { startProxy } = await import('../../proxy/server');
  const store = await openCliStore(settings.store, io);
  let handle: Awaited<ReturnType<typeof startProxy>>;
  const thisRun = new StatsAggregator();
  try {
    handle = await startProxy({
      host: settings.host,
      port: settings.port,
      anthropicUpstream: settings.anthropicUpstream,
      openaiUpstream: settings.openaiUpstream,
      upstreamProxy: upstreams.proxyFor,
      store,
      config: settings.config,
      log: (line) => io.writeStderr(line.endsWith('\n') ? line : line + '\n'),
    });
    if (settings.bypass) handle.setBypass(true);
    // Records come once a request's tokens are counted, after its response.
    handle.onRequest((r) => {
      thisRun.add(r);
      if (!settings.quiet) io.writeStderr(`${new Date().toTimeString().slice(0, 8)} ${redact(describeRequest(r))}\n`);
    });
  } catch (e) {
    io.writeStderr(`headroom: could not start the proxy: ${(e as Error).message}\n`);
    await store.close();
    return EXIT_FAILURE;
  }
  // Signal handlers first: whoever reads the banner may stop the proxy at once.
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: NodeJS.Signals) => {
      if (stopping) {
        io.writeStderr(`headroom: ${signal} again, exiting without waiting\n`);
        process.exit(EXIT_FAILURE);
      }
      stopping = true;
      io.writeStderr(`headroom: ${signal}, stopping the proxy\n`);
      let code = EXIT_OK;
      try {
        await handle.close();
      } catch (e) {
        io.writeStderr(`headroom: closing the proxy failed: ${(e as Error).message}\n`);
        code = EXIT_FAILURE;
      }
      const run = thisRun.snapshot().totals;
      if (run.requests > 0) io.writeStderr(`headroom: this run: ${requestsLine(run)}\n`);
      try {
        await store.close();
      } catch (e) {
        io.writeStderr(`headroom: saving the store failed: ${(e as Error).message}\n`);
        code = EXIT_FAILURE;
      }
      for (const signal of STOP_SIGNALS) process.off(signal, stop);
      resolve(code);
    };
    for (const signal of STOP_SIGNALS) process.on(signal, stop);
  });
  await io.writeStdout(
    `Headroom proxy listening on ${handle.url}\n` +
      `  Anthropic clients: ANTHROPIC_BASE_URL=${handle.url}\n` +
      `  OpenAI clients:    OPENAI_BASE_URL=${handle.url}/v1\n` +
      `  Store: ${store.path}\n` +
      `  ${upstreams.line}\n` +
      `  ${compressionLine(settings)}\n`,
  );
  return stopped;
}
