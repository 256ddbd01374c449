/**
 * Audit events as OCSF 1.1.0 events, for SIEMs (`taskgate audit export --format ocsf`).
 * Pure: the member directory and the product version come in. MCP calls and everything
 * else are API Activity (6003); member sign-ins Authentication (3002); key lifecycle Entity
 * Management (3004). Fields OCSF has no place for go to `unmapped` under their own names.
 * The mapping table is in docs/audit-format.md ("Querying and export").
 */
import type { AuditEvent, AuditOutcome, Member } from '../model/index.js';

export const OCSF_SCHEMA_VERSION = '1.1.0';

export interface OcsfContext {
  /** Taskgate's version, for `metadata.product.version`. */
  readonly productVersion: string;
  /** The workspace's member by id, to name the actor; undefined when unknown. */
  member(id: string): Member | undefined;
}

export type OcsfEvent = Record<string, unknown>;

interface OcsfClass {
  readonly class_uid: number;
  readonly class_name: string;
  readonly category_uid: number;
  readonly category_name: string;
}

const API_ACTIVITY: OcsfClass = {
  class_uid: 6003,
  class_name: 'API Activity',
  category_uid: 6,
  category_name: 'Application Activity',
};
const AUTHENTICATION: OcsfClass = {
  class_uid: 3002,
  class_name: 'Authentication',
  category_uid: 3,
  category_name: 'Identity & Access Management',
};
const ENTITY_MANAGEMENT: OcsfClass = {
  class_uid: 3004,
  class_name: 'Entity Management',
  category_uid: 3,
  category_name: 'Identity & Access Management',
};

// Strict on purpose: `member.assigned` contains "sign" but is no sign-in.
const SIGN_IN_OR_OUT = /^member\.(sign(ed)?|log(ged)?)_?(in|on|out|off)/;

export function ocsfClassOf(action: string): OcsfClass {
  if (SIGN_IN_OR_OUT.test(action)) return AUTHENTICATION;
  if (action.startsWith('key.')) return ENTITY_MANAGEMENT;
  return API_ACTIVITY;
}

const CRUD = ['Unknown', 'Create', 'Read', 'Update', 'Delete'] as const;
const OTHER = 99;

/** OCSF 1.1.0 activity ids: CRUD 1-4 for 6003 and 3004, Logon 1 / Logoff 2 for 3002. */
export function ocsfActivityOf(event: Pick<AuditEvent, 'action' | 'tool'>): { id: number; name: string } {
  const cls = ocsfClassOf(event.action);
  const crud = (id: number) => ({ id, name: CRUD[id] ?? 'Other' });
  if (cls === AUTHENTICATION) {
    return /(out|off)/.test(event.action.slice('member.'.length))
      ? { id: 2, name: 'Logoff' }
      : { id: 1, name: 'Logon' };
  }
  if (cls === ENTITY_MANAGEMENT) {
    // A rotation mints a new key (the event's credential): a Create. 1.1.0 has no
    // Disable, so revocation and expiry are Deletes: the key never works again.
    const byAction: Record<string, number> = {
      'key.created': 1,
      'key.rotated': 1,
      'key.flagged': 3,
      'key.revoked': 4,
      'key.expired': 4,
    };
    const id = byAction[event.action];
    return id === undefined ? { id: OTHER, name: 'Other' } : crud(id);
  }
  const verb = /^([a-z]+)_/.exec(event.tool ?? '')?.[1] ?? event.tool ?? '';
  const byVerb: Record<string, number> = {
    create: 1,
    add: 1,
    log: 1,
    get: 2,
    list: 2,
    search: 2,
    whoami: 2,
    update: 3,
    bulk: 3,
    restore: 3,
    move: 3,
    delete: 4,
  };
  const id = byVerb[verb];
  return id === undefined ? { id: OTHER, name: 'Other' } : crud(id);
}

const STATUS: Record<AuditOutcome, { id: number; name: string }> = {
  ok: { id: 1, name: 'Success' },
  denied: { id: 2, name: 'Failure' },
  error: { id: 2, name: 'Failure' },
  dry_run: { id: OTHER, name: 'dry_run' },
  pending: { id: OTHER, name: 'pending' },
};

// Refusals are what an analyst looks for first; failures of our own rank below them.
const SEVERITY: Record<AuditOutcome, { id: number; name: string }> = {
  ok: { id: 1, name: 'Informational' },
  dry_run: { id: 1, name: 'Informational' },
  pending: { id: 1, name: 'Informational' },
  error: { id: 2, name: 'Low' },
  denied: { id: 3, name: 'Medium' },
};

