/**
 * A real Taskgate server on 127.0.0.1 for integration tests: a fresh database (SQLite file
 * or PostgreSQL schema), a manual clock, the seeded demo workspace, and helpers to mint keys
 * and connect the official SDK clients (v1 for 2025-11-25, v2 for 2026-07-28).
 */
import { createServer } from 'node:net';
import {
  Client as ClientV2,
  type ElicitRequest,
  type ElicitResult,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type Logger, pino } from 'pino';
import { type App, type AppOverrides, createApp, listen, type RunningServer } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createManualClock, createSeededRandom, type ManualClock } from '../../src/core/index.js';
import type { CreateKeyInput } from '../../src/credentials/index.js';
import { seedDemoWorkspace } from '../../src/domain/index.js';
import { ANOMALY_RULES, RATE_LIMITS_SECTION } from '../../src/monitoring/index.js';
import { createMigratedTestDatabase, type StoreKind, type TestDatabase } from './stores.js';

export const T0 = new Date('2026-11-27T10:00:00.000Z');

/**
 * scrypt at N=2^10 instead of production's 2^15: the suites sign in hundreds of times and
 * check what a hash decides, not what it costs (src/credentials/password.test.ts pins the
 * production cost). A stored hash names its cost, so verification is the same code path.
 */
export const TEST_PASSWORD_COST = Object.freeze({ N: 2 ** 10, r: 8, p: 1 });

export interface TestServer {
  readonly app: App;
  readonly clock: ManualClock;
  readonly url: string;
  readonly mcpUrl: string;
  readonly database: TestDatabase;
  issueKey(input?: Partial<CreateKeyInput>): Promise<string>;
  close(): Promise<void>;
}

/**
 * A port to configure the server with before it listens (its URLs name it). Taken from below
 * Linux's ephemeral range (32768–60999): a port the kernel handed out and we let go could be
 * given to an outgoing connection — the app's own PostgreSQL pool opens several — before the
 * server listens on it (EADDRINUSE in CI).
 */
async function freePort(): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port below the ephemeral range in 100 tries');
}

let keyCounter = 0;

export interface TestServerOptions {
  readonly kind?: StoreKind;
  /** The app's logger (default: silent), e.g. one writing to a buffer the test reads. */
  readonly logger?: Logger;
  /** Leave the database in place on close, for a test that inspects its files afterwards. */
  readonly keepDatabase?: boolean;
  /** More settings, as environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Another server's database, for a second instance of the same deployment (give it the
   * first one's TASKGATE_PUBLIC_URL too): it is neither seeded again nor dropped on close.
   */
  readonly database?: TestDatabase;
  /** Test-only registrations on every MCP server (the conformance harness's fixtures). */
  readonly extendMcpServer?: AppOverrides['extendMcpServer'];
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const shared = options.database;
  const database: TestDatabase = shared ?? (await createMigratedTestDatabase(options.kind ?? 'sqlite'));
  const port = await freePort();
  const config = loadConfig({
    env: {
      TASKGATE_DATABASE_URL: database.url,
      TASKGATE_PORT: String(port),
      TASKGATE_SECRET_KEY: 'k'.repeat(40),
      // Every suite comes from 127.0.0.1 and many fail authentication or sign in on purpose:
      // the per-address limits are the rate-limit suites' to set (test/monitoring).
      TASKGATE_RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '100000',
      TASKGATE_RATE_LIMIT_OAUTH_PER_MINUTE: '100000',
      TASKGATE_RATE_LIMIT_LOGIN_PER_MINUTE: '100000',
      ...options.env,
    },
  });
  const clock = createManualClock(T0);
  const app = await createApp(config, {
    clock,
    logger: options.logger ?? pino({ level: 'silent' }),
    passwordCost: TEST_PASSWORD_COST,
    ...(options.extendMcpServer && { extendMcpServer: options.extendMcpServer }),
  });
  if (!shared) await seedDemoWorkspace(app.domain, clock, createSeededRandom(1));
  const server: RunningServer = await listen(app);
  return {
    app,
    clock,
    url: server.url,
    mcpUrl: `${server.url}/mcp`,
    database,
    async issueKey(input = {}) {
      const issued = await app.keys.create({
        workspace: 'demo',
        name: `test-client-${++keyCounter}`,
        environment: 'development',
        preset: input.scopes ? undefined : 'full',
        ...input,
      });
      return issued.secret;
    },
    async close() {
      await server.close();
      await app.close();
      if (!options.keepDatabase && !shared) await database.drop();
    },
  };
}

