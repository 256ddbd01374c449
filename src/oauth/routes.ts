/**
 * Where the authorization server answers, and how long its access tokens live. Kept apart
 * from provider.ts so the rest of Taskgate can name them without loading oidc-provider.
 */

/** Lifetime of an access token, in seconds (the other lifetimes are in provider.ts). */
export const ACCESS_TOKEN_TTL_S = 600;

export const OAUTH_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  registration: '/oauth/register',
  revocation: '/oauth/revoke',
  jwks: '/oauth/jwks',
} as const;

/** Every path oidc-provider serves: exact ones, and prefixes (ending in `/`). */
export const OAUTH_PATHS: readonly string[] = [
  ...Object.values(OAUTH_ROUTES),
  `${OAUTH_ROUTES.authorization}/`,
  `${OAUTH_ROUTES.registration}/`,
  '/.well-known/oauth-authorization-server',
  '/.well-known/openid-configuration',
];
