/**
 * Reading what one key name did, for incident response: every audit event of a workspace
 * that carries the name (a name covers every key that ever held it — the rotations of one
 * key share it), oldest first, and the object changes of its successful writes.
 */
import type { AuditEvent, ObjectChange, TaskChange } from '../model/index.js';
import type { AuditQuery, Repositories } from '../storage/index.js';

/** Events read per query while paging through a key's history. */
export const INCIDENT_PAGE_SIZE = 500;

/** The audit action of a revert step; its `detail.undoes` names the event it undoes. */
export const INCIDENT_REVERTED = 'incident.reverted';
export const INCIDENT_CONTAINED = 'incident.contained';

export interface IncidentScope {
  /** The stored credential name, matched exactly. */
  readonly keyName: string;
  /** Inclusive lower bound on `occurredAt` (ISO-8601); `undefined` means the whole log. */
  readonly since?: string;
}

/** One object a key's successful write changed, with the event that recorded it. */
export interface KeyChange extends ObjectChange {
  readonly eventId: string;
  readonly at: string;
  readonly action: string;
  readonly tool: string | null;
  readonly confirmation: string | null;
  /** The member who approved the write in the browser, when one did. */
  readonly approvedBy: string | null;
}

/** Every event matching `query` (without paging), oldest first. */
export async function listAllEvents(
  repos: Pick<Repositories, 'audit'>,
  workspaceId: string,
  query: Omit<AuditQuery, 'cursor' | 'order' | 'limit'>,
): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await repos.audit.list(workspaceId, {
      ...query,
      order: 'asc',
      limit: INCIDENT_PAGE_SIZE,
      ...(cursor !== undefined && { cursor }),
    });
    events.push(...page);
    if (page.length < INCIDENT_PAGE_SIZE) return events;
    cursor = page.at(-1)!.id;
  }
}

export function listKeyEvents(
  repos: Pick<Repositories, 'audit'>,
  workspaceId: string,
  scope: IncidentScope,
): Promise<AuditEvent[]> {
  return listAllEvents(repos, workspaceId, {
    credentialName: scope.keyName,
    ...(scope.since !== undefined && { since: scope.since }),
  });
}

/** The revert steps already taken for this key name (by earlier `incident revert` runs). */
export async function listReverts(
  repos: Pick<Repositories, 'audit'>,
  workspaceId: string,
  scope: IncidentScope,
): Promise<AuditEvent[]> {
  const events = await listAllEvents(repos, workspaceId, {
    action: INCIDENT_REVERTED,
    ...(scope.since !== undefined && { since: scope.since }),
  });
  return events.filter((e) => revertDetail(e)?.key === scope.keyName);
}

export interface RevertDetail {
  readonly undoes: string;
  readonly key: string;
  readonly object: string;
  readonly ref: string;
  readonly revert: string;
}

export function revertDetail(event: AuditEvent): RevertDetail | null {
  const detail = event.detail as Partial<RevertDetail> | null;
  if (event.action !== INCIDENT_REVERTED || !detail || typeof detail.undoes !== 'string') return null;
  return detail as RevertDetail;
}

/** The object changes of the successful writes among `events`, oldest first. */
export function changesOf(events: readonly AuditEvent[]): KeyChange[] {
  return events.flatMap((event) =>
    event.outcome === 'ok' && event.action !== INCIDENT_REVERTED && event.changes
      ? event.changes.map((change) => ({
          ...change,
          eventId: event.id,
          at: event.occurredAt,
          action: event.action,
          tool: event.tool,
          confirmation: event.confirmation,
          approvedBy: approverOf(event),
        }))
      : [],
  );
}

function approverOf(event: AuditEvent): string | null {
  const detail = event.detail as { approvedBy?: { email?: unknown } } | null;
  return typeof detail?.approvedBy?.email === 'string' ? detail.approvedBy.email : null;
}

/** Fields whose value differs between two snapshots; versions and timestamps are not fields. */
export function snapshotDiff(
  before: Readonly<Record<string, unknown>> | null,
  after: Readonly<Record<string, unknown>> | null,
): Record<string, { before: unknown; after: unknown }> {
  const diff: Record<string, { before: unknown; after: unknown }> = {};
  const names = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  for (const name of names) {
    if (name === 'version' || name === 'updatedAt' || name === 'key') continue;
    const was = before?.[name] ?? null;
    const is = after?.[name] ?? null;
    if (JSON.stringify(was) !== JSON.stringify(is)) diff[name] = { before: was, after: is };
  }
  return diff;
}

/** A task history row as an incident report or conflict names it. */
export function describeTaskChange(change: TaskChange, memberEmail: string | undefined): string {
  const who = memberEmail ?? change.changedBy;
  const through = change.credentialName
    ? `${change.changedVia} (${change.credentialName})`
    : change.changedVia;
  return `v${change.version} by ${who} via ${through} at ${change.changedAt}: ${Object.keys(change.changes).join(', ')}`;
}
