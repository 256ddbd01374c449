/**
 * `incident report`: what a key name did, from the audit log alone — when and from where it
 * was used, its calls per tool with their outcomes, every refusal, and every object its
 * writes created, changed or trashed with before/after. `summarizeIncident` is pure; the
 * reporter only reads (the audit log, the keys that carried the name, their members).
 */
import { AppError, type Clock } from '../core/index.js';
import type { ApiKeyRecord, AuditEvent, AuditOutcome, Member, Workspace } from '../model/index.js';
import type { Repositories, Store } from '../storage/index.js';
import {
  changesOf,
  type IncidentScope,
  type KeyChange,
  listKeyEvents,
  listReverts,
  revertDetail,
  snapshotDiff,
} from './events.js';

export interface Sighting {
  readonly firstAt: string;
  readonly lastAt: string;
  readonly events: number;
}

export interface IncidentReport {
  readonly workspace: { readonly id: string; readonly slug: string; readonly environment: string };
  readonly keyName: string;
  readonly since: string | null;
  readonly generatedAt: string;
  /** Says that the name covers every key that ever carried it. */
  readonly note: string;
  readonly keys: readonly {
    readonly id: string;
    readonly display: string;
    readonly member: { readonly id: string; readonly email: string; readonly role: string } | null;
    readonly createdAt: string;
    readonly expiresAt: string;
    readonly revokedAt: string | null;
    readonly replacedAt: string | null;
    readonly dryRunOnly: boolean;
  }[];
  readonly activity: {
    readonly events: number;
    readonly firstAt: string | null;
    readonly lastAt: string | null;
  };
  readonly addresses: readonly (Sighting & { readonly ip: string })[];
  readonly clients: readonly (Sighting & {
    readonly name: string | null;
    readonly version: string | null;
    readonly userAgents: readonly string[];
  })[];
  readonly calls: readonly {
    readonly tool: string;
    readonly total: number;
    readonly outcomes: Partial<Record<AuditOutcome, number>>;
  }[];
  readonly denials: readonly {
    readonly eventId: string;
    readonly at: string;
    readonly action: string;
    readonly tool: string | null;
    readonly errorCode: string | null;
    readonly ip: string | null;
    readonly reason: string | null;
  }[];
  readonly changes: readonly (KeyChange & {
    readonly fields: Record<string, { before: unknown; after: unknown }>;
  })[];
  /** Key lifecycle, confirmations, budget and containment events. */
  readonly security: readonly {
    readonly eventId: string;
    readonly at: string;
    readonly action: string;
    readonly tool: string | null;
    readonly outcome: AuditOutcome;
  }[];
  /** Objects already reverted by `incident revert`: the event undone and the revert event. */
  readonly reverted: readonly {
    readonly eventId: string;
    readonly at: string;
    readonly undoes: string;
    readonly ref: string;
    readonly revert: string;
  }[];
}

export interface IncidentInput {
  readonly workspace: Workspace;
  readonly scope: IncidentScope;
  readonly generatedAt: string;
  readonly keys: readonly ApiKeyRecord[];
  readonly members: readonly Member[];
  readonly events: readonly AuditEvent[];
  readonly reverts: readonly AuditEvent[];
}

/** Actions that are calls made with the key (the rest are security events about it). */
const CALL_ACTIONS = new Set(['mcp.tool_called', 'mcp.request', 'mcp.auth_failed']);

function sight<T extends Sighting>(map: Map<string, T>, key: string, at: string, fresh: () => T): void {
  const seen = map.get(key);
  if (!seen) map.set(key, fresh());
  else map.set(key, { ...seen, lastAt: at, events: seen.events + 1 });
}

/** The label a call is counted under: its tool, else the JSON-RPC methods of the request. */
function callLabel(event: AuditEvent): string {
  if (event.tool) return event.tool;
  if (event.action === 'mcp.auth_failed') return '(refused at authentication)';
  const methods = (event.detail as { methods?: unknown } | null)?.methods;
  return Array.isArray(methods) && methods.length ? methods.join(', ') : '(request)';
}

function reasonOf(event: AuditEvent): string | null {
  const detail = event.detail as { reason?: unknown; error?: unknown } | null;
  if (typeof detail?.error === 'string') return detail.error;
  if (typeof detail?.reason === 'string') return detail.reason;
  return event.reason;
}

