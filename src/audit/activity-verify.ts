/**
 * "Verify the chain" as a recorded act: runs the full verification (verify.ts) and records an
 * `audit.verified` event saying who ran it and what it found, so the Overview can show when
 * the log was last verified, by whom, and with what result. A member (the console, or the CLI
 * with `--as`) verifies their workspace's chain and the event lands in it; the operator at the
 * shell, acting for no workspace, may verify every chain at once, and the event lands in the
 * instance chain (`*`) naming each workspace and its result.
 * Fails closed: a verification whose record cannot be written is an error, not a result.
 */
import { chainOf } from '../chain/index.js';
import type { AuditEvent, Member, Workspace } from '../model/index.js';
import type { Store } from '../storage/index.js';
import type { AuditLog } from './audit-log.js';
import type { AuditSigner } from './signer.js';
import { type VerifyOptions, type VerifyReport, verifyAudit } from './verify.js';

export const AUDIT_VERIFIED = 'audit.verified';
/** Problems kept in the event: the first of each damaged chain, enough to act on. */
const PROBLEMS_KEPT = 10;

export interface LastVerification {
  readonly at: string;
  /** The member who ran it; null for the operator at the shell. */
  readonly memberId: string | null;
  readonly result: 'intact' | 'broken';
  readonly problems: number;
  readonly eventId: string;
}

export interface Verification {
  readonly report: VerifyReport;
  /** The `audit.verified` event that records it. */
  readonly event: AuditEvent;
}

export function createActivityVerifier(deps: {
  store: Pick<Store, 'audit'>;
  audit: Pick<AuditLog, 'append'>;
  signer: AuditSigner;
}) {
  const { store, audit, signer } = deps;
  const summary = (report: VerifyReport) => ({
    result: report.ok ? 'intact' : 'broken',
    chains: report.chains,
    events: report.events,
    checkpoints: report.checkpoints,
    problems: report.problems.length,
    first_problems: report.problems.slice(0, PROBLEMS_KEPT),
  });
  const outcome = (report: VerifyReport) =>
    report.ok ? { outcome: 'ok' as const } : { outcome: 'error' as const, errorCode: 'chain_broken' };

  return {
    /** A member's verification of their workspace's chain, recorded in it. */
    async byMember(workspace: Workspace, member: Member): Promise<Verification> {
      const report = await verifyAudit(store, signer, { chain: chainOf(workspace.id) });
      const event = await audit.append({
        workspaceId: workspace.id,
        action: AUDIT_VERIFIED,
        memberId: member.id,
        ...outcome(report),
        detail: summary(report),
      });
      return { report, event };
    },

    /** The operator's, of every chain or of one workspace's, recorded in the instance chain. */
    async byOperator(
      workspaces: readonly Workspace[],
      options: VerifyOptions & { readonly only?: Workspace },
    ): Promise<Verification> {
      const { only, ...verifyOptions } = options;
      const report = await verifyAudit(store, signer, {
        ...verifyOptions,
        ...(only && { chain: chainOf(only.id) }),
      });
      const covered = only ? [only] : workspaces;
      const event = await audit.append({
        workspaceId: null,
        action: AUDIT_VERIFIED,
        ...outcome(report),
        detail: {
          ...summary(report),
          workspaces: covered.map((w) => ({
            id: w.id,
            result: report.problems.some((p) => p.chain === chainOf(w.id) || p.chain === 'audit_events')
              ? 'broken'
              : 'intact',
          })),
        },
      });
      return { report, event };
    },

    /** The newest verification that covered the workspace: its own, or the operator's. */
    async last(workspaceId: string): Promise<LastVerification | null> {
      const [own] = await store.audit.list(workspaceId, { action: AUDIT_VERIFIED, limit: 1 });
      let operator: LastVerification | null = null;
      let cursor: string | undefined;
      // Operator verifications are rare; a few pages reach back far enough.
      for (let pages = 0; pages < 5 && !operator; pages++) {
        const rows = await store.audit.list(null, {
          action: AUDIT_VERIFIED,
          limit: 50,
          ...(cursor !== undefined && { cursor }),
        });
        for (const row of rows) {
          const entry = coveredBy(row, workspaceId);
          if (entry) {
            operator = toLast(row, entry.result === 'intact' ? 'intact' : 'broken');
            break;
          }
        }
        if (rows.length < 50) break;
        cursor = rows.at(-1)?.id;
      }
      const mine = own ? toLast(own, own.outcome === 'ok' ? 'intact' : 'broken') : null;
      if (!mine) return operator;
      if (!operator) return mine;
      return mine.eventId > operator.eventId ? mine : operator;
    },
  };
}

function coveredBy(event: AuditEvent, workspaceId: string): { result?: unknown } | undefined {
  const detail = event.detail as { workspaces?: unknown } | null;
  if (!detail || !Array.isArray(detail.workspaces)) return undefined;
  return (detail.workspaces as { id?: unknown; result?: unknown }[]).find((w) => w.id === workspaceId);
}

function toLast(event: AuditEvent, result: 'intact' | 'broken'): LastVerification {
  const detail = event.detail as { problems?: unknown } | null;
  return {
    at: event.occurredAt,
    memberId: event.memberId,
    result,
    problems: typeof detail?.problems === 'number' ? detail.problems : 0,
    eventId: event.id,
  };
}
