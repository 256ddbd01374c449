/** OAuth entry layer: the embedded authorization server (oidc-provider) and what it needs of ours. */

/** The OAuth 2.1 authorization server (oidc-provider embedded) and its persistence. */
export {
  type AuthorizationServer,
  type AuthorizationServerDeps,
  createAuthorizationServer,
  DEFAULT_REGISTRATION_LIMIT,
  type RegistrationLimit,
} from './authorization-server.js';
export { blockedRange } from './blocked-addresses.js';
export {
  type AddClientInput,
  type ClientAdmin,
  type ClientChangeBy,
  type ClientRemovalImpact,
  checkClientInput,
  MAX_REDIRECT_URI_LENGTH,
  MAX_REDIRECT_URIS,
  type OAuthClientKind,
  type OAuthClientView,
} from './clients.js';
export type { ConsentBackend } from './consent.js';
export { type FetchRefusal, FetchRefusedError } from './fetch-refused.js';
export { checkRedirectUris } from './redirect-uris.js';
export { ACCESS_TOKEN_TTL_S } from './routes.js';
export {
  CIMD_FETCH_TIMEOUT_MS,
  CIMD_MAX_BODY_BYTES,
  createSafeFetch,
  type Resolver,
  type SafeFetch,
  type SafeFetchOptions,
} from './safe-fetch.js';
