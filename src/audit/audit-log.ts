/**
 * Writes audit events. Callers pass the transaction (`repos`) of the change being recorded
 * so that the change and its record commit together or not at all; a failure to record
 * propagates, and the caller fails closed.
 */
import type { Clock, IdGenerator } from '../core/index.js';
import type { AuditEvent, Repositories } from '../storage/index.js';
import { sanitizeForAudit } from './sanitize.js';

export type AuditDraft = Partial<Omit<AuditEvent, 'id' | 'occurredAt'>> &
  Pick<AuditEvent, 'action' | 'outcome'>;

export interface AuditLog {
  record(repos: Repositories, draft: AuditDraft): Promise<AuditEvent>;
}

export function createAuditLog(deps: { clock: Clock; ids: IdGenerator }): AuditLog {
  return {
    async record(repos, draft) {
      const event: AuditEvent = {
        id: deps.ids('auditEvent'),
        occurredAt: deps.clock.now().toISOString(),
        workspaceId: draft.workspaceId ?? null,
        action: draft.action,
        tool: draft.tool ?? null,
        outcome: draft.outcome,
        errorCode: draft.errorCode ?? null,
        memberId: draft.memberId ?? null,
        credentialId: draft.credentialId ?? null,
        credentialName: draft.credentialName ?? null,
        environment: draft.environment ?? null,
        params: draft.params === undefined ? null : sanitizeForAudit(draft.params),
        result: draft.result === undefined ? null : sanitizeForAudit(draft.result),
        ip: draft.ip ?? null,
        userAgent: draft.userAgent ? (sanitizeForAudit(draft.userAgent) as string) : null,
        clientName: draft.clientName ?? null,
        clientVersion: draft.clientVersion ?? null,
        requestId: draft.requestId ?? null,
        durationMs: draft.durationMs ?? null,
        detail: draft.detail === undefined ? null : sanitizeForAudit(draft.detail),
      };
      await repos.audit.insert(event);
      return event;
    },
  };
}
