/**
 * SECURITY: the authorization server is `oidc-provider` (OpenID-certified), embedded on our
 * origin; this file is its configuration and the places where our rules go beyond its
 * defaults. Authorization code + PKCE S256 only; the access token's audience is the MCP URL
 * (RFC 8707: another resource is `invalid_target`, none means the MCP URL); access tokens
 * are 10-minute JWTs signed with an Ed25519 key derived from the instance secret, so every
 * instance issues and checks the same; refresh tokens rotate on every use and oidc-provider
 * revokes the whole grant when a used one comes back. The subject of every token is an
 * OAuth connection (our credential), so a revoked connection stops refresh at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, { type Adapter, type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Ed25519KeyPair } from '../core/index.js';
import { CHALLENGE_SCOPES, isScope, SCOPES } from '../credentials/index.js';
import { DCR_PREFIX } from './clients.js';
import { errorPage } from './pages.js';
import type { StepUpStore } from './ports.js';
import { checkRedirectUris } from './redirect-uris.js';
import { ACCESS_TOKEN_TTL_S, OAUTH_ROUTES } from './routes.js';
import { pendingStepUp } from './step-up.js';

/** Lifetimes in seconds (the access token's is in routes.ts). */
const CODE_TTL_S = 60;
const INTERACTION_TTL_S = 600;
const REFRESH_TOKEN_TTL_S = 30 * 86_400;
const GRANT_TTL_S = 90 * 86_400;

export type AdapterFactory = (model: string) => Adapter;
export type MetadataFetch = (url: string | URL, options: RequestInit) => Promise<Response>;

export interface ProviderDeps {
  readonly publicUrl: string;
  readonly mcpUrl: string;
  /** Where oidc-provider sends the browser to sign in and consent (our page). */
  readonly consentPath: string;
  readonly signingKey: Ed25519KeyPair;
  readonly cookieKey: string;
  readonly adapter: AdapterFactory;
  readonly store: StepUpStore;
  /** The SSRF-safe fetcher for client ID metadata documents (and any other fetch). */
  readonly fetch: MetadataFetch;
  readonly newId: (prefix: string) => string;
}