/** One audit event as one OCSF event. Absent values are left out, never `null`. */
export function toOcsf(event: AuditEvent, context: OcsfContext): OcsfEvent {
  const cls = ocsfClassOf(event.action);
  const activity = ocsfActivityOf(event);
  const status = STATUS[event.outcome];
  const severity = SEVERITY[event.outcome];
  const mapped = new Set<keyof AuditEvent>([
    'id',
    'workspaceId',
    'occurredAt',
    'action',
    'tool',
    'outcome',
    'errorCode',
    'memberId',
    'credentialId',
    'ip',
    'userAgent',
    'requestId',
    'durationMs',
  ]);
  const isKeyEvent = cls === ENTITY_MANAGEMENT;
  const user = userOf(event, context, !isKeyEvent);
  const base: OcsfEvent = {
    ...cls,
    activity_id: activity.id,
    activity_name: activity.name,
    type_uid: cls.class_uid * 100 + activity.id,
    type_name: `${cls.class_name}: ${activity.name}`,
    time: Date.parse(event.occurredAt),
    timezone_offset: 0,
    severity_id: severity.id,
    severity: severity.name,
    status_id: status.id,
    status: status.name,
    status_code: event.errorCode,
    status_detail: status.id === 2 ? event.outcome : null,
    message: `${event.action}${event.tool ? ` ${event.tool}` : ''}: ${event.outcome}${event.errorCode ? ` (${event.errorCode})` : ''}`,
    duration: event.durationMs,
    metadata: {
      version: OCSF_SCHEMA_VERSION,
      product: { name: 'Taskgate', vendor_name: 'Taskgate', version: context.productVersion },
      uid: event.id,
      event_code: event.action,
      log_name: 'audit',
      tenant_uid: event.workspaceId,
      correlation_uid: event.requestId,
      original_time: event.occurredAt,
    },
    src_endpoint: { ip: event.ip },
    http_request: { user_agent: event.userAgent, uid: event.requestId },
  };
  let specific: OcsfEvent;
  if (cls === AUTHENTICATION) {
    specific = { user: user ?? { type_id: 0, type: 'Unknown' }, actor: user && { user } };
  } else if (isKeyEvent) {
    mapped.add('credentialName').add('reason');
    specific = {
      actor: user && { user },
      entity: { uid: event.credentialId, name: event.credentialName, type: 'API key' },
      comment: event.reason,
    };
  } else {
    specific = {
      // API Activity requires an actor; a request refused before authentication has none we know.
      actor: { user: user ?? { type_id: 0, type: 'Unknown' } },
      api: {
        operation: event.tool ?? event.action,
        request: { uid: event.requestId },
        response: { error: event.errorCode },
      },
      resources: event.changes?.map((c) => ({ uid: c.id, name: c.ref, type: c.kind })),
    };
  }
  // Kept as recorded (not compacted): a `null` inside a change's before/after is data.
  const unmapped = Object.fromEntries(
    Object.entries(event).filter(([key, value]) => !mapped.has(key as keyof AuditEvent) && value !== null),
  );
  const ocsf = compact({ ...base, ...specific }) as OcsfEvent;
  return Object.keys(unmapped).length ? { ...ocsf, unmapped } : ocsf;
}

/** The acting member as an OCSF user; with `withCredential`, the key it acted through too. */
function userOf(event: AuditEvent, context: OcsfContext, withCredential: boolean): OcsfEvent | undefined {
  const credential = withCredential ? event.credentialId : null;
  if (event.memberId === null && credential === null) return undefined;
  const member = event.memberId === null ? undefined : context.member(event.memberId);
  const admin = member?.role === 'owner' || member?.role === 'admin';
  const known = event.memberId !== null;
  return compact({
    uid: event.memberId,
    name: member?.name,
    email_addr: member?.email,
    type_id: known ? (admin ? 2 : 1) : 0,
    type: known ? (admin ? 'Admin' : 'User') : 'Unknown',
    // SECURITY: the key's id, never its secret or hash; names can be reused after revocation.
    credential_uid: credential,
  }) as OcsfEvent;
}

/** Drops null, undefined and empty objects, recursively; arrays keep their length. */
function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compact);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const kept = compact(inner);
    if (kept === null || kept === undefined) continue;
    if (typeof kept === 'object' && !Array.isArray(kept) && Object.keys(kept).length === 0) continue;
    out[key] = kept;
  }
  return out;
}