export function summarizeIncident(input: IncidentInput): IncidentReport {
  const { events, workspace, scope } = input;
  const members = new Map(input.members.map((m) => [m.id, m]));
  const addresses = new Map<string, Sighting & { ip: string }>();
  const clients = new Map<
    string,
    Sighting & { name: string | null; version: string | null; userAgents: string[] }
  >();
  const calls = new Map<
    string,
    { tool: string; total: number; outcomes: Partial<Record<AuditOutcome, number>> }
  >();
  for (const event of events) {
    const at = event.occurredAt;
    if (event.ip)
      sight(addresses, event.ip, at, () => ({ ip: event.ip!, firstAt: at, lastAt: at, events: 1 }));
    if (event.clientName || event.userAgent) {
      const id = `${event.clientName ?? ''}\u0000${event.clientVersion ?? ''}`;
      sight(clients, id, at, () => ({
        name: event.clientName,
        version: event.clientVersion,
        userAgents: [],
        firstAt: at,
        lastAt: at,
        events: 1,
      }));
      const agents = clients.get(id)!.userAgents;
      if (event.userAgent && !agents.includes(event.userAgent)) agents.push(event.userAgent);
    }
    if (CALL_ACTIONS.has(event.action)) {
      const label = callLabel(event);
      const row = calls.get(label) ?? { tool: label, total: 0, outcomes: {} };
      row.total++;
      row.outcomes[event.outcome] = (row.outcomes[event.outcome] ?? 0) + 1;
      calls.set(label, row);
    }
  }
  const count = input.keys.length;
  return {
    workspace: { id: workspace.id, slug: workspace.slug, environment: workspace.environment },
    keyName: scope.keyName,
    since: scope.since ?? null,
    generatedAt: input.generatedAt,
    note: `The name ${scope.keyName} covers every key that ever carried it (${count} key${count === 1 ? '' : 's'}: rotations share the name, and a name can be reused after a revoke).`,
    keys: input.keys.map((k) => {
      const member = members.get(k.memberId);
      return {
        id: k.id,
        display: `${k.prefix}…${k.last4}`,
        member: member ? { id: member.id, email: member.email, role: member.role } : null,
        createdAt: k.createdAt,
        expiresAt: k.expiresAt,
        revokedAt: k.revokedAt,
        replacedAt: k.replacedAt,
        dryRunOnly: k.dryRunOnly,
      };
    }),
    activity: {
      events: events.length,
      firstAt: events[0]?.occurredAt ?? null,
      lastAt: events.at(-1)?.occurredAt ?? null,
    },
    addresses: [...addresses.values()],
    clients: [...clients.values()],
    calls: [...calls.values()].sort((a, b) => b.total - a.total || a.tool.localeCompare(b.tool)),
    denials: events
      .filter((e) => e.outcome === 'denied')
      .map((e) => ({
        eventId: e.id,
        at: e.occurredAt,
        action: e.action,
        tool: e.tool,
        errorCode: e.errorCode,
        ip: e.ip,
        reason: reasonOf(e),
      })),
    changes: changesOf(events).map((c) => ({ ...c, fields: snapshotDiff(c.before, c.after) })),
    security: events
      .filter((e) => !CALL_ACTIONS.has(e.action))
      .map((e) => ({ eventId: e.id, at: e.occurredAt, action: e.action, tool: e.tool, outcome: e.outcome })),
    reverted: input.reverts.flatMap((e) => {
      const detail = revertDetail(e);
      return detail
        ? [{ eventId: e.id, at: e.occurredAt, undoes: detail.undoes, ref: detail.ref, revert: detail.revert }]
        : [];
    }),
  };
}

/** The keys a name covers, oldest first. */
export async function keysNamed(repos: Pick<Repositories, 'apiKeys'>, workspaceId: string, name: string) {
  const keys = await repos.apiKeys.list(workspaceId);
  return keys.filter((k) => k.name === name).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export function createIncidentReporter(deps: {
  store: Pick<Store, 'members' | 'apiKeys' | 'audit'>;
  clock: Clock;
}) {
  const { store, clock } = deps;
  return async function report(workspace: Workspace, scope: IncidentScope): Promise<IncidentReport> {
    const keys = await keysNamed(store, workspace.id, scope.keyName);
    const events = await listKeyEvents(store, workspace.id, scope);
    if (keys.length === 0 && events.length === 0) {
      throw new AppError(
        'not_found',
        `no key named ${scope.keyName} in workspace ${workspace.slug}, now or in its audit log`,
      );
    }
    return summarizeIncident({
      workspace,
      scope,
      generatedAt: clock.now().toISOString(),
      keys,
      members: await store.members.list(workspace.id, { includeRemoved: true }),
      events,
      reverts: await listReverts(store, workspace.id, scope),
    });
  };
}

export type IncidentReporter = ReturnType<typeof createIncidentReporter>;
