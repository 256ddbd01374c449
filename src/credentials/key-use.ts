/**
 * When a request must stamp its key's last use. Stamping is a write on the hot path of
 * every request, so a key in normal use is stamped at most once a minute (or when its
 * address or client changes). A key rotated out is the exception: its owner watches
 * `keys list` for "still in use" to know whether the grace can end, so its first use after
 * the rotation is stamped at once, whatever the throttle says. Pure.
 */
import type { Principal } from './authenticate.js';

/** Last-used is written at most this often per key, unless the address or client changes. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export function needsUseRecord(
  credential: Principal['credential'],
  now: Date,
  ip: string | null,
  client: string | null,
): boolean {
  const { lastUsedAt, replacedAt } = credential;
  if (lastUsedAt === null) return true;
  // Rotated out and not yet seen since: the use that says a client still holds the old key.
  if (replacedAt !== null && lastUsedAt < replacedAt) return true;
  if (now.getTime() - Date.parse(lastUsedAt) > LAST_USED_RESOLUTION_MS) return true;
  // A request that names no client stamps none: the key's last client is never inherited.
  return credential.lastUsedIp !== ip || credential.lastUsedClient !== client;
}
