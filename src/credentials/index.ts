/** Credentials: the API key format, scopes, the key lifecycle and bearer authentication. */
export * from './api-key-format.js';
export {
  type Authenticator,
  type AuthFailure,
  type AuthFailureReason,
  type AuthRequest,
  createAuthenticator,
  keyRefusal,
  type Principal,
  principalOf,
} from './authenticate.js';
export {
  type ClientConfigInput,
  type ClientConfigSnippet,
  clientConfigSnippet,
  DEFAULT_KEY_ENV,
  isKnownClient,
  KNOWN_CLIENTS,
  type KnownClient,
} from './client-config.js';
export { ipAllowed, normalizeIp, parseCidr } from './ip-allow.js';
export { type CreateKeyInput, suggestKeyName } from './key-input.js';
export { createKeyService, DEFAULT_GRACE_HOURS, type IssuedKey, type KeyService } from './key-service.js';
export type { KeyStatus, KeyView } from './key-view.js';
export { findKeysInText, type KeyFinding } from './scan-text.js';
export * from './scopes.js';
