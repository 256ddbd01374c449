/**
 * The live security checklist (docs/checklist.md): reads one snapshot of a workspace — its
 * live API keys, the clients and addresses each was seen from in the audit log, the write
 * policy and the last audit verification — and judges the guide's items on it. The command
 * line and the console's Overview both call `evaluate`.
 * SECURITY: an owner or admin (or the command line, the database's operator) gets the whole
 * workspace; a member or viewer gets only the items about keys, judged on their own keys; a
 * member of another workspace gets `not_found`.
 */
import { AppError, type Clock, isId } from '../core/index.js';
import { keyStatus } from '../credentials/index.js';
import { canManageMembers, resolveWorkspace } from '../domain/index.js';
import type { EffectivePolicy } from '../guard/index.js';
import type { AuditEvent, Member, Workspace } from '../model/index.js';
import type { AuditRepository, Store } from '../storage/index.js';
import { type ChecklistScope, evaluateChecklist } from './checklist-items.js';
import { USAGE_WINDOW_DAYS } from './checklist-key-items.js';
import type {
  AuditVerification,
  ChecklistItem,
  ChecklistSnapshot,
  ChecklistStatus,
  KeySightings,
} from './checklist-model.js';

const DAY_MS = 86_400_000;
/** The audit actions that carry the address and client a key was used from. */
const USE_ACTIONS = ['mcp.tool_called', 'mcp.request'] as const;
const USAGE_PAGE = 1000;
/** Per action: bounds the work of one evaluation on a busy workspace; the newest are kept. */
export const MAX_USAGE_EVENTS = 10_000;
/** The event the audit verifier records (`taskgate audit verify`, the Activity page). */
export const AUDIT_VERIFIED_ACTION = 'audit.verified';

export interface ChecklistServiceDeps {
  readonly store: Pick<Store, 'workspaces' | 'members' | 'apiKeys' | 'audit'>;
  readonly clock: Clock;
  /** The workspace's effective write policy (the policy service's `forWorkspace`). */
  readonly policyFor: (workspace: Workspace) => Promise<EffectivePolicy>;
  /** The last verification of the workspace's audit chain; default: its `audit.verified` events. */
  readonly lastVerification?: (workspace: Workspace) => Promise<AuditVerification | null>;
  /** How the usage window is read: events per page and at most per action (tests use small ones). */
  readonly usageReads?: { readonly pageSize: number; readonly maxEvents: number };
}

export interface Checklist {
  readonly workspace: { readonly slug: string; readonly environment: string };
  readonly evaluatedAt: string;
  /** `own`: a member's view, judged on their own keys only. */
  readonly scope: ChecklistScope;
  readonly keysEvaluated: number;
  /** True when the usage window held more events than were read (the newest were). */
  readonly usageCapped: boolean;
  readonly summary: Readonly<Record<ChecklistStatus, number>>;
  readonly items: readonly ChecklistItem[];
}

export type ChecklistService = ReturnType<typeof createChecklistService>;

/**
 * The newest `audit.verified` event of the workspace's chain or of the global one (a verify of
 * every chain may be recorded there), whichever is later.
 */
export function auditVerifiedEvents(audit: Pick<AuditRepository, 'list'>) {
  return async (workspace: Workspace): Promise<AuditVerification | null> => {
    const found = await Promise.all(
      [workspace.id, null].map((chain) => audit.list(chain, { action: AUDIT_VERIFIED_ACTION, limit: 1 })),
    );
    const latest = found
      .flat()
      .sort((a, b) => b.occurredAt.localeCompare(a.occurredAt))
      .at(0);
    return latest ? { at: latest.occurredAt, by: latest.memberId, ok: latest.outcome === 'ok' } : null;
  };
}

