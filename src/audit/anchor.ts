/**
 * Anchors: the newest signed checkpoint of each chain, written by `taskgate audit anchor` to
 * be kept outside the database (a ticket, another machine, a printout). `audit verify
 * --anchor FILE` proves the log still holds each of them exactly and extends it. What the
 * file pins cannot be rewritten by anyone who can write the database, secret or not —
 * provided the file itself is kept where they cannot reach.
 */
import { z } from 'zod';
import { AppError } from '../core/index.js';
import type { AuditCheckpoint, StoredChainHead } from '../storage/index.js';
import { keyIdOf, verifyWithKey } from './signer.js';

export const ANCHOR_FORMAT = 'taskgate-audit-anchor/1';

const anchoredCheckpoint = z.object({
  chain: z.string().min(1),
  seq: z.number().int().positive(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.string().min(1),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  prevCheckpointHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  signature: z.string().min(1),
  /** The signing key's raw Ed25519 public key (base64url): the anchor verifies on its own. */
  publicKey: z.string().min(1),
});

const anchorSchema = z.object({
  format: z.literal(ANCHOR_FORMAT),
  createdAt: z.string(),
  checkpoints: z.array(anchoredCheckpoint).min(1),
});

export type AnchoredCheckpoint = z.infer<typeof anchoredCheckpoint>;
export type Anchor = z.infer<typeof anchorSchema>;

export function toAnchor(
  checkpoints: readonly AuditCheckpoint[],
  publicKeyOf: (keyId: string) => string | undefined,
  createdAt: string,
): Anchor {
  return {
    format: ANCHOR_FORMAT,
    createdAt,
    checkpoints: checkpoints.map((cp) => {
      const publicKey = publicKeyOf(cp.keyId);
      if (!publicKey)
        throw new AppError(
          'conflict',
          `checkpoint ${cp.seq} of chain ${cp.chain}: no public key kept for key ${cp.keyId}`,
        );
      return { ...pick(cp), publicKey };
    }),
  };
}

const pick = (cp: AuditCheckpoint) => ({
  chain: cp.chain,
  seq: cp.seq,
  hash: cp.hash,
  at: cp.at,
  keyId: cp.keyId,
  prevCheckpointHash: cp.prevCheckpointHash,
  signature: cp.signature,
});

/** Parses an anchor file's text; a clear error naming the file when it is not one. */
export function parseAnchor(text: string, file: string): Anchor {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError('invalid_input', `anchor: ${file} is not JSON`);
  }
  const parsed = anchorSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError(
      'invalid_input',
      `anchor: ${file} is not a Taskgate audit anchor (${issue.path.join('.') || 'format'}: ${issue.message})`,
    );
  }
  return parsed.data;
}

/**
 * The log holds the anchored checkpoint exactly, under the key the anchor names, and extends
 * it (the chain's head is at or past it). That the events up to it still hash to it, and the
 * checkpoints after it link back to it, the rest of `audit verify` checks.
 */
export function checkAnchored(
  anchored: AnchoredCheckpoint,
  stored: readonly AuditCheckpoint[],
  head: StoredChainHead | undefined,
  file: string,
): string | null {
  const pinned = `the anchor ${file} pins checkpoint ${anchored.seq} (hash ${anchored.hash.slice(0, 12)}…)`;
  if (
    keyIdOf(anchored.publicKey) !== anchored.keyId ||
    !verifyWithKey(anchored.publicKey, anchored, anchored.keyId, anchored.signature)
  )
    return `${pinned}, but its signature does not verify with the key it names`;
  const match = stored.find((cp) => cp.seq === anchored.seq);
  if (!match) return `${pinned}, which the log no longer holds`;
  if (JSON.stringify(pick(match)) !== JSON.stringify(pick(anchored as AuditCheckpoint)))
    return `${pinned}, but the log holds a different checkpoint there`;
  if (!head || head.seq < anchored.seq) return `${pinned}, but the chain ends before it`;
  return null;
}
