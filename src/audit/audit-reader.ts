/**
 * Reading the audit log back, for people (the console's Activity page and `taskgate audit
 * query`: newest first, one page at a time) and for SIEMs (exports, oldest first, streamed
 * page by page so no export ever holds the table in memory). Resolves the names people type
 * — workspace slug, key name, member email — and refuses unknown ones naming the field.
 *
 * SECURITY: the viewer's scope is applied here, below every entry: owners, admins and the
 * operator at the shell see the workspace; a member or viewer sees only events whose member
 * is them, whatever the filters or cursor say. Cursors are MAC'd to their view
 * (activity-cursor.ts).
 */
import { randomBytes } from 'node:crypto';
import { AppError, type Clock, type FieldIssue, invalidInput, isId, systemClock } from '../core/index.js';
import { canSeeAllProjects, resolveWorkspace } from '../domain/index.js';
import type { AuditEvent, Member, Workspace } from '../model/index.js';
import type { AuditQuery, Store } from '../storage/index.js';
import { type CursorView, createActivityCursors } from './activity-cursor.js';
import {
  type ActivityFilterText,
  checkFilterText,
  type IpRange,
  parseIpRange,
  timeOf,
} from './activity-filters.js';

export const AUDIT_QUERY_DEFAULT_LIMIT = 50;
export const AUDIT_QUERY_MAX_LIMIT = 1000;
export const AUDIT_EXPORT_PAGE_SIZE = 500;
/** Rows an address-block filter may read for one page before it hands back a cursor. */
export const IP_RANGE_SCAN_BUDGET = 5000;

export interface AuditFilterInput extends ActivityFilterText {
  /** Slug or id; may be left out when the database holds exactly one workspace (operator only). */
  readonly workspace?: string | undefined;
}

export interface AuditPageInput extends AuditFilterInput {
  readonly limit?: number | undefined;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string | undefined;
}

/**
 * Who is looking: a signed-in member (the console; their current role decides the scope), or
 * the operator at the server's shell, who sees the workspace as its owner would.
 */
export type ActivityViewer =
  | { readonly kind: 'member'; readonly member: Pick<Member, 'id' | 'workspaceId'> }
  | { readonly kind: 'operator' };

export const OPERATOR: ActivityViewer = { kind: 'operator' };

export interface AuditPage {
  readonly workspace: Workspace;
  /** Newest first. */
  readonly events: readonly AuditEvent[];
  /**
   * Pass back as `cursor` for the next, older page; `null` on the last page. With an address
   * block a page may hold fewer events than asked (or none) and still have a next one.
   */
  readonly nextCursor: string | null;
  /** Pass back as `cursor` for the previous, newer page; `null` on the newest page. */
  readonly prevCursor: string | null;
  /** The members the viewer may see, by id, to show who acted. */
  readonly members: ReadonlyMap<string, Member>;
}

export interface AuditExport {
  readonly workspace: Workspace;
  readonly members: ReadonlyMap<string, Member>;
  /** Oldest first, one page per step. */
  readonly pages: AsyncIterable<readonly AuditEvent[]>;
}

export interface AuditReader {
  page(input: AuditPageInput, viewer?: ActivityViewer): Promise<AuditPage>;
  export(input: AuditFilterInput, pageSize?: number, viewer?: ActivityViewer): Promise<AuditExport>;
  /** The viewer's workspace, their current record (null for the operator) and whether they see all of it. */
  scopeOf(viewer: ActivityViewer, workspace?: string): Promise<ViewerScope>;
}

export interface ViewerScope {
  readonly workspace: Workspace;
  readonly member: Member | null;
  /** False for members and viewers: they see only their own events. */
  readonly seesAll: boolean;
}

type Filters = Omit<AuditQuery, 'cursor' | 'order' | 'limit'>;

interface View {
  readonly scope: ViewerScope;
  readonly members: ReadonlyMap<string, Member>;
  readonly filters: Filters;
  readonly range: IpRange | null;
  /** A scoped viewer filtered on someone else: nothing to show, and nothing said about them. */
  readonly empty: boolean;
}

