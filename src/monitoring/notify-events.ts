/**
 * Which audit events are news, and the notice each becomes. Pure: an event (as a chain row
 * stores it), the workspace's slug and the public URL in; a notice, or none, out.
 * - `alert.raised` whose rule asked to notify (detail.notify === true);
 * - `key.suspended`; `incident.contained` (a key contained);
 * - `confirmation.requested` for the `approve` tier: an approval waiting;
 * - `audit.verified` that failed, the workspace's own or the operator's (which names each
 *   workspace it covered and its result).
 */
import type { AuditEvent } from '../model/index.js';
import { type Notice, type NoticeKind, noticeText } from './notify-notice.js';

export const ALERT_RAISED_ACTION = 'alert.raised';
export const KEY_SUSPENDED_ACTION = 'key.suspended';
export const INCIDENT_CONTAINED_ACTION = 'incident.contained';
export const APPROVAL_REQUESTED_ACTION = 'confirmation.requested';
export const AUDIT_VERIFIED_ACTION = 'audit.verified';

/** The audit event fields a notice is built from. */
export type NotifiableEvent = Pick<
  AuditEvent,
  | 'id'
  | 'workspaceId'
  | 'occurredAt'
  | 'action'
  | 'tool'
  | 'outcome'
  | 'credentialId'
  | 'credentialName'
  | 'detail'
  | 'confirmation'
>;

export interface EventContext {
  readonly publicUrl: string;
  /** The workspace's slug by id (subjects name it); undefined for one that is gone. */
  readonly slugOf: (workspaceId: string) => string | undefined;
}

const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
const text = (value: unknown, fallback: string) => (typeof value === 'string' && value ? value : fallback);

export function noticesOf(event: NotifiableEvent, context: EventContext): Notice[] {
  const detail = record(event.detail);
  const admin = `${context.publicUrl}/admin`;
  const eventLink = `${admin}/activity/${event.id}`;
  const make = (
    workspaceId: string,
    kind: NoticeKind,
    title: string,
    lines: readonly string[],
    links: readonly string[],
    data: Record<string, unknown>,
    key = event.id,
  ): Notice => {
    const slug = context.slugOf(workspaceId) ?? workspaceId;
    return {
      workspaceId,
      kind,
      key,
      subject: `[Taskgate ${slug}] ${title}`,
      text: noticeText([`Workspace: ${slug}`, ...lines], links),
      links,
      credentialId: event.credentialId,
      data: { workspace: slug, eventId: event.id, ...data },
      occurredAt: event.occurredAt,
    };
  };
  const ws = event.workspaceId;
  const keyName = event.credentialName ?? event.credentialId ?? 'a key';
  const keyLinks = event.credentialId ? [`${admin}/keys/${event.credentialId}`, eventLink] : [eventLink];

  switch (event.action) {
    case ALERT_RAISED_ACTION: {
      if (ws === null || detail.notify !== true) return [];
      const summary = text(detail.summary, text(detail.rule, 'an anomaly'));
      return [
        make(
          ws,
          'alert',
          `Alert (${text(detail.severity, 'warning')}): ${summary}`,
          [
            `Key: ${keyName}`,
            `Rule: ${text(detail.rule, 'unknown')}`,
            `What happened: ${summary}`,
            `Action taken: ${text(detail.action, 'recorded')}`,
          ],
          keyLinks,
          {
            alertId: detail.alertId ?? null,
            rule: detail.rule ?? null,
            severity: detail.severity ?? null,
            credentialId: event.credentialId,
          },
        ),
      ];
    }
    case KEY_SUSPENDED_ACTION:
      if (ws === null) return [];
      return [
        make(
          ws,
          'key_suspended',
          `Key suspended: ${keyName}`,
          [
            `Key: ${keyName}`,
            `Why: ${text(detail.reason ?? detail.summary, 'see the event')}`,
            'A human lifts the suspension in the console or with the CLI.',
          ],
          keyLinks,
          { credentialId: event.credentialId },
        ),
      ];
    case INCIDENT_CONTAINED_ACTION:
      if (ws === null) return [];
      return [
        make(
          ws,
          'key_contained',
          `Key contained: ${keyName}`,
          [
            `Key: ${keyName}`,
            'The key family was revoked, its owner’s other keys restricted and its pending actions cancelled.',
          ],
          [`${admin}/keys/${event.credentialId}/incident`, eventLink],
          {
            credentialId: event.credentialId,
            revoked: detail.revoked ?? [],
            restricted: detail.restricted ?? [],
          },
        ),
      ];
    case APPROVAL_REQUESTED_ACTION: {
      if (ws === null || detail.tier !== 'approve' || !event.confirmation) return [];
      const link = `${admin}/approvals/${event.confirmation}`;
      return [
        make(
          ws,
          'approval_waiting',
          `Approval waiting: ${event.tool ?? 'a change'} by ${keyName}`,
          [
            `Tool: ${event.tool ?? 'unknown'}`,
            `Requested by: ${keyName}`,
            `Expires: ${text(detail.expiresAt, 'soon')}`,
            'Review the change and approve or reject it:',
          ],
          [link],
          {
            actionId: event.confirmation,
            tool: event.tool,
            credentialId: event.credentialId,
            expiresAt: detail.expiresAt ?? null,
          },
        ),
      ];
    }
    case AUDIT_VERIFIED_ACTION: {
      if (event.outcome === 'ok') return [];
      const lines = [
        'A verification of the audit log found it broken: events were changed, removed or reordered.',
        `Problems: ${String(detail.problems ?? 'unknown')}`,
      ];
      const links = [`${admin}/activity`, eventLink];
      if (ws !== null)
        return [
          make(ws, 'verification_failed', 'Audit log verification failed', lines, links, {
            problems: detail.problems ?? null,
          }),
        ];
      // The operator's verification, in the instance chain: each broken workspace is told.
      const covered = Array.isArray(detail.workspaces) ? detail.workspaces.map(record) : [];
      return covered
        .filter((w) => w.result === 'broken' && typeof w.id === 'string')
        .map((w) =>
          make(
            w.id as string,
            'verification_failed',
            'Audit log verification failed',
            lines,
            [`${admin}/activity`],
            { problems: detail.problems ?? null },
            `${event.id}:${w.id}`,
          ),
        );
    }
    default:
      return [];
  }
}
