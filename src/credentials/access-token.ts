/**
 * SECURITY: OAuth access tokens on /mcp. Our authorization server issues them as short JWTs
 * (RFC 9068) signed with an Ed25519 key derived from the instance secret; here they are
 * checked with jose — signature with that one key and only EdDSA (so `alg: none` or an HMAC
 * keyed with the public key cannot pass), `typ: at+jwt`, issuer, audience = the MCP URL,
 * expiry — and then against the database: the connection the token names must still be live
 * and still hold the grant the token came from, so revoking a connection (or the grant, on
 * refresh-token reuse) refuses its tokens at once, not when they expire.
 */
import type { KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify } from 'jose';
import type { Clock } from '../core/index.js';

export interface AccessTokenClaims {
  /** The connection (an `api_keys` row of kind `oauth`) the token acts for. */
  readonly connectionId: string;
  readonly clientId: string;
  readonly grantId: string;
  readonly scopes: readonly string[];
  readonly tokenId: string;
  readonly expiresAt: string;
}

export type AccessTokenFailure = 'invalid_token' | 'expired_token';

export interface AccessTokenVerifierOptions {
  readonly issuer: string;
  /** The MCP URL: a token for any other resource is refused. */
  readonly audience: string;
  readonly publicKey: KeyObject;
  readonly clock: Clock;
}

/** A bearer credential that is a JWT rather than one of our API keys. */
export const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);

export function createAccessTokenVerifier(options: AccessTokenVerifierOptions) {
  return async function verifyAccessToken(
    token: string,
  ): Promise<{ ok: true; value: AccessTokenClaims } | { ok: false; error: AccessTokenFailure }> {
    try {
      const { payload } = await jwtVerify(token, options.publicKey, {
        issuer: options.issuer,
        audience: options.audience,
        typ: 'at+jwt',
        algorithms: ['EdDSA'],
        requiredClaims: ['exp', 'iat', 'sub', 'jti', 'client_id', 'scope', 'gid'],
        currentDate: options.clock.now(),
      });
      const { sub, jti, exp, client_id: clientId, scope, gid } = payload;
      if (typeof clientId !== 'string' || typeof scope !== 'string' || typeof gid !== 'string') {
        return { ok: false, error: 'invalid_token' };
      }
      return {
        ok: true,
        value: {
          connectionId: sub as string,
          clientId,
          grantId: gid,
          scopes: scope.split(' ').filter(Boolean),
          tokenId: jti as string,
          expiresAt: new Date((exp as number) * 1000).toISOString(),
        },
      };
    } catch (error) {
      return { ok: false, error: error instanceof joseErrors.JWTExpired ? 'expired_token' : 'invalid_token' };
    }
  };
}

export type AccessTokenVerifier = ReturnType<typeof createAccessTokenVerifier>;
