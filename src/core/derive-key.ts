/**
 * Purpose-bound keys from the one instance secret (HKDF-SHA256), so a confirmation-token
 * key can never be used as, say, a session key, and every instance with the same secret
 * derives the same keys.
 */
import { hkdfSync } from 'node:crypto';

export function deriveKey(secret: string, purpose: string, bytes = 32): Buffer {
  return Buffer.from(
    hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), `taskgate:${purpose}`, bytes),
  );
}
