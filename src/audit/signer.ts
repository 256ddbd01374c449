/**
 * The Ed25519 key that signs audit checkpoints, derived from the instance secret (so every
 * instance signs with the same key and no key file has to be shared). The public half is
 * published as a JWK at /.well-known/taskgate-audit-keys and by `taskgate audit keys`.
 */
import { sign, verify } from 'node:crypto';
import { canonicalJson, ed25519FromSeed } from '../core/index.js';
import type { ChainHead } from '../storage/index.js';

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
}

export interface AuditSigner {
  readonly keyId: string;
  readonly publicKey: AuditPublicKey;
  sign(claim: CheckpointClaim): string;
  verify(claim: CheckpointClaim, keyId: string, signature: string): boolean;
}

/** What a checkpoint signature covers: chain, sequence, hash, time and the signing key. */
export const checkpointPayload = (claim: CheckpointClaim, keyId: string) =>
  Buffer.from(canonicalJson({ chain: claim.chain, seq: claim.seq, hash: claim.hash, at: claim.at, keyId }));

export function createAuditSigner(seed: Buffer): AuditSigner {
  const { privateKey, publicKey, x, keyId } = ed25519FromSeed(seed);
  return {
    keyId,
    publicKey: { kty: 'OKP', crv: 'Ed25519', x, kid: keyId, alg: 'EdDSA', use: 'sig' },
    sign: (claim) => sign(null, checkpointPayload(claim, keyId), privateKey).toString('base64url'),
    verify(claim, signedBy, signature) {
      if (signedBy !== keyId) return false;
      try {
        return verify(
          null,
          checkpointPayload(claim, signedBy),
          publicKey,
          Buffer.from(signature, 'base64url'),
        );
      } catch {
        return false;
      }
    },
  };
}