export function createAuditReader(deps: {
  store: Pick<Store, 'apiKeys' | 'audit' | 'members' | 'workspaces'>;
  /** The cursor MAC key (derived from the instance secret); a fresh one per reader without it. */
  cursorKey?: Uint8Array;
  clock?: Clock;
}): AuditReader {
  const { store } = deps;
  const clock = deps.clock ?? systemClock;
  const cursors = createActivityCursors(deps.cursorKey ?? randomBytes(32));

  async function operatorWorkspace(ref: string | undefined): Promise<Workspace> {
    if (ref !== undefined) return resolveWorkspace(store, ref);
    const all = await store.workspaces.list();
    if (all.length === 1) return all[0] as Workspace;
    if (all.length === 0) throw new AppError('not_found', 'this database has no workspace yet');
    const slugs = all.slice(0, 5).map((w) => w.slug);
    const more = all.length > slugs.length ? ', …' : '';
    throw fieldError(
      'workspace',
      `required: this database has ${all.length} workspaces (${slugs.join(', ')}${more})`,
    );
  }

  async function scopeOf(viewer: ActivityViewer, workspace?: string): Promise<ViewerScope> {
    if (viewer.kind === 'operator') {
      return { workspace: await operatorWorkspace(workspace), member: null, seesAll: true };
    }
    // The member as stored now: a role lowered since sign-in narrows the view at once.
    const { workspaceId, id } = viewer.member;
    const [found, member] = await Promise.all([
      store.workspaces.findById(workspaceId),
      store.members.findById(workspaceId, id),
    ]);
    if (!found || !member) throw new AppError('not_found', 'no such workspace');
    return { workspace: found, member, seesAll: canSeeAllProjects(member.role) };
  }

  async function viewOf(input: AuditFilterInput, viewer: ActivityViewer): Promise<View> {
    const issues = checkFilterText(input);
    if (issues.length) throw invalidInput(issues);
    const scope = await scopeOf(viewer, input.workspace);
    const { workspace, member: self } = scope;
    // Removed members too: an investigation often starts after the removal.
    const all = await store.members.list(workspace.id, { includeRemoved: true });
    const members = new Map(all.filter((m) => scope.seesAll || m.id === self?.id).map((m) => [m.id, m]));
    const filters: { -readonly [K in keyof Filters]: Filters[K] } = {};
    let empty = false;
    if (input.key !== undefined) Object.assign(filters, await keyFilter(scope, input.key.trim()));
    if (input.member !== undefined) {
      const wanted = memberOf(all, input.member);
      if (scope.seesAll && !wanted)
        throw fieldError('member', `no member ${input.member.trim()} in this workspace`);
      if (!scope.seesAll && wanted?.id !== self?.id) empty = true;
      if (wanted) filters.memberId = wanted.id;
    }
    if (!scope.seesAll && self) filters.memberId = self.id;
    if (input.tool !== undefined) filters.tool = input.tool.trim();
    if (input.action !== undefined) filters.action = input.action.trim();
    if (input.outcome !== undefined) filters.outcome = input.outcome.trim();
    const ip = input.ip?.trim();
    const range = ip === undefined ? null : parseIpRange(ip);
    if (ip !== undefined && !range) filters.ip = ip;
    const now = clock.now();
    const since = timeOf(input.since, now);
    const until = timeOf(input.until, now);
    if (since && until && since.getTime() >= until.getTime()) {
      throw fieldError('since', `must be before --until (${until.toISOString()})`);
    }
    if (since) filters.since = since.toISOString();
    if (until) filters.until = until.toISOString();
    return { scope, members, filters, range, empty };
  }

  /**
   * By name, the stored `credential_name`: every key that ever carried it — revoked, expired
   * or rotated out — stays queryable, which is what an incident needs. A scoped viewer's
   * keys are only their own: another member's key is "no key", never a hint that it exists.
   */
  async function keyFilter(scope: ViewerScope, ref: string): Promise<Filters> {
    const { workspace } = scope;
    const keys = (await store.apiKeys.list(workspace.id)).filter(
      (k) => scope.seesAll || k.memberId === scope.member?.id,
    );
    if (isId('apiKey', ref) || isId('connection', ref)) {
      if (!keys.some((k) => k.id === ref))
        throw fieldError('key', `no key ${ref} in workspace ${workspace.slug}`);
      return { credentialId: ref };
    }
    if (!keys.some((k) => k.name === ref)) {
      throw fieldError('key', `no key was ever named "${ref}" in workspace ${workspace.slug}`);
    }
    return { credentialName: ref };
  }

  const cursorView = (view: View, order: 'asc' | 'desc'): CursorView => ({
    workspaceId: view.scope.workspace.id,
    viewer: view.scope.member?.id ?? 'operator',
    order,
    filters: { ...view.filters, ...(view.range && { ipRange: view.range.cidr }) },
  });

  /**
   * Up to `limit` matching events after `after`, and where the next page starts. Without an
   * address block it reads `limit + 1` rows (the extra one says whether more exist); with
   * one it reads batches and keeps those in the block, up to IP_RANGE_SCAN_BUDGET rows.
   */
  async function collect(view: View, order: 'asc' | 'desc', limit: number, after: string | undefined) {
    const query = (cursor: string | undefined, size: number) =>
      store.audit.list(view.scope.workspace.id, {
        ...view.filters,
        ...(cursor !== undefined && { cursor }),
        order,
        limit: size,
      });
    if (!view.range) {
      const rows = await query(after, limit + 1);
      const events = rows.slice(0, limit);
      return { events, next: rows.length > limit ? (events.at(-1)?.id ?? null) : null };
    }
    const events: AuditEvent[] = [];
    const batch = Math.max(limit + 1, 200);
    let cursor = after;
    for (let scanned = 0; scanned < IP_RANGE_SCAN_BUDGET; ) {
      const rows = await query(cursor, batch);
      scanned += rows.length;
      for (const row of rows) {
        if (!view.range.contains(row.ip)) continue;
        if (events.length === limit) return { events, next: events.at(-1)?.id ?? null };
        events.push(row);
      }
      if (rows.length < batch) return { events, next: null };
      cursor = rows.at(-1)?.id;
    }
    return { events, next: cursor ?? null };
  }

  return {
    scopeOf,

    async page(input, viewer = OPERATOR) {
      const limit = input.limit ?? AUDIT_QUERY_DEFAULT_LIMIT;
      const issues = [...checkLimit(limit), ...checkCursorShape(input.cursor)];
      if (issues.length) throw invalidInput(issues);
      const view = await viewOf(input, viewer);
      // A next-page cursor is MAC'd to the newest-first view, a previous-page one to the
      // oldest-first view: neither can be replayed as the other.
      const older = cursorView(view, 'desc');
      const newer = cursorView(view, 'asc');
      let after: string | undefined;
      let order: 'asc' | 'desc' = 'desc';
      if (input.cursor !== undefined) {
        // SECURITY: as printed, never trimmed: a cursor glued to anything is not that cursor.
        const text = input.cursor;
        const back = cursors.decode(newer, text);
        const forward = back === null ? cursors.decode(older, text) : null;
        if (back === null && forward === null) throw invalidInput([CURSOR_ISSUE]);
        after = back ?? forward ?? undefined;
        if (back !== null) order = 'asc';
      }
      const { workspace } = view.scope;
      const members = view.members;
      if (view.empty) return { workspace, events: [], nextCursor: null, prevCursor: null, members };
      const { events, next } = await collect(view, order, limit, after);
      if (order === 'desc') {
        const newest = events[0]?.id;
        return {
          workspace,
          events,
          nextCursor: next === null ? null : cursors.encode(older, next),
          prevCursor: after !== undefined && newest !== undefined ? cursors.encode(newer, newest) : null,
          members,
        };
      }
      // Read oldest first from the cursor on, shown newest first like every page.
      const shown = [...events].reverse();
      const oldest = shown.at(-1)?.id;
      return {
        workspace,
        events: shown,
        nextCursor: oldest === undefined ? null : cursors.encode(older, oldest),
        prevCursor: next === null ? null : cursors.encode(newer, next),
        members,
      };
    },

    async export(input, pageSize = AUDIT_EXPORT_PAGE_SIZE, viewer = OPERATOR) {
      const view = await viewOf(input, viewer);
      async function* pages(): AsyncGenerator<readonly AuditEvent[]> {
        if (view.empty) return;
        let cursor: string | undefined;
        for (;;) {
          const { events, next } = await collect(view, 'asc', pageSize, cursor);
          if (events.length) yield events;
          if (next === null) return;
          cursor = next;
        }
      }
      return { workspace: view.scope.workspace, members: view.members, pages: pages() };
    },
  };
}

function memberOf(members: readonly Member[], ref: string): Member | undefined {
  const wanted = ref.trim().toLowerCase();
  return members.find((m) => m.email === wanted || m.id.toLowerCase() === wanted);
}

function checkLimit(limit: number): FieldIssue[] {
  return Number.isInteger(limit) && limit >= 1 && limit <= AUDIT_QUERY_MAX_LIMIT
    ? []
    : [{ field: 'limit', message: `must be a whole number from 1 to ${AUDIT_QUERY_MAX_LIMIT}` }];
}

const CURSOR_ISSUE: FieldIssue = {
  field: 'cursor',
  message:
    'is not a cursor printed by a previous audit query for this view (same workspace, viewer and filters)',
};

function checkCursorShape(cursor: string | undefined): FieldIssue[] {
  return cursor === undefined || (cursor.length <= 200 && /^[A-Za-z0-9_.-]+$/.test(cursor))
    ? []
    : [CURSOR_ISSUE];
}

function fieldError(field: string, message: string): AppError {
  return invalidInput([{ field, message }]);
}
