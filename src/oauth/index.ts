/** The OAuth 2.1 authorization server (oidc-provider embedded) and its persistence. */
export { createOidcAdapter, type OidcAdapterDeps } from './adapter.js';
