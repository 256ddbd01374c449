/**
 * Purpose-bound keys from the one instance secret (HKDF-SHA256), so a confirmation-token
 * key can never be used as, say, a session key, and every instance with the same secret
 * derives the same keys.
 */
import { createHash, createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';

export function deriveKey(secret: string, purpose: string, bytes = 32): Buffer {
  return Buffer.from(
    hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), `taskgate:${purpose}`, bytes),
  );
}

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410).
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface Ed25519KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public key, base64url (the JWK `x`). */
  readonly x: string;
  /** A stable id: the first 16 hex digits of SHA-256 of the public key. */
  readonly keyId: string;
}

/** The Ed25519 key pair of a 32-byte seed (from `deriveKey`): every instance derives the same. */
export function ed25519FromSeed(seed: Buffer): Ed25519KeyPair {
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes');
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey);
  const x = publicKey.export({ format: 'jwk' }).x as string;
  const keyId = createHash('sha256').update(Buffer.from(x, 'base64url')).digest('hex').slice(0, 16);
  return { privateKey, publicKey, x, keyId };
}
