/**
 * Reading the audit log back, for people (`taskgate audit query`, newest first, one page
 * at a time) and for SIEMs (`taskgate audit export`, oldest first, streamed page by page so
 * no export ever holds the table in memory). Resolves the names people type — workspace
 * slug, key name, member email — and refuses unknown ones naming the flag, changing nothing.
 */
import { isIP } from 'node:net';
import { AppError, type FieldIssue, invalidInput, isId } from '../core/index.js';
import { resolveWorkspace } from '../domain/index.js';
import { AUDIT_OUTCOMES, type AuditEvent, type Member, type Workspace } from '../model/index.js';
import type { AuditQuery, Store } from '../storage/index.js';

export const AUDIT_QUERY_DEFAULT_LIMIT = 50;
export const AUDIT_QUERY_MAX_LIMIT = 1000;
export const AUDIT_EXPORT_PAGE_SIZE = 500;

export interface AuditFilterInput {
  /** Slug or id; may be left out when the database holds exactly one workspace. */
  readonly workspace?: string | undefined;
  /** A key's name (any key that ever had it, revoked or rotated out included) or its id. */
  readonly key?: string | undefined;
  /** A member's email or id. */
  readonly member?: string | undefined;
  readonly tool?: string | undefined;
  readonly action?: string | undefined;
  readonly outcome?: string | undefined;
  readonly ip?: string | undefined;
  /** Inclusive lower and exclusive upper bound on the event time. */
  readonly since?: Date | undefined;
  readonly until?: Date | undefined;
}

export interface AuditPageInput extends AuditFilterInput {
  readonly limit?: number | undefined;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string | undefined;
}

export interface AuditPage {
  readonly workspace: Workspace;
  /** Newest first. */
  readonly events: readonly AuditEvent[];
  /** Pass back as `cursor` for the next, older page; `null` on the last page. */
  readonly nextCursor: string | null;
  /** The workspace's members by id, to show who acted. */
  readonly members: ReadonlyMap<string, Member>;
}

export interface AuditExport {
  readonly workspace: Workspace;
  readonly members: ReadonlyMap<string, Member>;
  /** Oldest first, one page per step. */
  readonly pages: AsyncIterable<readonly AuditEvent[]>;
}

export interface AuditReader {
  page(input: AuditPageInput): Promise<AuditPage>;
  export(input: AuditFilterInput, pageSize?: number): Promise<AuditExport>;
}

type Filters = Omit<AuditQuery, 'cursor' | 'order' | 'limit'>;

interface Scope {
  readonly workspace: Workspace;
  readonly members: ReadonlyMap<string, Member>;
  readonly filters: Filters;
}

