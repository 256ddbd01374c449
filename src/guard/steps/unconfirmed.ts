/**
 * Step unconfirmed: a write the policy lets through without confirmation (tier `none`) and
 * that is no dry run shows its preview to nobody, so it is not planned by rollback first: it
 * runs once, in the transaction that commits it with its ledger entry and audit event, and
 * its budget is checked there, under the credential's lock (`execute-and-audit`). Whatever
 * would refuse it — invalid input, a missing object, the budget — refuses it there, and the
 * transaction rolls back with nothing written. A write that needs a confirmation, or asks for
 * a dry run, goes on to `plan`: the preview is what a person (or the caller) is shown.
 */
import { toActor } from '../call-context.js';
import { reachableTier } from '../policy.js';
import type { WriteDeps } from '../ports.js';
import { executeAndAudit } from './execute-and-audit.js';
import { need, type WriteState } from './state.js';

export async function unconfirmed(state: WriteState, deps: WriteDeps): Promise<WriteState> {
  const { args, call } = state;
  if (args.dry_run === true || call.principal.credential.dryRunOnly) return state;
  const policy = need(state.policy, 'policy');
  // A plan with no change is tier none whatever the policy says; one with changes is at its
  // risk class's tier — the same `spec.risk(args)` the plan would carry (`toPlan`).
  const asked = reachableTier(policy.tiers[state.spec.risk(args)], state.client.formElicitation);
  if (asked !== 'none') return state;
  return executeAndAudit({ ...state, actor: toActor(call.principal) }, deps);
}
