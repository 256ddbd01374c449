/**
 * The anomaly suites' harness: a real server (SQLite or PostgreSQL) with a manual clock, the
 * official SDK client (v2) calling from a chosen loopback address (the server sees the socket's
 * address: 127.0.0.1 and 127.0.1.1 are two /24 networks) and declaring a chosen client name.
 */
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { AnomalyRules, RuleName } from '../../src/monitoring/index.js';
import { ANOMALY_RULES } from '../../src/monitoring/index.js';
import type { AuditEvent, Store } from '../../src/storage/index.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import type { StoreKind } from '../support/stores.js';

export type ToolResult = {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: { type: string; text: string }[];
};

/** `fetch` over node:http bound to `localAddress`, for the SDK transport. */
function fetchFrom(localAddress: string): typeof fetch {
  return (input, init) =>
    new Promise((resolve, reject) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      const headers = Object.fromEntries(new Headers(init?.headers).entries());
      const req = request(url, { method: init?.method ?? 'GET', headers, localAddress }, (res) => {
        const out = new Headers();
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
        const empty = res.statusCode === 204 || res.statusCode === 202 || init?.method === 'HEAD';
        if (empty) res.resume();
        const body = empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
        resolve(new Response(body, { status: res.statusCode ?? 500, headers: out }));
      });
      req.on('error', reject);
      init?.signal?.addEventListener('abort', () => req.destroy(new Error('aborted')));
      req.end(typeof init?.body === 'string' ? init.body : undefined);
    });
}

export interface Caller {
  call(name: string, args?: Record<string, unknown>): Promise<ToolResult>;
  close(): Promise<void>;
}

export interface AnomalyHarness {
  readonly server: TestServer;
  readonly workspaceId: string;
  key(name: string): Promise<{ secret: string; id: string }>;
  /** An SDK client for `secret`, from `ip` (a loopback address), named `client`. */
  connect(secret: string, ip?: string, client?: string): Promise<Caller>;
  rules(patch: Partial<{ [R in RuleName]: Partial<AnomalyRules[R]> }>): Promise<void>;
  events(action: string): Promise<AuditEvent[]>;
  alerts(): ReturnType<TestServer['app']['monitoring']['alerts']['list']>;
  keyRecord(id: string): ReturnType<TestServer['app']['store']['apiKeys']['findById']>;
  close(): Promise<void>;
}

export const textOf = (r: ToolResult) => r.content.map((c) => c.text).join('\n');

export async function startAnomalyHarness(kind: StoreKind): Promise<AnomalyHarness> {
  const server = await startTestServer({ kind });
  const workspace = (await server.app.store.workspaces.findBySlug('demo'))!;
  // Writes run at once (no confirmation) unless a test asks otherwise.
  await server.app.policy.set(null, 'demo', {
    create: 'none',
    update: 'none',
    delete: 'none',
    bulk: 'none',
    writeBudget: 1000,
    deleteBudget: 1000,
  });
  const open: Caller[] = [];
  return {
    server,
    workspaceId: workspace.id,
    async key(name) {
      const secret = await server.issueKey({ name });
      const record = await server.app.store.apiKeys.findCurrentByName(workspace.id, name);
      return { secret, id: record!.id };
    },
    async connect(secret, ip = '127.0.0.1', clientName = 'claude-desktop') {
      // The 2026-07-28 client declares its name on every request: what the client rules read.
      const client = new Client(
        { name: clientName, version: '1.0.0' },
        { versionNegotiation: { mode: 'auto' } },
      );
      const transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl), {
        requestInit: { headers: { Authorization: `Bearer ${secret}` } },
        fetch: fetchFrom(ip),
      });
      await client.connect(transport);
      const caller: Caller = {
        call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as ToolResult,
        close: () => client.close(),
      };
      open.push(caller);
      return caller;
    },
    async rules(patch) {
      const current = await server.app.monitoring.settings.read(workspace.id, ANOMALY_RULES);
      const merged: Record<string, unknown> = {};
      for (const [rule, fields] of Object.entries(patch))
        merged[rule] = { ...current[rule as RuleName], ...fields };
      await server.app.monitoring.settings.change('demo', ANOMALY_RULES, merged, null);
    },
    async events(action) {
      return server.app.store.audit.list(workspace.id, { action, limit: 500 });
    },
    alerts: () => server.app.monitoring.alerts.list('demo', null, { limit: 500 }),
    keyRecord: (id) => server.app.store.apiKeys.findById(workspace.id, id),
    async close() {
      for (const c of open) await c.close().catch(() => {});
      await server.close();
    },
  };
}

/**
 * The outcome of each transaction `server` commits without a disk sync, in order: the anomaly
 * watch's locked groups (true: committed). The watch calls the store it was given, so wrapping
 * its method sees every one.
 */
export function unsyncedTransactions(server: TestServer): boolean[] {
  const outcomes: boolean[] = [];
  const store: Store = server.app.store;
  const real = store.transaction.bind(store);
  (store as { transaction: Store['transaction'] }).transaction = (work, options) => {
    const run = real(work, options);
    if (options?.deferSync)
      run.then(
        () => outcomes.push(true),
        () => outcomes.push(false),
      );
    return run;
  };
  return outcomes;
}