export function createAuditReader(deps: {
  store: Pick<Store, 'apiKeys' | 'audit' | 'members' | 'workspaces'>;
}): AuditReader {
  const { store } = deps;

  async function workspaceOf(ref: string | undefined): Promise<Workspace> {
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

  async function scopeOf(input: AuditFilterInput): Promise<Scope> {
    const issues = checkFilters(input);
    if (issues.length) throw invalidInput(issues);
    const workspace = await workspaceOf(input.workspace);
    const members = new Map(
      (await store.members.list(workspace.id, { includeRemoved: true })).map((m) => [m.id, m]),
    );
    const filters: { -readonly [K in keyof Filters]: Filters[K] } = {};
    if (input.key !== undefined) Object.assign(filters, await keyFilter(workspace, input.key.trim()));
    if (input.member !== undefined) filters.memberId = memberOf(members, input.member).id;
    if (input.tool !== undefined) filters.tool = input.tool.trim();
    if (input.action !== undefined) filters.action = input.action.trim();
    if (input.outcome !== undefined) filters.outcome = input.outcome;
    if (input.ip !== undefined) filters.ip = input.ip.trim();
    if (input.since !== undefined) filters.since = input.since.toISOString();
    if (input.until !== undefined) filters.until = input.until.toISOString();
    return { workspace, members, filters };
  }

  /**
   * By name, the stored `credential_name`: every key that ever carried it — revoked, expired
   * or rotated out — stays queryable, which is what an incident needs.
   */
  async function keyFilter(workspace: Workspace, ref: string): Promise<Filters> {
    const keys = await store.apiKeys.list(workspace.id);
    if (isId('apiKey', ref)) {
      if (!keys.some((k) => k.id === ref))
        throw fieldError('key', `no key ${ref} in workspace ${workspace.slug}`);
      return { credentialId: ref };
    }
    if (!keys.some((k) => k.name === ref)) {
      throw fieldError('key', `no key was ever named "${ref}" in workspace ${workspace.slug}`);
    }
    return { credentialName: ref };
  }

  return {
    async page(input) {
      const limit = input.limit ?? AUDIT_QUERY_DEFAULT_LIMIT;
      const issues = [...checkLimit(limit), ...checkCursor(input.cursor)];
      if (issues.length) throw invalidInput(issues);
      const { workspace, members, filters } = await scopeOf(input);
      // One more than asked tells whether another page exists without a count query.
      const rows = await store.audit.list(workspace.id, {
        ...filters,
        ...(input.cursor !== undefined && { cursor: input.cursor }),
        order: 'desc',
        limit: limit + 1,
      });
      const events = rows.slice(0, limit);
      const nextCursor = rows.length > limit ? (events.at(-1)?.id ?? null) : null;
      return { workspace, events, nextCursor, members };
    },

    async export(input, pageSize = AUDIT_EXPORT_PAGE_SIZE) {
      const { workspace, members, filters } = await scopeOf(input);
      async function* pages(): AsyncGenerator<readonly AuditEvent[]> {
        let cursor: string | undefined;
        for (;;) {
          const rows = await store.audit.list(workspace.id, {
            ...filters,
            ...(cursor !== undefined && { cursor }),
            order: 'asc',
            limit: pageSize,
          });
          if (rows.length) yield rows;
          if (rows.length < pageSize) return;
          cursor = rows.at(-1)?.id;
        }
      }
      return { workspace, members, pages: pages() };
    },
  };
}

function memberOf(members: ReadonlyMap<string, Member>, ref: string): Member {
  const wanted = ref.trim().toLowerCase();
  for (const member of members.values()) {
    if (member.email === wanted || member.id.toLowerCase() === wanted) return member;
  }
  throw fieldError('member', `no member ${ref.trim()} in this workspace`);
}

function checkFilters(input: AuditFilterInput): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const field of ['key', 'member', 'tool', 'action'] as const) {
    const value = input[field];
    if (value !== undefined && value.trim() === '') issues.push({ field, message: 'must not be empty' });
  }
  if (input.outcome !== undefined && !(AUDIT_OUTCOMES as readonly string[]).includes(input.outcome)) {
    issues.push({ field: 'outcome', message: `must be one of ${AUDIT_OUTCOMES.join(', ')}` });
  }
  if (input.ip !== undefined && isIP(input.ip.trim()) === 0) {
    issues.push({ field: 'ip', message: 'must be an IPv4 or IPv6 address, e.g. 203.0.113.7' });
  }
  if (input.since && input.until && input.since.getTime() >= input.until.getTime()) {
    issues.push({ field: 'since', message: `must be before --until (${input.until.toISOString()})` });
  }
  return issues;
}

function checkLimit(limit: number): FieldIssue[] {
  return Number.isInteger(limit) && limit >= 1 && limit <= AUDIT_QUERY_MAX_LIMIT
    ? []
    : [{ field: 'limit', message: `must be a whole number from 1 to ${AUDIT_QUERY_MAX_LIMIT}` }];
}

function checkCursor(cursor: string | undefined): FieldIssue[] {
  return cursor === undefined || isId('auditEvent', cursor)
    ? []
    : [{ field: 'cursor', message: 'is not a cursor printed by a previous audit query' }];
}

function fieldError(field: string, message: string): AppError {
  return invalidInput([{ field, message }]);
}
