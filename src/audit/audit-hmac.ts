/**
 * The HMAC that stands in for a secret in the audit log: HMAC-SHA256 under a key of the
 * workspace, derived from the instance secret. The same secret in two events gives the same
 * value (so a leaked key's uses can be found), but the log never holds the secret itself;
 * `taskgate audit hash` computes it for a value one already knows, to search for it.
 */
import { createHmac } from 'node:crypto';
import { deriveKey } from '../core/index.js';
import type { Mask } from './sanitize.js';

export const HMAC_PREFIX = 'hmac-sha256:';

export function createAuditMasks(secret: string): (workspaceId: string | null) => Mask {
  const masks = new Map<string, Mask>();
  return (workspaceId) => {
    const scope = workspaceId ?? '*';
    let mask = masks.get(scope);
    if (!mask) {
      const key = deriveKey(secret, `audit-hmac:${scope}`);
      mask = (value) => `${HMAC_PREFIX}${createHmac('sha256', key).update(value).digest('hex')}`;
      masks.set(scope, mask);
    }
    return mask;
  };
}