export function createProvider(deps: ProviderDeps): Provider {
  const { mcpUrl } = deps;
  const resourceServer = {
    scope: SCOPES.join(' '),
    audience: mcpUrl,
    accessTokenTTL: ACCESS_TOKEN_TTL_S,
    accessTokenFormat: 'jwt' as const,
    jwt: { sign: { alg: 'EdDSA' as const } },
  };
  const jwk = {
    ...deps.signingKey.privateKey.export({ format: 'jwk' }),
    kid: deps.signingKey.keyId,
    alg: 'EdDSA',
    use: 'sig',
  };

  const configuration: Configuration = {
    adapter: deps.adapter as unknown as Configuration['adapter'],
    jwks: { keys: [jwk] },
    cookies: { keys: [deps.cookieKey] },
    routes: { ...OAUTH_ROUTES },
    // Clients register with the scopes they will ask for, so all are known here; the access
    // token's scopes come from the MCP resource below.
    scopes: ['offline_access', ...SCOPES],
    responseTypes: ['code'],
    pkce: { required: () => true },
    // RFC 6749 §3.3 lets a request leave `scope` out; the server then applies a documented
    // default: the scopes our 401 challenge names. The validator runs after oidc-provider's
    // own scope checks and before the interaction saves the request, so the consent page, the
    // grant and the code all see the same scopes. A `scope` naming none of ours (only
    // `offline_access`, or unknown names) would leave the member nothing to grant: refused
    // here as `invalid_scope`, which goes back to the client's redirect URI.
    extraParams: {
      scope(ctx) {
        const params = ctx.oidc.params;
        if (!params) return;
        if (params.scope === undefined) {
          params.scope = CHALLENGE_SCOPES.join(' ');
          return;
        }
        const asked = String(params.scope);
        if (!asked.split(' ').some(isScope))
          throw new errors.InvalidScope(`ask for at least one of: ${SCOPES.join(' ')}`, asked);
      },
    },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: 'EdDSA',
    },
    enabledJWA: { idTokenSigningAlgValues: ['EdDSA'] },
    // Our rule for redirect URIs (https, or http on a loopback address), applied to every
    // client however it arrived: DCR, a metadata document, or `taskgate oauth clients add`.
    extraClientMetadata: {
      properties: ['taskgate_checked'],
      validator(_ctx, key, _value, metadata) {
        if (key !== 'taskgate_checked') return;
        const problem = checkRedirectUris(metadata.redirect_uris ?? []);
        // InvalidRedirectUri ignores a description argument; the client needs ours.
        if (problem.error)
          throw Object.assign(new errors.InvalidRedirectUri(), { error_description: problem.error });
        // RFC 8252 §7.3: a loopback redirect may come back on any port. oidc-provider allows
        // that for native clients only, so a client with one is native.
        if (problem.loopback) metadata.application_type = 'native';
        metadata.taskgate_checked = undefined;
        // A registered `scope` would cap later requests and break step-up; what a client
        // gets is decided on the consent page, scope by scope.
        metadata.scope = undefined;
      },
    },
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      introspection: { enabled: false },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      revocation: { enabled: true, allowedPolicy: ownTokensOnly },
      registration: {
        enabled: true,
        initialAccessToken: false,
        idFactory: () => deps.newId(DCR_PREFIX),
      },
      clientIdMetadataDocument: { enabled: true, ack: 'draft-02' },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => mcpUrl,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, resource) {
          if (resource !== mcpUrl)
            throw new errors.InvalidTarget(`unknown resource; the only one is ${mcpUrl}`);
          return resourceServer;
        },
      },
    },
    // Every authorization shows our consent page: a human sees each new client and each
    // step-up. Only the grant this very interaction's consent produced counts, never one an
    // earlier consent left in the browser's session.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return typeof grantId === 'string' ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    interactions: { url: (_ctx, interaction) => `${deps.consentPath}/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const owned = await deps.store.apiKeys.findOwnedById(sub);
      if (owned?.key.kind !== 'oauth' || owned.key.revokedAt !== null) return undefined;
      return { accountId: sub, claims: () => ({ sub }) };
    },
    // The grant a token came from: /mcp refuses a token whose connection moved to another grant.
    extraTokenClaims: (_ctx, token) => ({ gid: 'grantId' in token ? token.grantId : undefined }),
    // Issue 13 (9): a refresh token goes to every client registered for the refresh_token
    // grant whose member consented (the consent page says it stays connected), whether or not
    // the request carried OpenID's `offline_access` + `prompt=consent`. Such a grant holds
    // `offline_access`; its code and tokens must then outlive the short sign-in session.
    issueRefreshToken: (ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') &&
      (code.scopes.has('offline_access') || staysConnected(ctx.oidc.entities.Grant)),
    expiresWithSession: (ctx, token) =>
      !token.scopes.has('offline_access') && !staysConnected(ctx.oidc.entities.Grant),
    // RFC 9700 §4.14.2: every refresh rotates, and a used one coming back revokes the grant.
    // Asked before anything is consumed, so a refresh refused here leaves the token valid.
    rotateRefreshToken: async (ctx) => {
      const token = ctx.oidc.entities.RefreshToken;
      const scope = token && (await pendingStepUp(deps.store, token.accountId));
      if (scope !== undefined)
        // oidc-provider keeps a constructor's detail out of the answer: set what the client reads.
        throw Object.assign(new errors.InvalidGrant(), {
          error_description: `this connection was asked to step up${scope ? ` to "${scope}"` : ''}, which a refresh cannot grant; authorize again`,
        });
      return true;
    },
    // Every revocation oidc-provider makes (a client revoking its token, a replayed code or
    // refresh token) takes the whole grant, and with it the connection. Its default spares the
    // grant when an opaque access token is revoked; ours are JWTs, so we say it plainly.
    revokeGrantPolicy: () => true,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_S,
      AuthorizationCode: CODE_TTL_S,
      Interaction: INTERACTION_TTL_S,
      Session: INTERACTION_TTL_S,
      RefreshToken: REFRESH_TOKEN_TTL_S,
      Grant: GRANT_TTL_S,
    },
    fetch: deps.fetch as Configuration['fetch'],
    renderError(ctx: KoaContextWithOIDC, out) {
      // Kept for the audit record the wrapper writes about this refusal.
      (ctx.state as { oauthError?: unknown }).oauthError = out;
      ctx.type = 'html';
      ctx.body = errorPage(out.error, out.error_description);
    },
  };
  const provider = new Provider(deps.publicUrl, configuration);
  // SECURITY: Koa then reads scheme, host and client address from X-Forwarded-*, which
  // `providerHandler` always overwrites with the public URL and the resolved address: what
  // any client sent there is never seen.
  provider.proxy = true;
  return provider;
}

/** Whether the member's consent let this grant renew itself (see `issueRefreshToken`). */
function staysConnected(grant: { getOIDCScope(): string } | undefined): boolean {
  return grant?.getOIDCScope().split(' ').includes('offline_access') ?? false;
}

/**
 * RFC 7009 §2.1: a client revokes only tokens issued to it; the revocation then takes the
 * whole grant (`revokeGrantPolicy`: one revoked refresh token ends the connection). Another client's token is left alone here and the answer is 200
 * either way (§2.2, so the answer says nothing about the token); the authorization server's
 * theft check then treats it as stolen, exactly as at the token endpoint.
 */
function ownTokensOnly(_ctx: KoaContextWithOIDC, client: { clientId: string }, token: { clientId?: string }) {
  return token.clientId === client.clientId;
}

/**
 * oidc-provider as a Node request handler (it is a Koa app). Every URL it builds (RFC 8414
 * metadata, `registration_client_uri`), its cookies' Secure flag and `ctx.ip` come from the
 * public URL and the address the HTTP layer resolved, never from the request's Host, scheme
 * or forwarding headers: behind TLS termination the socket says http, and a Host is anyone's.
 */
export function providerHandler(provider: Provider, publicUrl: string) {
  const callback = provider.callback();
  const { protocol, host } = new URL(publicUrl);
  const scheme = protocol.slice(0, -1);
  return (req: IncomingMessage, res: ServerResponse, client: { readonly ip: string | null }) => {
    req.headers['x-forwarded-proto'] = scheme;
    req.headers['x-forwarded-host'] = host;
    if (client.ip === null) delete req.headers['x-forwarded-for'];
    else req.headers['x-forwarded-for'] = client.ip;
    return callback(req, res) as Promise<void>;
  };
}
