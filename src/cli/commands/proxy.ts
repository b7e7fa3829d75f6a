import { parseArgs } from 'node:util';
import { openCliStore } from '../open';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliIO } from '../io';

export interface ProxySettings {
  host: string;
  port: number;
  anthropicUpstream?: string;
  openaiUpstream?: string;
  store?: string;
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
    },
    allowPositionals: false,
  });
  const portText = values.port ?? env.HEADROOM_PORT ?? '8787';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not ${JSON.stringify(portText)}`);
  const host = values.host ?? '127.0.0.1';
  if (!LOOPBACK.test(host)) throw new UsageError(`--host must be a loopback address (127.0.0.1, ::1, localhost): the proxy never listens on the network, got ${JSON.stringify(host)}`);
  return {
    host: host.replace(/^\[(.*)\]$/, '$1'),
    port,
    anthropicUpstream: upstream('--anthropic-upstream', values['anthropic-upstream'] ?? env.HEADROOM_ANTHROPIC_UPSTREAM),
    openaiUpstream: upstream('--openai-upstream', values['openai-upstream'] ?? env.HEADROOM_OPENAI_UPSTREAM),
    store: values.store,
  };
}

/** `headroom proxy`: runs until SIGINT/SIGTERM, then closes the proxy and saves the store. */
export async function proxyCommand(args: string[], io: CliIO): Promise<number> {
  const settings = proxySettings(args, io.env);
  const { tuneHeapForProxyProcess } = await import('../../proxy/heap');
  tuneHeapForProxyProcess();
  const { startProxy } = await import('../../proxy/server');
  const store = await openCliStore(settings.store, io);
  let handle: Awaited<ReturnType<typeof startProxy>>;
  try {
    handle = await startProxy({
      host: settings.host,
      port: settings.port,
      anthropicUpstream: settings.anthropicUpstream,
      openaiUpstream: settings.openaiUpstream,
      store,
      log: (line) => io.writeStderr(line.endsWith('\n') ? line : line + '\n'),
    });
  } catch (e) {
    io.writeStderr(`headroom: could not start the proxy: ${(e as Error).message}\n`);
    await store.close();
    return EXIT_FAILURE;
  }
  await io.writeStdout(
    `Headroom proxy listening on ${handle.url}\n` +
      `  Anthropic clients: ANTHROPIC_BASE_URL=${handle.url}\n` +
      `  OpenAI clients:    OPENAI_BASE_URL=${handle.url}/v1\n` +
      `  Store: ${store.path}\n`,
  );
  return new Promise<number>((resolve) => {
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
      try {
        await store.close();
      } catch (e) {
        io.writeStderr(`headroom: saving the store failed: ${(e as Error).message}\n`);
        code = EXIT_FAILURE;
      }
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(code);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
