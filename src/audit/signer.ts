/**
 * The Ed25519 key that signs audit checkpoints, derived from the instance secret (so every
 * instance signs with the same key and no key file has to be shared). The public half is
 * published as a JWK at /.well-known/taskgate-audit-keys and by `taskgate audit keys`.
 * Checkpoints form a chain: each signs the hash of the one before it (`checkpointHash`).
 */
import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { canonicalJson, ed25519FromSeed } from '../core/index.js';
import type { AuditCheckpoint, ChainHead } from '../storage/index.js';

export interface AuditPublicKey {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
  readonly kid: string;
  readonly alg: 'EdDSA';
  readonly use: 'sig';
}

export interface CheckpointClaim extends ChainHead {
  readonly at: string;
  /** The previous checkpoint's hash; null (or absent) on checkpoints older than the link. */
  readonly prevCheckpointHash?: string | null;
}

export interface AuditSigner {
  readonly keyId: string;
  readonly publicKey: AuditPublicKey;
  sign(claim: CheckpointClaim): string;
  verify(claim: CheckpointClaim, keyId: string, signature: string): boolean;
}

/**
 * What a checkpoint signature covers: chain, sequence, hash, time, the signing key and —
 * since migration 0011 — `prev`, the previous checkpoint's hash. Older checkpoints were
 * signed without `prev` and still verify as they were signed.
 */
export const checkpointPayload = (claim: CheckpointClaim, keyId: string) => {
  const signed = { chain: claim.chain, seq: claim.seq, hash: claim.hash, at: claim.at, keyId };
  const prev = claim.prevCheckpointHash;
  return Buffer.from(canonicalJson(typeof prev === 'string' ? { ...signed, prev } : signed));
};

/** The hash a checkpoint's successor signs as `prev`: everything stored, signature included. */
export const checkpointHash = (cp: AuditCheckpoint): string =>
  createHash('sha256')
    .update(
      canonicalJson({
        chain: cp.chain,
        seq: cp.seq,
        hash: cp.hash,
        at: cp.at,
        keyId: cp.keyId,
        prev: cp.prevCheckpointHash,
        signature: cp.signature,
      }),
    )
    .digest('hex');

/** The key id of a raw Ed25519 public key (base64url): 16 hex characters of its SHA-256. */
export const keyIdOf = (x: string): string =>
  createHash('sha256').update(Buffer.from(x, 'base64url')).digest('hex').slice(0, 16);

/** Checks a signature against a public key given as its `x`; false for a malformed key. */
export function verifyWithKey(x: string, claim: CheckpointClaim, keyId: string, signature: string): boolean {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  } catch {
    return false;
  }
  return verifyWith(key, claim, keyId, signature);
}

function verifyWith(key: KeyObject, claim: CheckpointClaim, keyId: string, signature: string): boolean {
  try {
    return verify(null, checkpointPayload(claim, keyId), key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

export function createAuditSigner(seed: Buffer): AuditSigner {
  const { privateKey, publicKey, x, keyId } = ed25519FromSeed(seed);
  return {
    keyId,
    publicKey: { kty: 'OKP', crv: 'Ed25519', x, kid: keyId, alg: 'EdDSA', use: 'sig' },
    sign: (claim) => sign(null, checkpointPayload(claim, keyId), privateKey).toString('base64url'),
    verify: (claim, signedBy, signature) =>
      signedBy === keyId && verifyWith(publicKey, claim, signedBy, signature),
  };
}
