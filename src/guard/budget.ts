/**
 * The per-credential write budget: objects written and trashed in a sliding window, from
 * a ledger in the database (so every instance counts the same writes). Going over it
 * refuses the write, flags the key for review and leaves an audit event.
 */
import { AppError, type Clock } from '../core/index.js';
import type { ObjectChange } from '../model/index.js';
import type { Repositories } from '../storage/index.js';
import type { EffectivePolicy } from './policy.js';

export interface WriteCount {
  readonly writes: number;
  readonly deletes: number;
}

export const countWrites = (changes: readonly ObjectChange[]): WriteCount => ({
  writes: changes.length,
  deletes: changes.filter((change) => change.op === 'delete').length,
});

/** Where the budget's sliding window starts now. */
export const budgetWindowStart = (clock: Clock, policy: EffectivePolicy): string =>
  new Date(clock.now().getTime() - policy.budget.windowMinutes * 60_000).toISOString();

export async function assertWithinBudget(
  repos: Pick<Repositories, 'writeUsage'>,
  clock: Clock,
  credential: { id: string; name: string },
  policy: EffectivePolicy,
  planned: WriteCount,
): Promise<void> {
  const used = await repos.writeUsage.sumSince(credential.id, budgetWindowStart(clock, policy));
  assertRoom(credential, policy, used, planned);
}

/** Throws the budget refusal unless `planned` fits beside what was `used` in the window. */
export function assertRoom(
  credential: { name: string },
  policy: EffectivePolicy,
  used: WriteCount,
  planned: WriteCount,
): void {
  const { writes, deletes, windowMinutes } = policy.budget;
  if (used.writes + planned.writes <= writes && used.deletes + planned.deletes <= deletes) return;
  throw new AppError(
    'rate_limited',
    `write budget exceeded: key ${credential.name} has written ${used.writes} object(s) and trashed ${used.deletes} in the last ${windowMinutes} minutes; this call would add ${planned.writes} and ${planned.deletes}; the limit is ${writes} writes and ${deletes} deletes per ${windowMinutes} minutes. Nothing was changed and the key was flagged for review.`,
    { detail: { reason: 'write_budget', used, planned, limit: policy.budget } },
  );
}

export const isBudgetRefusal = (error: AppError) =>
  error.code === 'rate_limited' && error.detail.reason === 'write_budget';
