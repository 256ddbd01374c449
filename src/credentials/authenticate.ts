/**
 * SECURITY: turns a bearer token into a Principal, or a tagged reason it cannot. Order:
 * format and checksum (no database), lookup by SHA-256, revoked, rotated out, expired,
 * environment, IP allow-list, member. Each reason has one precise public message that
 * speaks only of the key presented, never of other keys. Given the audit log, the first use
 * of a key after its expiry also records `key.expired` (once per key).
 */
import type { AuditLog } from '../audit/index.js';
import type { Clock, Result } from '../core/index.js';
import { err, ok } from '../core/index.js';
import type { ApiKeyRecord, CredentialKind, KeySuspension, Member, Workspace } from '../model/index.js';
import type { Store } from '../storage/index.js';
import { type AccessTokenVerifier, looksLikeJwt } from './access-token.js';
import { hashApiKey as hashOf, parseApiKey } from './api-key-format.js';
import { ipAllowed, normalizeIp } from './ip-allow.js';
import { recordKeyExpiry } from './key-expiry.js';
import { effectiveScopes, type Scope } from './scopes.js';

export type AuthFailureReason =
  | 'missing'
  | 'malformed'
  | 'bad_checksum'
  | 'unknown'
  | 'revoked'
  | 'rotated'
  | 'expired'
  | 'wrong_environment'
  | 'ip_not_allowed'
  | 'invalid_token'
  | 'oauth_required';

export interface AuthFailure {
  readonly reason: AuthFailureReason;
  readonly message: string;
  /** Set when the key itself was identified (for the audit trail). */
  readonly key?: ApiKeyRecord;
}

export interface Principal {
  readonly workspace: Workspace;
  readonly member: Member;
  readonly credential: {
    readonly kind: CredentialKind;
    /** For an OAuth connection: the client it was granted to. */
    readonly oauthClient: { readonly id: string; readonly name: string } | null;
    readonly id: string;
    readonly name: string;
    readonly environment: string;
    /** Effective: granted (∩ the access token's scopes) ∩ role ceiling, minus writes when read-only. */
    readonly scopes: readonly Scope[];
    readonly grantedScopes: readonly string[];
    readonly projectIds: readonly string[] | null;
    readonly readOnly: boolean;
    readonly dryRunOnly: boolean;
    readonly expiresAt: string;
    readonly graceUntil: string | null;
    /** When the key was rotated out (it then acts only until `graceUntil`). */
    readonly replacedAt: string | null;
    readonly lastUsedAt: string | null;
    readonly lastUsedIp: string | null;
    readonly lastUsedClient: string | null;
    /** Set while suspended: `readOnly`/`dryRunOnly` above already include it. */
    readonly suspension?: KeySuspension | null;
  };
}

export interface AuthRequest {
  readonly token: string | undefined;
  readonly ip: string | null;
}

const MESSAGES: Record<Exclude<AuthFailureReason, 'wrong_environment' | 'expired' | 'rotated'>, string> = {
  missing: 'missing API key: send it as "Authorization: Bearer <key>"',
  malformed: 'malformed API key: expected tg_<env>_<random>_<checksum>',
  bad_checksum: 'API key checksum does not match: the key was mistyped or truncated',
  unknown: 'unknown API key',
  revoked: 'this API key was revoked; ask for a new one',
  ip_not_allowed: 'this API key may not be used from this address',
  invalid_token: 'invalid or expired access token: authorize again',
  oauth_required: 'this workspace accepts OAuth access tokens only: connect with OAuth instead of an API key',
};

const fail = (reason: keyof typeof MESSAGES, key?: ApiKeyRecord): Result<never, AuthFailure> =>
  err({ reason, message: MESSAGES[reason], ...(key && { key }) });

export interface AuthenticatorDeps {
  readonly store: Pick<Store, 'apiKeys' | 'audit' | 'transaction'>;
  readonly clock: Clock;
  readonly audit?: AuditLog;
  /** Verifies OAuth access tokens; without it only API keys are accepted. */
  readonly accessTokens?: AccessTokenVerifier;
}

