/** Signed checkpoints and their keys, as the audit repository stores them (see ports.ts). */
/** Where a chain ends: its last seq and hash (the next event links to it). */
export interface ChainHead {
  readonly chain: string;
  readonly seq: number;
  readonly hash: string;
}

/** A chain's head; `linkedFrom`: its seq when checkpoints became a chain (migration 0011), else 0. */
export interface StoredChainHead extends ChainHead {
  readonly linkedFrom: number;
}

export interface AuditCheckpoint extends ChainHead {
  readonly at: string;
  readonly keyId: string;
  readonly signature: string;
  /** The hash of the chain's previous checkpoint; null on checkpoints older than the link. */
  readonly prevCheckpointHash: string | null;
}

/** The public half (raw Ed25519, base64url: a JWK's `x`) of a key that signed checkpoints here. */
export interface SigningKeyRecord {
  readonly keyId: string;
  readonly publicKey: string;
  readonly firstUsedAt: string;
}
