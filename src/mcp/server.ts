/**
 * The MCP server (stdio) that VS Code starts from the bundled CLI (`headroom mcp --store PATH`):
 * `headroom_retrieve`, `headroom_compress` and `headroom_stats` over the same workspace store the
 * proxy writes, so agents that see markers but cannot use the proxy's injected tool still get
 * originals back.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema, ErrorCode, InitializeRequestSchema, ListToolsRequestSchema, PingRequestSchema, type JSONRPCRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { compress } from '../engine/compress';
import { HASH_PATTERN } from '../engine/hash';
import { CONTENT_KINDS } from '../engine/types';
import type { Store } from '../store/types';
import { LineTransport, type RequestFault } from './stdio';

export const MCP_SERVER_NAME = 'headroom';

type Reply = { content: Array<{ type: 'text'; text: string }>; isError?: boolean };
const text = (t: string, isError = false): Reply => ({ content: [{ type: 'text', text: t }], ...(isError ? { isError } : {}) });

/**
 * `openStore` is called per request that needs fresh data: the proxy in the extension host keeps
 * writing the same file, and a store loaded once would never see its later originals.
 */
export function createMcpServer(openStore: () => Promise<Store>, version: string): McpServer {
  const server = new McpServer({ name: MCP_SERVER_NAME, version });

  server.registerTool('headroom_retrieve', {
    description: 'Return the exact original content that a Headroom marker (`hash=<24 hex>`) stands for.',
    inputSchema: { hash: z.string().describe('The 24 lowercase hex digits after hash= in the marker') },
    annotations: { title: 'Retrieve a Headroom original', readOnlyHint: true, openWorldHint: false },
  }, async ({ hash }) => {
    const h = hash.trim().toLowerCase().replace(/^hash=/, '');
    if (!HASH_PATTERN.test(h)) return text(`"${hash}" is not a Headroom hash: expected 24 lowercase hex digits, as in hash=0a1b2c3d4e5f60718293a4b5.`, true);
    const store = await openStore();
    try {
      const original = store.get(h);
      if (!original) return text(`No original is stored for hash=${h}: it expired or came from another workspace. Re-run the command or re-read the file to get the content again.`, true);
      return text(original.text);
    } finally {
      await store.close();
    }
  });

  server.registerTool('headroom_compress', {
    description: 'Compress a large tool output (logs, JSON, search results, diffs, build output, code) and keep the original retrievable with headroom_retrieve.',
    inputSchema: {
      text: z.string().describe('The content to compress'),
      query: z.string().optional().describe('What you are looking for in it; steers what is kept'),
      kind: z.enum(CONTENT_KINDS).optional().describe('The kind of content, if known'),
    },
    // It stores originals, so not read-only; storing the same content again changes nothing.
    annotations: { title: 'Compress with Headroom', readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  }, async ({ text: input, query, kind }) => {
    const store = await openStore();
    try {
      // Off the request path: a generous budget (a cold first call of the engine takes hundreds of ms).
      const r = compress(input, { store, query, kind, countTokens: true, budgetMs: 5000 + Math.ceil(input.length / 10_000) });
      // Markers must name originals that are on disk.
      try {
        await store.flush();
      } catch (e) {
        return text(`Headroom could not save the originals, so nothing was compressed: ${(e as Error).message}`, true);
      }
      const note = r.report.unchanged
        ? `[headroom: left unchanged (${r.report.unchanged})]`
        : `[headroom: ${r.report.kind}, ${r.report.tokensIn} → ${r.report.tokensOut} tokens; originals: ${r.report.hashes.join(', ')}]`;
      return text(`${r.text}\n${note}`);
    } finally {
      await store.close();
    }
  });

  server.registerTool('headroom_stats', {
    description: 'What the Headroom store holds: originals by kind, and recent compression totals.',
    inputSchema: {},
    annotations: { title: 'Headroom store stats', readOnlyHint: true, openWorldHint: false },
  }, async () => {
    const store = await openStore();
    try {
      return text(JSON.stringify(store.summary(), null, 2));
    } finally {
      await store.close();
    }
  });

  return server;
}

export const MCP_TOOLS = ['headroom_retrieve', 'headroom_compress', 'headroom_stats'] as const;

/** The requests this server answers, by method, with the shape their params must have. */
const REQUEST_SCHEMAS = {
  initialize: InitializeRequestSchema,
  ping: PingRequestSchema,
  'tools/list': ListToolsRequestSchema,
  'tools/call': CallToolRequestSchema,
} as const;

/**
 * Protocol faults answered as JSON-RPC errors, as the MCP specification asks: params that do not fit
 * the method (-32602; the SDK would answer -32603 with a dump of its validator) and an unknown tool
 * (-32602; the SDK would answer a tool result with isError). Arguments that do not fit a known tool's
 * schema stay tool errors (isError), so the model can correct them.
 */
export function checkMcpRequest(request: JSONRPCRequest): RequestFault | undefined {
  const schema = REQUEST_SCHEMAS[request.method as keyof typeof REQUEST_SCHEMAS];
  if (!schema) return undefined;
  const parsed = schema.safeParse(request);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; ');
    return { code: ErrorCode.InvalidParams, message: `Invalid params for ${request.method}: ${issues}` };
  }
  if (request.method === 'tools/call') {
    const name = (parsed.data as { params: { name: string } }).params.name;
    if (!(MCP_TOOLS as readonly string[]).includes(name)) {
      return { code: ErrorCode.InvalidParams, message: `Unknown tool: ${name} (this server has ${MCP_TOOLS.join(', ')})` };
    }
  }
  return undefined;
}

/** Serves MCP over stdio until the client closes the pipe. */
export async function runMcpServer(
  openStore: () => Promise<Store>,
  version: string,
  transport: Transport = new LineTransport(process.stdin, process.stdout, { check: checkMcpRequest }),
): Promise<void> {
  const server = createMcpServer(openStore, version);
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
  });
  await server.connect(transport);
  await closed;
}
