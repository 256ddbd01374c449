/**
 * Deleting old audit events without breaking what remains: each chain is cut only up to its
 * newest signed checkpoint before the cut-off, so the first kept event follows a checkpoint
 * and the rest still verifies. Each cut commits with its own `audit.pruned` event.
 */

import { GLOBAL_CHAIN } from '../chain/index.js';
import type { Store } from '../storage/index.js';
import type { AuditLog } from './audit-log.js';
import type { Checkpointer } from './checkpoints.js';

export interface AuditPruneDeps {
  readonly store: Pick<Store, 'audit' | 'transaction'>;
  readonly audit: AuditLog;
  readonly checkpointer: Pick<Checkpointer, 'checkpointAll'>;
}

export interface PrunedChain {
  readonly chain: string;
  readonly throughSeq: number;
  readonly count: number;
}

export interface AuditPruneResult {
  /** The cut-off as an ISO time. */
  readonly before: string;
  readonly pruned: PrunedChain[];
}

export function createAuditPrune(deps: AuditPruneDeps) {
  const { store, audit, checkpointer } = deps;

  /** The newest checkpoint whose event happened before `before` (0 when there is none). */
  async function lastCheckpointBefore(chain: string, before: string): Promise<number> {
    const checkpoints = (await store.audit.checkpoints(chain)).sort((a, b) => b.seq - a.seq);
    for (const cp of checkpoints) {
      const [event] = await store.audit.chainRows(chain, cp.seq - 1, 1);
      if (event && event.seq === cp.seq && event.occurred_at < before) return cp.seq;
    }
    return 0;
  }

  /** Prunes every chain, or only `chain`, of events older than `cutOff`. */
  return async function pruneAudit(cutOff: Date, chain?: string): Promise<AuditPruneResult> {
    const before = cutOff.toISOString();
    // Pin the current heads first: the oldest kept event must sit right after a checkpoint.
    await checkpointer.checkpointAll();
    const pruned: PrunedChain[] = [];
    for (const head of await store.audit.heads(chain)) {
      const throughSeq = await lastCheckpointBefore(head.chain, before);
      if (throughSeq === 0) continue;
      const count = await store.transaction(async (repos) => {
        const removed = await repos.audit.prune(head.chain, throughSeq);
        await audit.record(repos, {
          action: 'audit.pruned',
          outcome: 'ok',
          workspaceId: head.chain === GLOBAL_CHAIN ? null : head.chain,
          detail: { before, throughSeq, removed },
        });
        return removed;
      });
      pruned.push({ chain: head.chain, throughSeq, count });
    }
    return { before, pruned };
  };
}

export type AuditPrune = ReturnType<typeof createAuditPrune>;
