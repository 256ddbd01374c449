/**
 * Signed checkpoints: every 1,000 events written by a process, every 60 seconds while
 * serving, when a process that wrote events stops, and when one that may write starts and
 * finds a chain's newest events unsigned for longer than that (a crashed predecessor's
 * tail, signed before new events follow it; a live server's fresh tail is its own), each
 * chain's head (sequence and hash) is signed with the audit key and stored. A checkpoint
 * pins everything before it — events deleted, rewritten or cut off no longer verify, even
 * by someone who can recompute every hash — and the checkpoint before it: each signs its
 * predecessor's hash, so one deleted from the middle breaks a link. Pruning keeps them.
 */

import { GENESIS_HASH } from '../chain/index.js';
import type { Clock } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { type AuditSigner, type CheckpointClaim, checkpointHash } from './signer.js';

export const CHECKPOINT_EVERY_EVENTS = 1000;
export const CHECKPOINT_EVERY_MS = 60_000;

export interface Checkpointer {
  /** Signs the head of every chain that moved since its last checkpoint; returns how many. */
  checkpointAll(): Promise<number>;
  /** Counts written events; past CHECKPOINT_EVERY_EVENTS it checkpoints (in the background). */
  noteEvents(count: number): void;
  /** Checkpoints if this process wrote events since its last run (a command about to end). */
  flush(): Promise<number>;
  /** Signs the chains whose newest event is unsigned and older than `olderThanMs`. */
  signStale(olderThanMs: number): Promise<number>;
}

export function createCheckpointer(deps: {
  store: Pick<Store, 'audit' | 'transaction'>;
  signer: AuditSigner;
  clock: Clock;
  logger: { error(obj: unknown, msg: string): void };
}): Checkpointer {
  const { store, signer, clock } = deps;
  let sinceLast = 0;
  let dirty = false;
  let keyRecorded = false;
  let running: Promise<number> | null = null;

  /**
   * One chain, in one transaction holding the chain's head lock: two instances signing at
   * once take turns, so the second links to the first's checkpoint (or finds nothing new)
   * instead of forking the checkpoint chain.
   */
  const signChain = (chain: string) =>
    store.transaction(async (repos) => {
      const head = await repos.audit.lockedHead(chain);
      const last = await repos.audit.lastCheckpoint(chain);
      if (head.seq === 0 || head.seq <= (last?.seq ?? 0)) return false;
      const at = clock.now().toISOString();
      const prevCheckpointHash = last ? checkpointHash(last) : GENESIS_HASH;
      const claim: CheckpointClaim = { chain, seq: head.seq, hash: head.hash, at, prevCheckpointHash };
      // The public half, so checkpoints signed now still verify after this secret is replaced.
      if (!keyRecorded)
        await repos.audit.addSigningKey({
          keyId: signer.keyId,
          publicKey: signer.publicKey.x,
          firstUsedAt: at,
        });
      await repos.audit.insertCheckpoint({
        ...claim,
        prevCheckpointHash,
        keyId: signer.keyId,
        signature: signer.sign(claim),
      });
      return true;
    });

  /** Heads with events after their chain's last checkpoint. */
  async function unsignedHeads() {
    const last = new Map<string, number>();
    for (const cp of await store.audit.checkpoints())
      last.set(cp.chain, Math.max(last.get(cp.chain) ?? 0, cp.seq));
    return (await store.audit.heads()).filter((h) => h.seq > (last.get(h.chain) ?? 0));
  }

  async function run(only?: ReadonlySet<string>): Promise<number> {
    if (!only) dirty = false;
    let made = 0;
    for (const head of await unsignedHeads()) {
      if (only && !only.has(head.chain)) continue;
      if (await signChain(head.chain)) {
        keyRecorded = true;
        made++;
      }
    }
    return made;
  }

  const checkpointAll = () => {
    // One run at a time per process; other instances take turns per chain (signChain).
    running ??= run().finally(() => {
      running = null;
    });
    return running;
  };

  return {
    checkpointAll,
    noteEvents(count) {
      dirty ||= count > 0;
      sinceLast += count;
      if (sinceLast < CHECKPOINT_EVERY_EVENTS) return;
      sinceLast = 0;
      checkpointAll().catch((error: unknown) => deps.logger.error({ err: error }, 'audit checkpoint failed'));
    },
    async flush() {
      // A run already under way may have read the heads before the last events: wait, then look.
      if (running) await running.catch(() => 0);
      return dirty ? checkpointAll() : 0;
    },
    async signStale(olderThanMs) {
      const now = clock.now().getTime();
      const stale = new Set<string>();
      for (const head of await unsignedHeads()) {
        const at = (await store.audit.eventTimes(head.chain, [head.seq])).get(head.seq);
        if (at && now - Date.parse(at) > olderThanMs) stale.add(head.chain);
      }
      return stale.size ? run(stale) : 0;
    },
  };
}
