/** Credentials: the API key format, scopes, the key lifecycle and bearer authentication. */

export {
  type AccessTokenClaims,
  type AccessTokenVerifier,
  createAccessTokenVerifier,
  looksLikeJwt,
} from './access-token.js';
export * from './api-key-format.js';
export {
  type Authenticator,
  type AuthFailure,
  type AuthFailureReason,
  type AuthRequest,
  createAuthenticator,
  keyRefusal,
  oauthClientOf,
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
export {
  type ConnectionService,
  type ConsentDecision,
  type ConsentGrant,
  type ConsentRequest,
  createConnectionService,
  type GrantedConnection,
} from './connections.js';
export { ipAllowed, normalizeIp, parseCidr } from './ip-allow.js';
export {
  actorByEmail,
  checkActorEmail,
  isWriteCapableKey,
  type KeyActor,
  mayActOnKeyOf,
  mayRotateKey,
} from './key-actor.js';
export { KEY_EXPIRED, type KeyExpiryDeps, recordKeyExpiry } from './key-expiry.js';
export {
  type FamilyRevocation,
  type RevocationDetail,
  recordKeyEvent,
  recordKeyRevoked,
  revokeKeyFamily,
  rotationFamily,
} from './key-family.js';
export { IDLE_DAYS, type KeyHealth, type KeyHealthEntry, summarizeKeyHealth } from './key-health.js';
export { type CreateKeyInput, checkKeyName, suggestKeyName } from './key-input.js';
export { cidrWithin, type NarrowField } from './key-narrow.js';
export type {
  KeyActionName,
  KeyForAction,
  KeyNarrowing,
  NarrowKeyInput,
} from './key-narrow-service.js';
export {
  createKeyService,
  DEFAULT_GRACE_HOURS,
  type IssuedKey,
  type KeyService,
} from './key-service.js';
export { LAST_USED_RESOLUTION_MS, needsUseRecord } from './key-use.js';
export {
  type KeyRevocation,
  type KeyStatus,
  type KeyView,
  keyStatus,
  type RotationState,
  rotationOf,
} from './key-view.js';
export {
  type IssuedLoginLink,
  LOGIN_LINK_INVALID_MESSAGE,
  LOGIN_LINK_PATH,
  LOGIN_LINK_TTL_MS,
  loginLinkUrl,
} from './login-links.js';
export {
  type AddMemberAccountInput,
  createMemberAccounts,
  type MemberAccount,
  type MemberAccounts,
} from './member-accounts.js';
export {
  assertPasswordPolicy,
  checkPasswordPolicy,
  createPasswordHasher,
  DEFAULT_SCRYPT_COST,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  type PasswordHasher,
  type ScryptCost,
} from './password.js';
export { createPrincipalCache, PRINCIPAL_CACHE_MAX_ENTRIES, type PrincipalCache } from './principal-cache.js';
export { findKeysInText, type KeyFinding } from './scan-text.js';
export * from './scopes.js';
export {
  isSecretTokenShape,
  type RequestOrigin,
  SESSION_IDLE_MS,
  SESSION_MAX_MS,
  type SignedIn,
} from './sessions.js';
export {
  DEFAULT_THROTTLE_LIMITS,
  SIGN_IN_FAILED_MESSAGE,
  SIGN_IN_THROTTLED_MESSAGE,
  type SignInInput,
  THROTTLE_WINDOW_MS,
  type ThrottleLimits,
} from './sign-in.js';
export { createSignInService, type SignInService, type SignInServiceDeps } from './sign-in-service.js';
