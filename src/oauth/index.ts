/** OAuth entry layer: the embedded authorization server (oidc-provider) and what it needs of ours. */
export {
  type AuthorizationServer,
  type AuthorizationServerDeps,
  createAuthorizationServer,
  DEFAULT_REGISTRATION_LIMIT,
  type RegistrationLimit,
} from './authorization-server.js';
export { type AddClientInput, type ClientAdmin, type OAuthClientKind, type OAuthClientView } from './clients.js';
export type { ConsentBackend } from './consent.js';
export { ACCESS_TOKEN_TTL_S } from './provider.js';
export { checkRedirectUris } from './redirect-uris.js';