/** The v1 SDK client (`@modelcontextprotocol/sdk`), which speaks 2025-11-25. */
export async function connectV1(server: TestServer, key: string, name = 'vitest-v1') {
  const client = new ClientV1({ name, version: '1.0.0' });
  const transport = new TransportV1(new URL(server.mcpUrl), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return { client, protocolVersion: () => transport.protocolVersion };
}

/** The v2 client (`@modelcontextprotocol/client`); `auto` negotiates 2026-07-28 when offered. */
export async function connectV2(
  server: TestServer,
  key: string,
  mode: 'auto' | 'legacy' = 'auto',
  options: {
    onElicit?: (request: ElicitRequest) => ElicitResult | Promise<ElicitResult>;
    /** Hand `input_required` results back instead of fulfilling them (to tamper with a retry). */
    manual?: boolean;
    /** The client name it declares (on every request, in 2026-07-28). */
    name?: string;
  } = {},
) {
  const client = new ClientV2(
    { name: options.name ?? 'vitest-v2', version: '2.0.0' },
    {
      versionNegotiation: { mode },
      ...(options.onElicit && { capabilities: { elicitation: { form: {}, url: {} } } }),
      ...(options.manual && { inputRequired: { autoFulfill: false } }),
    },
  );
  if (options.onElicit)
    client.setRequestHandler('elicitation/create', (request) => options.onElicit!(request));
  const transport = new TransportV2(new URL(server.mcpUrl), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return client;
}

/** A raw JSON-RPC POST, for what the SDK clients would never send. */
export function post(server: TestServer, body: string, headers: Record<string, string> = {}, path = '/mcp') {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      ...headers,
    },
    body,
  });
}

export const initializeBody = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'raw-test', version: '0.0.1' },
  },
});

export interface HttpToolCall {
  readonly status: number;
  /** The tool's result when the call reached the tool. */
  readonly result?: {
    isError?: boolean;
    structuredContent?: Record<string, unknown>;
    content: { type: string; text: string }[];
  };
  /** The HTTP error body otherwise (401, 403 insufficient_scope…). */
  readonly error?: { code: string; reason?: string; message: string; scope?: string };
  readonly wwwAuthenticate: string | null;
}

/** One stateless `tools/call` over JSON-RPC with a bearer (an API key or an OAuth access token). */
export async function callToolOverHttp(
  server: TestServer,
  bearer: string,
  name: string,
  args: Record<string, unknown> = {},
): Promise<HttpToolCall> {
  const response = await post(
    server,
    JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
    { authorization: `Bearer ${bearer}` },
  );
  const body = (await response.json()) as { result?: HttpToolCall['result']; error?: HttpToolCall['error'] };
  return {
    status: response.status,
    ...(body.result && { result: body.result }),
    ...(response.status !== 200 && body.error && { error: body.error }),
    wwwAuthenticate: response.headers.get('www-authenticate'),
  };
}

/**
 * For the races on one key's writes: no anomaly rule suspends the key on its own (a budget
 * overrun, a burst of bulk changes), and the demo's per-member and per-address write limits are
 * out of the way, so that only what a test sets (a budget, a policy, a change) refuses a call.
 */
export async function onlyTheTestRefuses(server: TestServer): Promise<void> {
  await server.app.monitoring.settings.change(
    'demo',
    ANOMALY_RULES,
    { budgetOverrun: { enabled: false }, destructiveBurst: { enabled: false } },
    null,
  );
  await server.app.monitoring.settings.change(
    'demo',
    RATE_LIMITS_SECTION,
    { memberWritesPerMinute: 100_000, ipWritesPerMinute: 100_000 },
    null,
  );
}
