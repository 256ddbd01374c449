/**
 * The HTTP application: one Hono app on one origin. Today it serves health; the MCP,
 * OAuth and admin surfaces mount here later. Every error leaves through `toHttpError`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import {
  type AdminUiDeps,
  adminNotFound,
  isAdminUiPath,
  mountAdminUi,
  unavailablePage,
} from '../admin-ui/index.js';
import type { AuditPublicKey } from '../audit/index.js';
import { AppError, toAppError } from '../core/index.js';
import { setAnsweredHeaders } from './answered-headers.js';
import { type ClientAddress, createClientAddress, type TrustedProxies } from './client-address.js';
import { CORS_ROUTES, corsFor } from './cors.js';
import { type McpRouteDeps, mountMcp } from './mcp-route.js';
import { type MetricsEndpoint, mountMetrics } from './metrics-route.js';
import { mountAddressLimits } from './rate-limit.js';
import { type DrainSwitch, type HealthProbe, readiness } from './readiness.js';
import { RETRY_AFTER, toHttpError } from './to-http-error.js';
import { mountWellKnown } from './well-known.js';

export type { HealthProbe };

/**
 * Sent on every response when the public URL is https (whoever terminates TLS): browsers then
 * never try plain http to this host for a year. No `includeSubDomains`: that would bind every
 * sibling host of the domain, which is not ours to decide.
 */
export const HSTS = 'max-age=31536000';

/** A load balancer's probe gets its answer within this, even from a paused database. */
export const READY_TIMEOUT_MS = 2000;

export interface HttpDeps {
  readonly database: HealthProbe;
  /** Turned on when the server starts shutting down: `/readyz` answers 503 from then on. */
  readonly drain?: Pick<DrainSwitch, 'draining'>;
  readonly version: string;
  readonly logger: Logger;
  readonly publicUrl: string;
  /** Origins whose pages may call /mcp and the OAuth endpoints from a browser (CORS); empty: none. */
  readonly corsOrigins: readonly string[];
  /** The reverse proxies whose forwarding header names the client address; no blocks: none. */
  readonly trustedProxies: TrustedProxies;
  /** Public keys of the audit checkpoint signer, published under /.well-known. */
  readonly auditKeys: readonly AuditPublicKey[];
  readonly mcp: Omit<McpRouteDeps, 'publicUrl' | 'logger' | 'corsOrigins' | 'clientAddress'>;
  /** The sign-in and admin pages; left out, only the machine endpoints are served. */
  readonly adminUi?: Omit<AdminUiDeps, 'publicUrl' | 'clientAddress'>;
  /** Prometheus metrics behind a Bearer token; left out (no token configured), no /metrics. */
  readonly metrics?: MetricsEndpoint;
  /** The embedded OAuth authorization server; left out, /mcp takes API keys only. */
  readonly oauth?: OAuthEndpoints;
}

/** The authorization server's endpoints: a Node handler and the paths it owns (`…/` = prefix). */
export interface OAuthEndpoints {
  /** `client.ip`: the address `clientAddress` resolved, which is all the handler may believe. */
  handle(req: IncomingMessage, res: ServerResponse, client: { readonly ip: string | null }): Promise<void>;
  readonly paths: readonly string[];
}

/**
 * oidc-provider is a Koa app: it gets the raw Node request (its body unread) and writes the
 * response itself. Only through the Node server (`listen`), which every deployment uses.
 */
function mountOAuth(app: Hono, oauth: OAuthEndpoints, clientAddress: ClientAddress, https: boolean): void {
  for (const path of oauth.paths) {
    app.all(path.endsWith('/') ? `${path}*` : path, async (c) => {
      const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
      if (!env?.incoming || !env.outgoing) throw new Error('the OAuth endpoints need the Node server');
      // Written by oidc-provider itself, past the Hono middleware that adds it elsewhere.
      if (https) env.outgoing.setHeader('Strict-Transport-Security', HSTS);
      await oauth.handle(env.incoming, env.outgoing, { ip: clientAddress(c) });
      return RESPONSE_ALREADY_SENT;
    });
  }
}

export function createHttpApp(deps: HttpDeps): Hono {
  const { database, version, logger, publicUrl } = deps;
  const app = new Hono();
  const clientAddress = createClientAddress(deps.trustedProxies);
  const https = new URL(publicUrl).protocol === 'https:';

  const everyResponse = {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    ...(https && { 'Strict-Transport-Security': HSTS }),
  };
  app.use(async (c, next) => {
    await next();
    setAnsweredHeaders(c, everyResponse);
  });

  // Liveness: the process answers. Never the database: an orchestrator that restarted every
  // instance whenever the database blinked would turn an outage into a longer one.
  app.get('/healthz', (c) => c.json({ status: 'ok', version, database: database.kind }));

  // Readiness, for load balancers: the database answers and has every migration.
  app.get('/readyz', async (c) => {
    const ready = await readiness(database, READY_TIMEOUT_MS, deps.drain);
    const about = { version, database: database.kind };
    if (ready.status === 'ready') return c.json({ status: 'ready', ...about });
    if (ready.reason !== 'shutting_down')
      logger.warn({ err: ready.error, reason: ready.reason }, 'not ready');
    c.header('Retry-After', RETRY_AFTER);
    const pending = ready.pending ? { pending: ready.pending } : {};
    return c.json({ status: 'unavailable', reason: ready.reason, ...pending, ...about }, 503);
  });

  if (deps.metrics) mountMetrics(app, deps.metrics);

  // Before every route it covers, so a preflight never reaches authentication.
  for (const route of CORS_ROUTES) {
    if (route.nodeWritten && !deps.oauth) continue;
    app.use(route.path, corsFor({ origins: deps.corsOrigins, route }));
  }
  if (deps.mcp.rateLimits)
    mountAddressLimits(app, deps.mcp.rateLimits, deps.oauth?.paths ?? [], clientAddress);
  mountWellKnown(app, publicUrl, deps.auditKeys, deps.oauth !== undefined);
  if (deps.oauth) mountOAuth(app, deps.oauth, clientAddress, https);
  mountMcp(app, { ...deps.mcp, publicUrl, logger, corsOrigins: deps.corsOrigins, clientAddress });
  if (deps.adminUi) mountAdminUi(app, { ...deps.adminUi, publicUrl, clientAddress });

  app.notFound((c) => {
    // A person at a console URL gets a page, not JSON.
    const page = deps.adminUi ? adminNotFound(c) : undefined;
    if (page) return page;
    const { status, body } = toHttpError(
      new AppError('not_found', `no route for ${c.req.method} ${c.req.path}`),
    );
    return c.json(body, status);
  });

  app.onError((error, c) => {
    const appError = toAppError(error);
    if (appError.code === 'internal') logger.error({ err: error, path: c.req.path }, 'unhandled error');
    const { status, body, headers } = toHttpError(appError);
    if (appError.code === 'unavailable') logger.warn({ err: error, path: c.req.path }, 'answered 503');
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    // A person at a page gets a page, not JSON.
    if (status === 503 && deps.adminUi && isAdminUiPath(c.req.path))
      return c.html(unavailablePage(appError.publicMessage), 503);
    return c.json(body, status);
  });

  return app;
}
