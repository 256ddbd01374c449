/**
 * Every setting Taskgate reads, in one table: its zod schema, where it comes from
 * (environment variable and CLI flag) and a documentation line. `docs/configuration.md`
 * is generated from this table and a test keeps the two in step.
 */
import { z } from 'zod';
import {
  corsOriginList,
  DATABASE_TIMEOUT_DEFAULTS_MS,
  databaseUrl,
  hostPortList,
  milliseconds,
  PROXY_HEADERS,
  perMinute,
  port,
  publicUrl,
  redisUrl,
  secretKey,
  trustedProxyList,
  wholeMs,
} from './setting-values.js';

export {
  DATABASE_TIMEOUT_DEFAULTS_MS,
  PROXY_HEADERS,
  type ProxyHeader,
} from './setting-values.js';

export const ENVIRONMENTS = ['development', 'staging', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface SettingDoc {
  readonly env: string;
  readonly flag?: string;
  readonly doc: string;
  readonly defaultText: string;
}

export const SETTINGS = {
  databaseUrl: {
    schema: databaseUrl.optional(),
    env: 'TASKGATE_DATABASE_URL',
    flag: '--db',
    doc: 'Database: `sqlite:<file>` (embedded, WAL) or `postgres://user@host:port/db` (add `?schema=name` to use a schema other than `public`).',
    defaultText: '`sqlite:<data dir>/taskgate.db`',
  },
  host: {
    schema: z.string().trim().min(1, 'must not be empty').default('127.0.0.1'),
    env: 'TASKGATE_HOST',
    flag: '--host',
    doc: 'Interface the HTTP server binds to. Keep the loopback default unless a reverse proxy needs otherwise.',
    defaultText: '`127.0.0.1`',
  },
  port: {
    schema: port.default(8787),
    env: 'TASKGATE_PORT',
    flag: '--port',
    doc: 'TCP port of the HTTP server (`0` picks a free port).',
    defaultText: '`8787`',
  },
  publicUrl: {
    schema: publicUrl.optional(),
    env: 'TASKGATE_PUBLIC_URL',
    flag: '--public-url',
    doc: 'The origin clients use to reach this server. Every URL Taskgate emits is built from it, never from the Host header.',
    defaultText: '`http://<host>:<port>`',
  },
  environment: {
    schema: z
      .enum(ENVIRONMENTS, { message: `must be one of ${ENVIRONMENTS.join(', ')}` })
      .default('development'),
    env: 'TASKGATE_ENVIRONMENT',
    doc: 'Deployment environment: `development`, `staging` or `production`. Decides safe defaults such as write-confirmation policy.',
    defaultText: '`development`',
  },
  dataDir: {
    schema: z.string().trim().min(1, 'must not be empty').default('./data'),
    env: 'TASKGATE_DATA_DIR',
    doc: 'Local state: the default SQLite file and the generated secret key. Default: `data` in the project root (nearest directory upwards with a `package.json`), else in the current directory.',
    defaultText: '`<project root>/data`',
  },
  secretKey: {
    schema: secretKey.optional(),
    env: 'TASKGATE_SECRET_KEY',
    doc: 'Root secret for HMACs and signing keys. If unset, one is generated into `<data dir>/secret.key` (mode 0600) on first start. Instances sharing a database must share it.',
    defaultText: 'generated',
  },
  databaseConnectTimeoutMs: {
    schema: milliseconds(600_000).default(DATABASE_TIMEOUT_DEFAULTS_MS.connect),
    env: 'TASKGATE_DATABASE_CONNECT_TIMEOUT_MS',
    doc: 'PostgreSQL: how long to wait for a new connection, or for a free one from the pool of 10, before the request answers 503 (`Retry-After`).',
    defaultText: `\`${DATABASE_TIMEOUT_DEFAULTS_MS.connect}\``,
  },
  databaseStatementTimeoutMs: {
    schema: milliseconds(3_600_000).default(DATABASE_TIMEOUT_DEFAULTS_MS.statement),
    env: 'TASKGATE_DATABASE_STATEMENT_TIMEOUT_MS',
    doc: 'PostgreSQL: `statement_timeout` of every connection; the client also gives up on a statement 1 s after it (a paused or unreachable server cannot cancel it) and answers 503. Migrations run without it.',
    defaultText: `\`${DATABASE_TIMEOUT_DEFAULTS_MS.statement}\``,
  },
  databaseIdleInTransactionTimeoutMs: {
    schema: milliseconds(3_600_000).default(DATABASE_TIMEOUT_DEFAULTS_MS.idleInTransaction),
    env: 'TASKGATE_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS',
    doc: 'PostgreSQL: `idle_in_transaction_session_timeout`: the server ends a session that holds a transaction open this long without a statement, so a stuck instance cannot hold locks for ever.',
    defaultText: `\`${DATABASE_TIMEOUT_DEFAULTS_MS.idleInTransaction}\``,
  },
  shutdownDrainDelayMs: {
    schema: wholeMs(120_000).default(0),
    env: 'TASKGATE_SHUTDOWN_DRAIN_DELAY_MS',
    doc: 'On SIGTERM/SIGINT, how long `/readyz` answers 503 while the server still takes requests, so a load balancer takes the instance out before its listener closes. Behind one, at least its health-check interval × fall count plus one interval (HAProxy `inter 1s fall 2`: `3000`). `0` (no load balancer to tell) stops at once.',
    defaultText: '`0`',
  },
  shutdownTimeoutMs: {
    schema: wholeMs(600_000).default(10_000),
    env: 'TASKGATE_SHUTDOWN_TIMEOUT_MS',
    doc: 'After the listener closes, how long requests in flight may take to finish before their connections are closed. Keep drain delay + this under the kill grace of what stops the process (`docker stop` waits 10 s, Kubernetes 30 s, systemd 90 s).',
    defaultText: '`10000`',
  },
  mcpMaxMessagesPerRequest: {
    schema: z.coerce
      .number({ message: 'must be a whole number 1-100' })
      .int('must be a whole number 1-100')
      .min(1, 'must be a whole number 1-100')
      // The MCP SDK refuses a batch of more than 100 messages whatever this says.
      .max(100, 'must be a whole number 1-100')
      .default(10),
    env: 'TASKGATE_MCP_MAX_MESSAGES_PER_REQUEST',
    doc: 'The most JSON-RPC messages (tool calls, lists, notifications) one `POST /mcp` may carry as a batch (2025-03-26 clients; later protocol revisions send one per request). A longer batch is refused with JSON-RPC error `-32600`, HTTP 400, before any of it runs, and recorded.',
    defaultText: '`10`',
  },
  rateLimitFailedAuthPerMinute: {
    schema: perMinute(20),
    env: 'TASKGATE_RATE_LIMIT_FAILED_AUTH_PER_MINUTE',
    doc: 'Failed authentications on `/mcp` one client address may make per minute (bad, expired or revoked keys and tokens) before every request from it answers 429 for the rest of the minute, a correct key included. A person mistyping or a client with a stale key fails a handful of times.',
    defaultText: '`20`',
  },
  rateLimitOauthPerMinute: {
    schema: perMinute(120),
    env: 'TASKGATE_RATE_LIMIT_OAUTH_PER_MINUTE',
    doc: 'Requests to the OAuth endpoints (`/oauth/*`: registration, authorize, token, revoke) one client address may make per minute; over it, 429. A sign-in through OAuth takes under ten.',
    defaultText: '`120`',
  },
  rateLimitLoginPerMinute: {
    schema: perMinute(30),
    env: 'TASKGATE_RATE_LIMIT_LOGIN_PER_MINUTE',
    doc: 'Requests to the console sign-in (`/login`, `/admin/login`) one client address may make per minute; over it, 429. The per-member failure lockout of the sign-in still applies beneath it.',
    defaultText: '`30`',
  },
  redisUrl: {
    schema: redisUrl.optional(),
    env: 'TASKGATE_REDIS_URL',
    doc: 'Redis (`redis://host:6379`, `rediss://…`) holding the rate-limit counters that instances share. Unset: counters live in PostgreSQL (table `rate_limits`) when the database is one, else in memory (one instance).',
    defaultText: 'none',
  },
  logLevel: {
    schema: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    env: 'TASKGATE_LOG_LEVEL',
    doc: 'Minimum level of the JSON log written to stderr.',
    defaultText: '`info`',
  },
  corsOrigins: {
    schema: corsOriginList.default([]),
    env: 'TASKGATE_CORS_ORIGINS',
    doc: 'Comma-separated origins (`https://app.example.com`) whose web pages may call `/mcp` and the OAuth endpoints from a browser (CORS). Each must match exactly; `*` is refused. Empty: no cross-origin browser access.',
    defaultText: 'none',
  },
  trustedProxies: {
    schema: trustedProxyList.default([]),
    env: 'TASKGATE_TRUSTED_PROXIES',
    doc: "CIDR blocks of the reverse proxies in front (`10.0.0.0/8,2001:db8::/32`; an address is one host). Only a request from one may name the client: the rightmost hop of `trustedProxyHeader` that is not a proxy. Others' headers are ignored. Empty: the TCP peer is the client.",
    defaultText: 'none',
  },
  trustedProxyHeader: {
    schema: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(PROXY_HEADERS, { message: 'must be x-forwarded-for or forwarded' }))
      .default('x-forwarded-for'),
    env: 'TASKGATE_TRUSTED_PROXY_HEADER',
    doc: 'The one header the trusted proxies append the client address to: `x-forwarded-for` or `forwarded` (RFC 7239, `for=`). The other is never read, so a client cannot slip one past a proxy that only writes the other.',
    defaultText: '`x-forwarded-for`',
  },
  metricsToken: {
    schema: secretKey.optional(),
    env: 'TASKGATE_METRICS_TOKEN',
    doc: 'Bearer token a Prometheus scraper sends to read `/metrics` (at least 32 characters). Unset: `/metrics` answers 404.',
    defaultText: 'none (no `/metrics`)',
  },
  otelExporterUrl: {
    schema: z
      .string()
      .trim()
      .refine((value) => /^https?:\/\//.test(value) && URL.canParse(value), {
        message: 'must be an http(s) URL, e.g. http://127.0.0.1:4318/v1/traces',
      })
      .optional(),
    env: 'TASKGATE_OTEL_EXPORTER_URL',
    doc: 'OTLP/HTTP endpoint (JSON) that receives OpenTelemetry traces of MCP calls and database queries, e.g. `http://127.0.0.1:4318/v1/traces`. Unset: no tracing.',
    defaultText: 'none (no tracing)',
  },
  oauthCimdTestHosts: {
    schema: hostPortList.default([]),
    env: 'TASKGATE_OAUTH_CIMD_TEST_HOSTS',
    doc: 'Test only, refused in production: comma-separated `host:port` pairs whose Client ID Metadata Documents are fetched even though they resolve to a private or loopback address (the end-to-end tests serve one on 127.0.0.1).',
    defaultText: 'none',
  },
  oauthCimdTestCaFile: {
    schema: z.string().trim().min(1, 'must not be empty').optional(),
    env: 'TASKGATE_OAUTH_CIMD_TEST_CA_FILE',
    doc: 'Test only, refused in production: PEM file of a CA trusted, instead of the system CAs, for the `oauthCimdTestHosts` only.',
    defaultText: 'none',
  },
  smtpUrl: {
    schema: z
      .string()
      .trim()
      .regex(
        /^smtps?:\/\/[^\s]+$/,
        'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587',
      )
      .optional(),
    env: 'TASKGATE_SMTP_URL',
    doc: 'SMTP server for notification emails (`smtp://user:pass@host:587` with STARTTLS, `smtps://…:465` for implicit TLS). Unset: no email is sent; webhooks still are.',
    defaultText: 'none',
  },
  notifyFrom: {
    schema: z.string().trim().min(3, 'must be an address').max(320).default('Taskgate <taskgate@localhost>'),
    env: 'TASKGATE_NOTIFY_FROM',
    doc: 'The `From` of notification emails, e.g. `Taskgate <security@example.com>`.',
    defaultText: '`Taskgate <taskgate@localhost>`',
  },
  webhookTestHosts: {
    schema: hostPortList.default([]),
    env: 'TASKGATE_WEBHOOK_TEST_HOSTS',
    doc: 'Test only, refused in production: comma-separated `host:port` pairs webhooks may reach over http or at a private or loopback address (the tests run a receiver on 127.0.0.1).',
    defaultText: 'none',
  },
} as const;

export type SettingName = keyof typeof SETTINGS;

export const configSchema = z
  .object(
    Object.fromEntries(Object.entries(SETTINGS).map(([name, setting]) => [name, setting.schema])) as {
      [K in SettingName]: (typeof SETTINGS)[K]['schema'];
    },
  )
  .strict()
  .superRefine((value, context) => {
    // SECURITY: the CIMD test escape hatches switch off SSRF checks; never in production.
    if (value.environment !== 'production') return;
    const message = 'is test-only and must not be set when environment is production';
    if (value.oauthCimdTestHosts.length > 0)
      context.addIssue({ code: 'custom', path: ['oauthCimdTestHosts'], message });
    if (value.webhookTestHosts.length > 0)
      context.addIssue({ code: 'custom', path: ['webhookTestHosts'], message });
    if (value.oauthCimdTestCaFile !== undefined) {
      context.addIssue({ code: 'custom', path: ['oauthCimdTestCaFile'], message });
    }
  });
