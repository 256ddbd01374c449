/**
 * The authorization server as the rest of Taskgate sees it: a Node request handler for the
 * OAuth endpoints and metadata, the consent backend for our pages, client administration,
 * and connection revocation. Around oidc-provider it adds what is ours: every token issued,
 * refused or revoked and every client registered is an audit event written before the
 * response leaves (if it cannot be written the client gets 503 and no token: fail closed);
 * Dynamic Client Registration is rate-limited per address in the database (shared by all
 * instances); and a grant oidc-provider revokes (code replay, refresh-token reuse, token
 * revocation) takes its connection with it, so the grant's access tokens die at once too;
 * so does a grant whose refresh token another client presents (`token-theft.ts`).
 * oidc-provider itself is loaded on first use (see `runtime`), never by importing this module.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Adapter, KoaContextWithOIDC, default as Provider } from 'oidc-provider';
import type { AuditLog } from '../audit/index.js';
import {
  type Clock,
  DATABASE_UNAVAILABLE_MESSAGE,
  type IdGenerator,
  type Random,
  RETRY_AFTER_SECONDS,
} from '../core/index.js';
import type { ConnectionService, KeyActor } from '../credentials/index.js';
import type { ApiKeyRecord } from '../model/index.js';
import { type ClientAdmin, createClientAdmin, DCR_PREFIX } from './clients.js';
import { type ConsentBackend, createConsentBackend } from './consent.js';
import { unavailablePage } from './pages.js';
import type { AuthorizationStore } from './ports.js';
import type { AdapterFactory, ProviderDeps } from './provider.js';
import { OAUTH_PATHS, OAUTH_ROUTES } from './routes.js';
import { findStolenRefreshToken, STOLEN_TOKEN_REASON, type StolenRefreshToken } from './token-theft.js';

const ROUTE_OF = new Map<string, 'token' | 'registration' | 'revocation'>([
  [OAUTH_ROUTES.token, 'token'],
  [OAUTH_ROUTES.registration, 'registration'],
  [OAUTH_ROUTES.revocation, 'revocation'],
]);

export interface RegistrationLimit {
  readonly perIp: number;
  readonly windowMs: number;
}
export const DEFAULT_REGISTRATION_LIMIT: RegistrationLimit = { perIp: 10, windowMs: 3_600_000 };

export interface AuthorizationServerDeps extends Omit<ProviderDeps, 'newId' | 'adapter' | 'store'> {
  readonly store: AuthorizationStore;
  /**
   * Whether an error means the database is out (storage classifies it): such a request is
   * answered 503 `temporarily_unavailable`, not oidc-provider's 500.
   */
  readonly isDatabaseOutage: (error: unknown) => boolean;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly random: Random;
  readonly connections: ConnectionService;
  readonly registrationLimit?: RegistrationLimit;
  readonly logger: { error(obj: unknown, msg: string): void };
}

export interface AuthorizationServer {
  /**
   * Serves the OAuth endpoints and the authorization-server metadata. `client.ip` is the
   * client address the HTTP layer resolved (trusted proxies included): audit, DCR limit.
   */
  handle(req: IncomingMessage, res: ServerResponse, client: { readonly ip: string | null }): Promise<void>;
  /** Paths `handle` serves: exact ones, and prefixes (ending in `/`). */
  readonly paths: readonly string[];
  readonly consent: ConsentBackend;
  readonly clients: ClientAdmin;
  /**
   * Revokes a connection (by id or name) and every token of its grant; `actor` is the
   * member doing it (the console), `null` or absent the operator's CLI.
   */
  revokeConnection(workspaceId: string, ref: string, actor?: KeyActor): Promise<ApiKeyRecord>;
  /** Deletes expired codes, tokens, sessions and old registration records; returns how many. */
  prune(): Promise<number>;
  /** Loads oidc-provider now instead of on the first OAuth request (a server calls it at start-up). */
  ready(): Promise<void>;
}

