/**
 * Emptying the trash for good: the domain removes trashed tasks older than a cut-off (with
 * their comments, time and history) and the audit event commits in the same transaction.
 * A dry run only counts them and writes nothing.
 */
import type { AuditLog } from '../audit/index.js';
import type { Actor, TaskService } from '../domain/index.js';
import type { Store } from '../storage/index.js';

export interface TrashPurgeDeps {
  readonly store: Pick<Store, 'transaction'>;
  readonly tasks: Pick<TaskService, 'purgeTrash'>;
  readonly audit: AuditLog;
}

export interface TrashPurgeResult {
  /** Tasks removed, or with `dryRun` the tasks that would be. */
  readonly count: number;
  readonly before: string;
  readonly dryRun: boolean;
}

export function createTrashPurge(deps: TrashPurgeDeps) {
  const { store, tasks, audit } = deps;
  return async function purgeTrash(
    actor: Actor,
    before: Date,
    options: { dryRun?: boolean } = {},
  ): Promise<TrashPurgeResult> {
    const dryRun = options.dryRun ?? false;
    const result = { before: before.toISOString(), dryRun };
    if (dryRun) return { ...result, count: await tasks.purgeTrash(actor, before, { dryRun }) };
    return store.transaction(async (repos) => {
      const count = await tasks.purgeTrash(actor, before, {}, repos);
      const workspace = await repos.workspaces.findById(actor.workspaceId);
      await audit.record(repos, {
        action: 'trash.purged',
        outcome: 'ok',
        workspaceId: actor.workspaceId,
        memberId: actor.memberId,
        credentialName: actor.credentialName ?? null,
        environment: workspace?.environment ?? null,
        detail: { count, before: result.before, via: actor.via },
      });
      return { ...result, count };
    });
  };
}

export type TrashPurge = ReturnType<typeof createTrashPurge>;
