/** OAuth 2.1 authorization server for MCP clients: CIMD fetching (more to come). */
export { blockedRange } from './blocked-addresses.js';
export { type FetchRefusal, FetchRefusedError } from './fetch-refused.js';
export {
  CIMD_FETCH_TIMEOUT_MS,
  CIMD_MAX_BODY_BYTES,
  createSafeFetch,
  type Resolver,
  type SafeFetch,
  type SafeFetchOptions,
} from './safe-fetch.js';