export function createAuthenticator(deps: AuthenticatorDeps) {
  const { store, clock } = deps;
  return async function authenticate(request: AuthRequest): Promise<Result<Principal, AuthFailure>> {
    if (!request.token) return fail('missing');
    if (deps.accessTokens && looksLikeJwt(request.token)) {
      return authenticateAccessToken({ ...deps, accessTokens: deps.accessTokens }, request.token);
    }
    const parsed = parseApiKey(request.token);
    if (!parsed.ok) return fail(parsed.error);
    const owned = await store.apiKeys.findOwnedByHash(hashOf(request.token));
    if (!owned) {
      const served = await store.apiKeys.servedEnvironments();
      if (!served.includes(parsed.value.environment)) {
        return err({
          reason: 'wrong_environment',
          message: `this is a ${parsed.value.environment} key, but this server serves ${served.join(', ') || 'no'} workspaces`,
        });
      }
      return fail('unknown');
    }
    const { key, workspace, member } = owned;
    const refusal = keyRefusal(key, workspace, clock.now().getTime());
    if (refusal?.reason === 'expired' && deps.audit) {
      // SECURITY: if this record cannot be written the call throws: the caller fails closed.
      await recordKeyExpiry({ store, audit: deps.audit }, key, request.ip);
    }
    if (refusal) return err(refusal);
    if (!ipAllowed(request.ip === null ? null : normalizeIp(request.ip), key.ipAllow))
      return fail('ip_not_allowed', key);
    if (key.kind !== 'api_key') return fail('unknown');
    // The workspace's policy, read with the key: one that asks for OAuth refuses API keys.
    if (owned.requireOauth) return fail('oauth_required', key);
    return ok(principalOf(key, workspace, member));
  };
}

/**
 * A verified access token acts for its connection, and only while that connection is live
 * and still holds the token's grant: a revoked connection or a revoked grant (code replay,
 * refresh-token reuse, client logout) refuses the token at once.
 */
async function authenticateAccessToken(
  deps: AuthenticatorDeps & { accessTokens: AccessTokenVerifier },
  token: string,
): Promise<Result<Principal, AuthFailure>> {
  const verified = await deps.accessTokens(token);
  if (!verified.ok) return fail('invalid_token');
  const claims = verified.value;
  const owned = await deps.store.apiKeys.findOwnedById(claims.connectionId);
  if (owned?.key.kind !== 'oauth' || owned.key.oauthClientId !== claims.clientId) {
    return fail('invalid_token');
  }
  const { key, workspace, member } = owned;
  const refusal = keyRefusal(key, workspace, deps.clock.now().getTime());
  if (refusal) return err({ ...refusal, message: refusal.message.replace('API key', 'OAuth connection') });
  if (key.oauthGrantId !== claims.grantId) {
    return err({
      reason: 'invalid_token',
      message: 'this access token was revoked or replaced: authorize again',
      key,
    });
  }
  return ok(principalOf(key, workspace, member, claims.scopes));
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

/** Why a stored key may not act now (revoked, rotated out, expired, moved environment), or null. */
export function keyRefusal(key: ApiKeyRecord, workspace: Workspace, now: number): AuthFailure | null {
  if (key.revokedAt !== null) return { reason: 'revoked', message: MESSAGES.revoked, key };
  if (key.replacedBy !== null && (key.graceUntil === null || now >= Date.parse(key.graceUntil))) {
    return {
      reason: 'rotated',
      message: `this API key was rotated and its grace period ended at ${key.graceUntil}; use its replacement`,
      key,
    };
  }
  if (now >= Date.parse(key.expiresAt)) {
    return { reason: 'expired', message: `this API key expired at ${key.expiresAt}; create a new one`, key };
  }
  if (workspace.environment !== key.environment) {
    return {
      reason: 'wrong_environment',
      message: `this is a ${key.environment} key, but workspace ${workspace.slug} is now ${workspace.environment}`,
      key,
    };
  }
  return null;
}

/** The OAuth client a connection was granted to (null for an API key): audit events name it. */
export function oauthClientOf(key: ApiKeyRecord): { id: string; name: string } | null {
  return key.kind === 'oauth' && key.oauthClientId
    ? { id: key.oauthClientId, name: key.oauthClientName ?? key.oauthClientId }
    : null;
}

/**
 * What a usable credential may do: its member, workspace and effective rights. An OAuth
 * access token narrows its connection further to the scopes the token was issued with.
 */
export function principalOf(
  key: ApiKeyRecord,
  workspace: Workspace,
  member: Member,
  tokenScopes?: readonly string[],
): Principal {
  const granted = tokenScopes ? key.scopes.filter((s) => tokenScopes.includes(s)) : key.scopes;
  // SECURITY: a suspension narrows on top of the key's own flags (read-only loses every
  // write scope; dry-run previews), so every step that honours them honours it too.
  const suspended = key.suspension?.mode ?? null;
  const readOnly = key.readOnly || suspended === 'read_only';
  return {
    workspace,
    member,
    credential: {
      kind: key.kind,
      oauthClient: oauthClientOf(key),
      id: key.id,
      name: key.name,
      environment: key.environment,
      scopes: effectiveScopes(granted as Scope[], member.role, readOnly),
      grantedScopes: key.scopes,
      projectIds: key.projectIds,
      readOnly,
      dryRunOnly: key.dryRunOnly || suspended === 'dry_run',
      expiresAt: key.expiresAt,
      graceUntil: key.graceUntil,
      replacedAt: key.replacedAt,
      lastUsedAt: key.lastUsedAt,
      lastUsedIp: key.lastUsedIp,
      lastUsedClient: key.lastUsedClient,
      suspension: key.suspension ?? null,
    },
  };
}
