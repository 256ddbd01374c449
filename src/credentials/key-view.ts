/**
 * What `keys list|show` tell about a key: never the key, only its name, display prefix and
 * last four characters, its rights, and its life: expiry, rotation due or overdue under the
 * workspace policy, and — for a rotated key — the grace left and whether a client still
 * uses it. Pure.
 *
 * Rotation is judged against the policy as it is now, not as it was when the key was made:
 * a shorter period makes an old key overdue at once. Such a key keeps working until its own
 * expiry (nothing is revoked behind its owner's back); `beyondPolicy` says that its expiry
 * is later than the policy now allows, so the console can ask for a rotation.
 */
import type { ApiKeyRecord, Member, Project, Workspace } from '../model/index.js';

export const DAY_MS = 86_400_000;
const ROTATION_WARNING_DAYS = 7;

export type KeyStatus = 'active' | 'grace' | 'rotated' | 'expired' | 'revoked';
export type RotationState = 'ok' | 'due_soon' | 'overdue';

export interface KeyView {
  readonly id: string;
  /** `oauth` for a connection an OAuth client got by a member's consent. */
  readonly kind: 'api_key' | 'oauth';
  readonly oauthClient: { readonly id: string; readonly name: string } | null;
  readonly name: string;
  readonly environment: string;
  readonly member: { readonly id: string; readonly email: string; readonly role: string };
  readonly display: string;
  readonly scopes: readonly string[];
  readonly projects: readonly string[] | null;
  readonly readOnly: boolean;
  readonly dryRunOnly: boolean;
  readonly ip: readonly string[] | null;
  readonly client: string | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly status: KeyStatus;
  readonly rotation: {
    /** Creation plus the policy's period, or the key's expiry when that comes first. */
    readonly dueAt: string;
    readonly state: RotationState;
    /** The workspace's rotation period (days) the state was judged against. */
    readonly policyDays: number;
    /** The key expires later than the current policy would let a new key live. */
    readonly beyondPolicy: boolean;
  };
  readonly grace: {
    readonly until: string;
    readonly remainingSeconds: number;
    readonly stillInUse: boolean;
  } | null;
  readonly lastUsed: {
    readonly at: string;
    readonly ip: string | null;
    readonly client: string | null;
  } | null;
  readonly replaces: string | null;
  readonly replacedBy: string | null;
  /** Set when the key went over its write budget: review what it did. */
  readonly flagged: { readonly at: string; readonly reason: string } | null;
  /** Narrowed by an anomaly rule or the write budget until someone lifts it. */
  readonly suspension: {
    readonly mode: 'read_only' | 'dry_run';
    readonly since: string;
    readonly reason: string;
    readonly by: string;
  } | null;
}

/** What a revocation did, key by key. */
export interface KeyRevocation {
  readonly name: string;
  /** Revoked by this call: their next request gets 401. */
  readonly revoked: readonly KeyView[];
  /** Of the same family, revoked before. */
  readonly alreadyRevoked: readonly KeyView[];
}

export function keyStatus(key: ApiKeyRecord, now: Date): KeyStatus {
  const t = now.getTime();
  if (key.revokedAt !== null) return 'revoked';
  if (key.replacedBy !== null)
    return key.graceUntil !== null && t < Date.parse(key.graceUntil) ? 'grace' : 'rotated';
  if (t >= Date.parse(key.expiresAt)) return 'expired';
  return 'active';
}

/** When the workspace's rotation policy wants the key replaced, and how close that is. */
export function rotationOf(key: ApiKeyRecord, workspace: Workspace, now: Date): KeyView['rotation'] {
  const policyEnd = Date.parse(key.createdAt) + workspace.keyRotationDays * DAY_MS;
  // A key made to live shorter than the policy must be replaced before it dies.
  const dueAt = Math.min(policyEnd, Date.parse(key.expiresAt));
  const state: RotationState =
    now.getTime() > dueAt
      ? 'overdue'
      : dueAt - now.getTime() < ROTATION_WARNING_DAYS * DAY_MS
        ? 'due_soon'
        : 'ok';
  return {
    dueAt: new Date(dueAt).toISOString(),
    state,
    policyDays: workspace.keyRotationDays,
    beyondPolicy: Date.parse(key.expiresAt) > policyEnd,
  };
}

export function toKeyView(
  key: ApiKeyRecord,
  context: { now: Date; workspace: Workspace; member: Member; projects: readonly Project[] },
): KeyView {
  const { now, workspace, member } = context;
  const status = keyStatus(key, now);
  const rotation = rotationOf(key, workspace, now);
  const projectKeys = new Map(context.projects.map((p) => [p.id, p.key]));
  const grace =
    key.replacedBy !== null && key.graceUntil !== null
      ? {
          until: key.graceUntil,
          remainingSeconds: Math.max(0, Math.floor((Date.parse(key.graceUntil) - now.getTime()) / 1000)),
          // A use in the same millisecond as the rotation counts: when unsure, say it is in use.
          stillInUse: key.lastUsedAt !== null && key.replacedAt !== null && key.lastUsedAt >= key.replacedAt,
        }
      : null;
  return {
    id: key.id,
    kind: key.kind,
    oauthClient:
      key.oauthClientId === null
        ? null
        : { id: key.oauthClientId, name: key.oauthClientName ?? key.oauthClientId },
    name: key.name,
    environment: key.environment,
    member: { id: member.id, email: member.email, role: member.role },
    display: `${key.prefix}…${key.last4}`,
    scopes: key.scopes,
    projects: key.projectIds === null ? null : key.projectIds.map((id) => projectKeys.get(id) ?? id),
    readOnly: key.readOnly,
    dryRunOnly: key.dryRunOnly,
    ip: key.ipAllow,
    client: key.client,
    createdAt: key.createdAt,
    expiresAt: key.expiresAt,
    status,
    rotation,
    grace,
    lastUsed:
      key.lastUsedAt === null ? null : { at: key.lastUsedAt, ip: key.lastUsedIp, client: key.lastUsedClient },
    replaces: key.replaces,
    replacedBy: key.replacedBy,
    flagged: key.flaggedAt === null ? null : { at: key.flaggedAt, reason: key.flaggedReason ?? 'flagged' },
    suspension: key.suspension
      ? {
          mode: key.suspension.mode,
          since: key.suspension.at,
          reason: key.suspension.reason,
          by: key.suspension.by,
        }
      : null,
  };
}
