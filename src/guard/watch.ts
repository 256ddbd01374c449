/**
 * The anomaly step: after a call's one audit event is written, the monitoring rules see the
 * call (who, from where, what came of it) with that event as evidence. It runs after the
 * call rather than before so the rules know its outcome (a denial, a delete); a suspension it
 * decides holds from the key's next call.
 */
import type { AnomalyWatch } from '../monitoring/index.js';
import type { CallContext } from './call-context.js';
import { outcomeOf, type Ran } from './call-record.js';
import type { WriteResult } from './steps/state.js';

function outcome(ran: Ran<unknown>): { outcome: string; errorCode: string | null } {
  if (!ran.outcome.ok) return { outcome: outcomeOf(ran.outcome.error), errorCode: ran.outcome.error.code };
  const value = ran.outcome.value as Partial<WriteResult> | undefined;
  if (value?.kind === 'dry_run') return { outcome: 'dry_run', errorCode: null };
  if (value?.kind === 'pending') return { outcome: 'pending', errorCode: null };
  return { outcome: 'ok', errorCode: null };
}

/** Objects a write deleted, or changed through a bulk tool: what the destructive-burst rule counts. */
function destructive(tool: string, ran: Ran<unknown>): number {
  if (!ran.outcome.ok) return 0;
  const value = ran.outcome.value as Partial<WriteResult> | undefined;
  if (value?.kind !== 'done') return 0;
  const changes = value.applied?.changes ?? [];
  return tool.startsWith('bulk_') ? changes.length : changes.filter((c) => c.op === 'delete').length;
}

export async function watchCall(
  anomaly: AnomalyWatch | undefined,
  call: CallContext,
  tool: string,
  ran: Ran<unknown>,
): Promise<void> {
  if (!anomaly || ran.record.audit !== 'written') return;
  const { credential, workspace, member } = call.principal;
  await anomaly.observe({
    workspaceId: workspace.id,
    environment: credential.environment,
    memberId: member.id,
    credential: {
      id: credential.id,
      name: credential.name,
      oauthClient: credential.oauthClient,
      replacedAt: credential.replacedAt,
      graceUntil: credential.graceUntil,
    },
    ip: call.ip,
    clientName: call.clientName,
    tool,
    ...outcome(ran),
    destructive: destructive(tool, ran),
    eventId: ran.record.eventId ?? null,
  });
}