/** What exists only once oidc-provider is loaded. */
interface Runtime {
  readonly provider: Provider;
  readonly handle: AuthorizationServer['handle'];
  readonly consent: ConsentBackend;
}

export function createAuthorizationServer(deps: AuthorizationServerDeps): AuthorizationServer {
  const { store, audit, connections, isDatabaseOutage } = deps;
  const newId = (prefix: string) => `${prefix}${Buffer.from(deps.random.bytes(16)).toString('hex')}`;
  const limit = deps.registrationLimit ?? DEFAULT_REGISTRATION_LIMIT;

  // oidc-provider is imported when something first needs it, not with this module: a CLI
  // command that never touches OAuth (all but `serve`, `demo` and `oauth clients add`) then
  // neither pays for loading it nor prints its "Unsupported runtime" warning on Node 20 —
  // which the stdio bridge would put in the log of every Claude Desktop session.
  let loading: Promise<Runtime> | undefined;
  const runtime = () => {
    loading ??= loadRuntime();
    return loading;
  };

  async function loadRuntime(): Promise<Runtime> {
    const [{ createProvider, providerHandler }, { createOidcAdapter }] = await Promise.all([
      import('./provider.js'),
      import('./adapter.js'),
    ]);
    const OidcAdapter = createOidcAdapter({ store, clock: deps.clock });
    const adapter: AdapterFactory = (model) => revokingConnections(model, new OidcAdapter(model));
    const provider = createProvider({ ...deps, adapter, newId });
    instrument(provider);
    const consent = createConsentBackend({
      provider,
      mcpUrl: deps.mcpUrl,
      connections,
      store,
      audit,
      newConnectionId: () => deps.ids('connection'),
    });
    return { provider, handle: providerHandler(provider, deps.publicUrl), consent };
  }

  // A grant oidc-provider revokes takes its connection with it. `revoke` calls every token
  // model's adapter; the access-token one is always among them.
  function revokingConnections(model: string, base: Adapter): Adapter {
    if (model !== 'AccessToken') return base;
    // Shadow the one method on the instance itself: a wrapper object inheriting from `base`
    // would call the adapter's methods with itself as `this`, which has none of the class's
    // private fields — `AccessToken.find` threw, and the revocation endpoint answered 500.
    const revokeTokens = base.revokeByGrantId.bind(base);
    base.revokeByGrantId = async (grantId: string) => {
      await revokeTokens(grantId);
      await connections.revokeByGrant(grantId, 'the authorization server revoked the grant');
    };
    return base;
  }
  // Requests oidc-provider failed because the database is out: answered 503, not its 500.
  const outages = new WeakSet<object>();

  function instrument(provider: Provider) {
    // oidc-provider answers its own bugs with a bare 500: make them visible.
    provider.on('server_error', (ctx, error) => {
      if (isDatabaseOutage(error)) outages.add(ctx);
      else deps.logger.error({ err: error }, 'OAuth server error');
    });

    provider.use(async (ctx, next) => {
      try {
        await serve(ctx, next);
      } catch (error) {
        if (!isDatabaseOutage(error)) throw error;
        outages.add(ctx);
      }
      if (outages.has(ctx)) answerUnavailable(ctx);
    });
  }

  type Ctx = Parameters<Parameters<Provider['use']>[0]>[0];
  async function serve(ctx: Ctx, next: () => Promise<void>) {
    // ctx.oidc only exists once the router ran: tell the endpoints by path.
    const route = ROUTE_OF.get(ctx.path);
    if (route === 'registration' && ctx.method === 'POST' && !(await registrationAllowed(ctx))) return;
    await next();
    // Nothing to record while the database is out (the record could not be written either).
    if (outages.has(ctx)) return;

    const refusedAuthorization =
      ctx.status >= 400 &&
      (ctx.path === OAUTH_ROUTES.authorization || ctx.path.startsWith(`${OAUTH_ROUTES.authorization}/`));
    if (!refusedAuthorization && (!route || !ctx.oidc)) return;
    try {
      const oidcCtx = ctx as KoaContextWithOIDC;
      const stolen = route && ctx.oidc ? await findStolenRefreshToken(oidcCtx, route) : undefined;
      if (refusedAuthorization) await recordRefusedAuthorization(oidcCtx);
      else if (stolen) await revokeStolen(oidcCtx, stolen);
      else if (route) await recordOutcome(oidcCtx, route);
    } catch (error) {
      deps.logger.error({ err: error }, 'audit write failed: OAuth response withheld');
      ctx.status = 503;
      ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
      ctx.body = {
        error: 'temporarily_unavailable',
        error_description: 'audit log unavailable; nothing was issued',
      };
    }
  }

  /** RFC 6749 §4.1.2.1 `temporarily_unavailable`, as a page for a browser, else as JSON. */
  function answerUnavailable(ctx: Ctx) {
    ctx.status = 503;
    ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
    const description = `${DATABASE_UNAVAILABLE_MESSAGE}; nothing was issued`;
    if (ctx.accepts('json', 'html') === 'html') {
      ctx.type = 'html';
      ctx.body = unavailablePage(description);
    } else ctx.body = { error: 'temporarily_unavailable', error_description: description };
  }

  async function registrationAllowed(ctx: {
    ip: string;
    status: number;
    body: unknown;
    set(h: string, v: string): void;
  }) {
    const now = deps.clock.now();
    const admitted = await store.oauthRegistrations.admit(
      { id: deps.ids('oauthRegistration'), ip: ctx.ip || null, at: now.toISOString() },
      { since: new Date(now.getTime() - limit.windowMs).toISOString(), limit: limit.perIp },
    );
    if (admitted) return true;
    await audit.append({
      action: 'oauth.registration_refused',
      outcome: 'denied',
      errorCode: 'rate_limited',
      ip: ctx.ip,
    });
    ctx.status = 429;
    ctx.set('Retry-After', String(Math.ceil(limit.windowMs / 1000)));
    ctx.body = {
      error: 'invalid_request',
      error_description: `too many client registrations from this address (at most ${limit.perIp} per hour); try again later`,
    };
    return false;
  }

  /** An authorization request refused on an error page: bad redirect URI, PKCE, client, resource. */
  async function recordRefusedAuthorization(ctx: KoaContextWithOIDC) {
    const out = (ctx.state as { oauthError?: { error?: string; error_description?: string } }).oauthError;
    const client = ctx.oidc?.entities.Client;
    const params = ctx.oidc?.params ?? {};
    await audit.append({
      action: 'oauth.authorization_refused',
      outcome: 'denied',
      errorCode: out?.error ?? 'invalid_request',
      oauthClient: client ? { id: client.clientId, name: client.clientName ?? client.clientId } : null,
      ip: ctx.ip,
      userAgent: ctx.get('user-agent') || null,
      detail: {
        error: out?.error_description ?? null,
        clientId: typeof params.client_id === 'string' ? params.client_id : null,
        redirectUri: typeof params.redirect_uri === 'string' ? params.redirect_uri : null,
      },
    });
  }

  /** The stolen token's family dies, and its workspace's log says who presented it. */
  async function revokeStolen(ctx: KoaContextWithOIDC, stolen: StolenRefreshToken) {
    await store.oauthModels.revokeByGrantId(stolen.grantId);
    await store.oauthModels.destroy('Grant', stolen.grantId);
    const connection = await connections.revokeByGrant(stolen.grantId, STOLEN_TOKEN_REASON);
    const owned = await store.apiKeys.findOwnedById(stolen.accountId);
    const client = ctx.oidc.client;
    await audit.append({
      action: 'oauth.refresh_token_stolen',
      outcome: 'denied',
      errorCode: stolen.endpoint === 'token' ? 'invalid_grant' : 'revoked',
      ...(owned && {
        workspaceId: owned.workspace.id,
        memberId: owned.member.id,
        credentialId: owned.key.id,
        credentialName: owned.key.name,
        environment: owned.key.environment,
      }),
      oauthClient: client
        ? { id: client.clientId, name: client.clientName ?? client.clientId }
        : { id: stolen.presentedBy, name: stolen.presentedBy },
      ip: ctx.ip,
      userAgent: ctx.get('user-agent') || null,
      detail: {
        reason: STOLEN_TOKEN_REASON,
        endpoint: stolen.endpoint,
        issuedTo: owned?.key.oauthClientId ?? stolen.ownerClientId,
        presentedBy: stolen.presentedBy,
        connectionRevoked: connection !== undefined,
      },
    });
  }

  async function recordOutcome(ctx: KoaContextWithOIDC, route: 'token' | 'registration' | 'revocation') {
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    const ok = ctx.status < 400;
    const client = ctx.oidc.entities.Client;
    const clientRef = client ? { id: client.clientId, name: client.clientName ?? client.clientId } : null;
    const accountId =
      ctx.oidc.entities.Account?.accountId ??
      ctx.oidc.entities.RefreshToken?.accountId ??
      ctx.oidc.entities.AuthorizationCode?.accountId;
    const owned = accountId ? await store.apiKeys.findOwnedById(accountId) : undefined;
    const principal = owned && {
      workspaceId: owned.workspace.id,
      memberId: owned.member.id,
      credentialId: owned.key.id,
      credentialName: owned.key.name,
      environment: owned.key.environment,
    };
    const params = ctx.oidc.params ?? {};
    const action =
      route === 'registration'
        ? ok
          ? 'oauth.client_registered'
          : 'oauth.registration_refused'
        : route === 'revocation'
          ? 'oauth.token_revoked'
          : ok
            ? params.grant_type === 'refresh_token'
              ? 'oauth.token_refreshed'
              : 'oauth.token_issued'
            : 'oauth.token_refused';
    const registered =
      route === 'registration' && ok ? (body as { client_id?: string; client_name?: string }) : null;
    await audit.append({
      action,
      outcome: ok ? 'ok' : 'denied',
      errorCode: ok ? null : typeof body.error === 'string' ? body.error : 'invalid_request',
      ...principal,
      oauthClient: registered?.client_id
        ? { id: registered.client_id, name: registered.client_name ?? registered.client_id }
        : clientRef,
      ip: ctx.ip,
      userAgent: ctx.get('user-agent') || null,
      detail: {
        grantType: params.grant_type ?? null,
        scope: typeof body.scope === 'string' ? body.scope : null,
        error: ok ? null : (body.error_description ?? null),
      },
    });
  }

  return {
    handle: async (req, res, client) => (await runtime()).handle(req, res, client),
    paths: OAUTH_PATHS,
    consent: {
      load: async (...args) => (await runtime()).consent.load(...args),
      approve: async (...args) => (await runtime()).consent.approve(...args),
      decline: async (...args) => (await runtime()).consent.decline(...args),
      refuse: async (...args) => (await runtime()).consent.refuse(...args),
    },
    clients: createClientAdmin({
      provider: async () => (await runtime()).provider,
      store,
      audit,
      connections,
      newId,
      now: () => deps.clock.now(),
    }),
    async ready() {
      await runtime();
    },
    async prune() {
      const now = deps.clock.now();
      const models = await store.oauthModels.pruneExpired(now.toISOString());
      const since = new Date(now.getTime() - limit.windowMs).toISOString();
      return models + (await store.oauthRegistrations.deleteBefore(since));
    },
    async revokeConnection(workspaceId, ref, actor = null) {
      const revoked = await connections.revoke(workspaceId, ref, actor);
      if (revoked.oauthGrantId) await store.oauthModels.revokeByGrantId(revoked.oauthGrantId);
      return revoked;
    },
  };
}

export { DCR_PREFIX };
