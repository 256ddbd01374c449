/**
 * SECURITY: a refresh token in the hands of a client it was not issued to has been stolen
 * (RFC 9700 §4.14): the thief registered its own client, or picked another client's id. The
 * token endpoint refuses it (`invalid_grant`) and the revocation endpoint leaves it alone
 * (`ownTokensOnly`), but the token itself is evidence: its whole family — the grant, every
 * token of it, and the connection — is revoked, and the attempt is recorded in the
 * connection's workspace, under the connection's name, so `incident report` shows it.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';

/** A refresh token presented by a client it was not issued to. */
export interface StolenRefreshToken {
  readonly grantId: string;
  /** The connection (our credential) the token acts for. */
  readonly accountId: string;
  /** The client the token was issued to. */
  readonly ownerClientId: string;
  /** The client that presented it: the authenticated one, else the `client_id` it named. */
  readonly presentedBy: string;
  readonly endpoint: 'token' | 'revocation';
}

export const STOLEN_TOKEN_REASON =
  'a refresh token was presented by a client it was not issued to (treated as stolen, RFC 9700 §4.14)';

/**
 * After the endpoint answered: was a real refresh token presented by another client? Only
 * refused refresh grants and revocation requests are looked at; one extra lookup each.
 */
export async function findStolenRefreshToken(
  ctx: KoaContextWithOIDC,
  endpoint: 'token' | 'revocation' | 'registration',
): Promise<StolenRefreshToken | undefined> {
  const params = (ctx.oidc.params ?? {}) as Record<string, unknown>;
  const presentedBy =
    ctx.oidc.client?.clientId ?? (typeof params.client_id === 'string' ? params.client_id : null);
  let token: { clientId?: string; grantId?: string; accountId?: string } | undefined;
  if (endpoint === 'token') {
    if (ctx.status < 400 || params.grant_type !== 'refresh_token' || typeof params.refresh_token !== 'string')
      return undefined;
    // Expired or session-bound tokens count too: the token was issued, and it leaked.
    // (`ignoreSessionBinding` is honoured by oidc-provider but missing from its types.)
    const options = { ignoreExpiration: true, ignoreSessionBinding: true } as { ignoreExpiration: boolean };
    token = await ctx.oidc.provider.RefreshToken.find(params.refresh_token, options);
  } else if (endpoint === 'revocation') {
    // oidc-provider names the token it found before asking `allowedPolicy`.
    token = ctx.oidc.entities.RefreshToken;
  } else return undefined;
  // Who presented it must be known: a client whose Basic authentication failed names itself
  // only in the header, and may well be the token's own client with a stale secret.
  if (
    !presentedBy ||
    !token?.grantId ||
    !token.accountId ||
    !token.clientId ||
    token.clientId === presentedBy
  )
    return undefined;
  return {
    grantId: token.grantId,
    accountId: token.accountId,
    ownerClientId: token.clientId,
    presentedBy,
    endpoint,
  };
}
