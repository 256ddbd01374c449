/**
 * Signed checkpoints: every 1,000 events or 60 seconds, each chain's head (sequence and
 * hash) is signed with the audit key and stored. A checkpoint pins everything before it:
 * events deleted, rewritten or cut off after it no longer verify, even by someone who can
 * recompute every hash; and pruning keeps them so the rest still verifies.
 */
import type { Clock } from '../core/index.js';
import type { Store } from '../storage/index.js';
import type { AuditSigner } from './signer.js';

export const CHECKPOINT_EVERY_EVENTS = 1000;
export const CHECKPOINT_EVERY_MS = 60_000;

export interface Checkpointer {
  /** Signs the head of every chain that moved since its last checkpoint; returns how many. */
  checkpointAll(): Promise<number>;
  /** Counts written events; past CHECKPOINT_EVERY_EVENTS it checkpoints (in the background). */
  noteEvents(count: number): void;
}

export function createCheckpointer(deps: {
  store: Store;
  signer: AuditSigner;
  clock: Clock;
  logger: { error(obj: unknown, msg: string): void };
}): Checkpointer {
  const { store, signer, clock } = deps;
  let sinceLast = 0;
  let running: Promise<number> | null = null;

  async function run(): Promise<number> {
    const last = new Map<string, number>();
    for (const cp of await store.audit.checkpoints())
      last.set(cp.chain, Math.max(last.get(cp.chain) ?? 0, cp.seq));
    let made = 0;
    for (const head of await store.audit.heads()) {
      if (head.seq === 0 || head.seq <= (last.get(head.chain) ?? 0)) continue;
      const claim = { chain: head.chain, seq: head.seq, hash: head.hash, at: clock.now().toISOString() };
      await store.audit.insertCheckpoint({ ...claim, keyId: signer.keyId, signature: signer.sign(claim) });
      made++;
    }
    return made;
  }

  const checkpointAll = () => {
    // One run at a time per process; another instance racing us is harmless (same head, one row).
    running ??= run().finally(() => {
      running = null;
    });
    return running;
  };

  return {
    checkpointAll,
    noteEvents(count) {
      sinceLast += count;
      if (sinceLast < CHECKPOINT_EVERY_EVENTS) return;
      sinceLast = 0;
      checkpointAll().catch((error: unknown) => deps.logger.error({ err: error }, 'audit checkpoint failed'));
    },
  };
}
