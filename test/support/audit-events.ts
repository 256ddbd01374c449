/** An audit event with every field empty but the ones a test cares about. */
import type { AuditEvent } from '../../src/model/index.js';

export function auditEvent(fields: Pick<AuditEvent, 'id'> & Partial<AuditEvent>): AuditEvent {
  return {
    workspaceId: null,
    occurredAt: new Date().toISOString(),
    action: 'test.event',
    tool: null,
    outcome: 'ok',
    errorCode: null,
    memberId: null,
    credentialId: null,
    credentialName: null,
    environment: null,
    params: null,
    result: null,
    ip: null,
    userAgent: null,
    clientName: null,
    clientVersion: null,
    requestId: null,
    durationMs: null,
    detail: null,
    changes: null,
    reason: null,
    confirmation: null,
    ...fields,
  };
}
