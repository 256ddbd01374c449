/**
 * Step budget: the plan's writes must fit the credential's write budget. Over it, the key is
 * flagged, `budget.exceeded` recorded and (issue 16) an alert raised that suspends the key,
 * dry-run only by default, until a human lifts it — before the refusal (checked again,
 * under a lock, when the write executes).
 */
import { type AppError, toAppError } from '../../core/index.js';
import { assertWithinBudget, countWrites, isBudgetRefusal } from '../budget.js';
import { type CallContext, callFields } from '../call-context.js';
import type { WriteDeps } from '../ports.js';
import { need, type WriteState } from './state.js';

export async function budget(state: WriteState, deps: WriteDeps): Promise<WriteState> {
  const { call } = state;
  const planned = countWrites(need(state.plan, 'plan').changes);
  await withBudgetRefusal(deps, call, () =>
    assertWithinBudget(
      deps.store,
      deps.clock,
      call.principal.credential,
      need(state.policy, 'policy'),
      planned,
    ),
  );
  return state;
}

/** Runs `work`; a budget refusal from it flags the key and is recorded, then thrown on. */
export async function withBudgetRefusal<T>(
  deps: WriteDeps,
  call: CallContext,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const appError = toAppError(error);
    if (isBudgetRefusal(appError)) return refuseOverBudget(deps, call, appError);
    throw error;
  }
}

async function refuseOverBudget(deps: WriteDeps, call: CallContext, error: AppError): Promise<never> {
  const at = deps.clock.now().toISOString();
  const { credential, workspace } = call.principal;
  const alert = await deps.store.transaction(async (repos) => {
    // First: the alert may suspend the key, a change to its rights (write-recheck.ts).
    await repos.apiKeys.lockForChange(workspace.id);
    await repos.apiKeys.flag(workspace.id, credential.id, { at, reason: 'write budget exceeded' });
    const event = await deps.audit.record(repos, {
      ...callFields(call),
      action: 'budget.exceeded',
      outcome: 'denied',
      errorCode: 'rate_limited',
      detail: error.detail,
    });
    return deps.anomaly?.budgetOverrun(repos, {
      workspaceId: workspace.id,
      environment: credential.environment,
      credential: { id: credential.id, name: credential.name, oauthClient: credential.oauthClient },
      summary: `${credential.name} went over its write budget: ${error.publicMessage}`,
      eventId: event.id,
    });
  });
  if (alert) await deps.anomaly?.followUp([alert]);
  throw error;
}