export function createChecklistService(deps: ChecklistServiceDeps) {
  const { store, clock, policyFor } = deps;
  const lastVerification = deps.lastVerification ?? auditVerifiedEvents(store.audit);
  const { pageSize, maxEvents } = deps.usageReads ?? { pageSize: USAGE_PAGE, maxEvents: MAX_USAGE_EVENTS };

  async function viewerOf(workspace: Workspace, viewer: string | null): Promise<Member | null> {
    if (viewer === null) return null;
    const member = isId('member', viewer) ? await store.members.findById(workspace.id, viewer) : undefined;
    // SECURITY: a member of another workspace learns nothing about this one.
    if (!member) throw new AppError('not_found', `workspace ${workspace.slug} not found`);
    return member;
  }

  async function sightings(workspace: Workspace, since: string, keyIds: ReadonlySet<string>) {
    const seen = new Map<string, { ips: Set<string>; clients: Set<string> }>();
    const note = (id: string, ip: string | null, client: string | null) => {
      if (!keyIds.has(id)) return;
      const entry = seen.get(id) ?? { ips: new Set<string>(), clients: new Set<string>() };
      if (ip) entry.ips.add(ip);
      if (client) entry.clients.add(client);
      seen.set(id, entry);
    };
    let capped = false;
    for (const action of USE_ACTIONS) {
      let cursor: string | undefined;
      for (let read = 0; ; ) {
        const page: AuditEvent[] = await store.audit.list(workspace.id, {
          action,
          since,
          limit: pageSize,
          ...(cursor !== undefined && { cursor }),
        });
        for (const event of page)
          if (event.credentialId) note(event.credentialId, event.ip, event.clientName);
        read += page.length;
        if (page.length < pageSize) break;
        if (read >= maxEvents) {
          capped = true;
          break;
        }
        cursor = page.at(-1)!.id;
      }
    }
    return { seen: seen as ReadonlyMap<string, KeySightings>, capped };
  }

  return {
    /**
     * Judges the checklist on `workspaceRef` as `viewer` (a member id), or as the command
     * line when `viewer` is null. Reads only; never changes or audits anything.
     */
    async evaluate(workspaceRef: string, viewer: string | null): Promise<Checklist> {
      const workspace = await resolveWorkspace(store, workspaceRef);
      const member = await viewerOf(workspace, viewer);
      const scope: ChecklistScope = member === null || canManageMembers(member.role) ? 'workspace' : 'own';
      const now = clock.now();
      const live = (await store.apiKeys.list(workspace.id)).filter(
        (k) =>
          k.kind === 'api_key' &&
          (scope === 'workspace' || k.memberId === member?.id) &&
          ['active', 'grace'].includes(keyStatus(k, now)),
      );
      // The key's last use counts as a sighting too: it may be newer than the window's events.
      const since = new Date(now.getTime() - USAGE_WINDOW_DAYS * DAY_MS).toISOString();
      const [usage, policy, verification] = await Promise.all([
        sightings(workspace, since, new Set(live.map((k) => k.id))),
        policyFor(workspace),
        scope === 'workspace' ? lastVerification(workspace) : Promise.resolve(null),
      ]);
      const seen = new Map(usage.seen);
      for (const key of live) {
        if (key.lastUsedAt === null || key.lastUsedAt < since) continue;
        const entry = seen.get(key.id) ?? { ips: new Set<string>(), clients: new Set<string>() };
        const ips = new Set(entry.ips);
        const clients = new Set(entry.clients);
        if (key.lastUsedIp) ips.add(key.lastUsedIp);
        if (key.lastUsedClient) clients.add(key.lastUsedClient);
        seen.set(key.id, { ips, clients });
      }
      const snapshot: ChecklistSnapshot = {
        workspace,
        now,
        keys: live,
        sightings: seen,
        sightingsCapped: usage.capped,
        tiers: policy.tiers,
        verification,
      };
      const items = evaluateChecklist(snapshot, scope);
      const summary = { pass: 0, warn: 0, fail: 0, advice: 0 };
      for (const item of items) summary[item.status] += 1;
      return {
        workspace: { slug: workspace.slug, environment: workspace.environment },
        evaluatedAt: now.toISOString(),
        scope,
        keysEvaluated: live.length,
        usageCapped: usage.capped,
        summary,
        items,
      };
    },
  };
}
