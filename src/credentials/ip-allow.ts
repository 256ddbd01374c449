/**
 * IP allow-lists of keys: CIDR blocks (IPv4 and IPv6, parsed in src/core) matched against
 * the client address the HTTP layer resolved (behind trusted proxies, the forwarded one).
 */
import { createAddressSet, normalizeIp, parseCidr } from '../core/index.js';

export { normalizeIp, parseCidr };

export function ipAllowed(ip: string | null, cidrs: readonly string[] | null): boolean {
  if (cidrs === null) return true;
  return createAddressSet(cidrs).has(ip);
}
