/**
 * Usage: calls per UTC day per key and per tool, errors and denials, and executed writes by
 * tool, for the last N days — read out of the audit log in one grouped query. The CLI
 * (`taskgate usage`), the console's Usage page and each key's page all call this.
 * SECURITY: owners and admins see every key; members and viewers only their own. A key they
 * may not see is answered exactly like one that does not exist.
 */
import { AppError, invalidInput, isId } from '../core/index.js';
import { quoteText, resolveWorkspace } from '../domain/index.js';
import type { ApiKeyRecord, Role, Workspace } from '../model/index.js';
import type { Store, UsageCount } from '../storage/index.js';

export const USAGE_DEFAULT_DAYS = 30;
export const USAGE_MAX_DAYS = 90;
/** What counts as a call: a tool call, or an MCP request refused before any tool ran. */
export const USAGE_CALL_ACTIONS = ['mcp.tool_called', 'mcp.request'] as const;
const DAY_MS = 86_400_000;

/** The signed-in member asking (the console); the CLI's operator passes none and sees all. */
export interface UsageViewer {
  readonly workspaceId: string;
  readonly memberId: string;
  readonly role: Role;
}

export interface UsageInput {
  /** Slug or id. */
  readonly workspace: string;
  /** 1 to 90; default 30. The window ends with today (UTC) included. */
  readonly days?: number | undefined;
  /** Only this key: its name (every key that ever had it) or id. */
  readonly key?: string | undefined;
  readonly viewer?: UsageViewer | undefined;
}

/** One line of a chart: a label and one count per day of the report. */
export interface DaySeries {
  readonly label: string;
  readonly total: number;
  /** Aligned with `UsageReport.days`. */
  readonly perDay: readonly number[];
}

export interface UsageReport {
  readonly workspace: Workspace;
  /** `YYYY-MM-DD`, oldest first, every day of the window (quiet days too). */
  readonly days: readonly string[];
  /** The window: inclusive start, exclusive end (the next UTC midnight). */
  readonly since: string;
  readonly until: string;
  /** The key asked for, by name, when `key` was given. */
  readonly key: string | null;
  readonly calls: DaySeries;
  readonly errors: DaySeries;
  readonly denials: DaySeries;
  readonly writes: DaySeries;
  /** Busiest first; a key's rotations share its name and so its line. */
  readonly byKey: readonly DaySeries[];
  readonly byTool: readonly DaySeries[];
  /** Executed writes (events that record changes) by tool. */
  readonly writesByTool: readonly DaySeries[];
}

export interface UsageService {
  report(input: UsageInput): Promise<UsageReport>;
  /** A key's page: the same report for one key (required). */
  forKey(input: UsageInput & { readonly key: string }): Promise<UsageReport>;
}

export function createUsageService(deps: {
  store: Pick<Store, 'apiKeys' | 'usage' | 'workspaces'>;
  clock: { now(): Date };
}): UsageService {
  const { store, clock } = deps;

  async function report(input: UsageInput): Promise<UsageReport> {
    const days = checkedDays(input.days);
    const workspace = await resolveWorkspace(store, input.workspace);
    // SECURITY: a member of another workspace learns nothing about this one.
    if (input.viewer && input.viewer.workspaceId !== workspace.id)
      throw new AppError('not_found', `workspace ${input.workspace} not found`);
    const visible = visibleKeys(await store.apiKeys.list(workspace.id), input.viewer);
    const keys = input.key === undefined ? visible : keysNamed(visible, input.key.trim(), workspace);
    const window = windowOf(clock.now(), days);
    // An operator's or an owner's whole view reads every credential: no list to send.
    const everyKey = input.key === undefined && (!input.viewer || seesEveryKey(input.viewer.role));
    const rows = await store.usage.dailyCounts(workspace.id, {
      since: window.since,
      until: window.until,
      actions: USAGE_CALL_ACTIONS,
      ...(!everyKey && { credentialIds: keys.map((k) => k.id) }),
    });
    const names = new Map(keys.map((k) => [k.id, k.name]));
    return {
      workspace,
      ...window,
      key: input.key === undefined ? null : (keys[0]?.name ?? null),
      ...summarize(rows, window.days, (id) => names.get(id) ?? id),
    };
  }

  return {
    report,
    forKey: (input) => report(input),
  };
}

/** Throws the field error a person can act on; `undefined` is the default. */
function checkedDays(days: number | undefined): number {
  if (days === undefined) return USAGE_DEFAULT_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > USAGE_MAX_DAYS)
    throw invalidInput([
      { field: 'days', message: `must be a whole number of days from 1 to ${USAGE_MAX_DAYS}` },
    ]);
  return days;
}

/** Those who manage the workspace (issue 15: owners and admins); the rest see their own keys. */
const seesEveryKey = (role: Role) => role === 'owner' || role === 'admin';

function visibleKeys(keys: readonly ApiKeyRecord[], viewer: UsageViewer | undefined): ApiKeyRecord[] {
  if (viewer === undefined || seesEveryKey(viewer.role)) return [...keys];
  return keys.filter((k) => k.memberId === viewer.memberId);
}

/** Every visible key that ever had the name (rotations share it), or the one with the id. */
function keysNamed(keys: readonly ApiKeyRecord[], ref: string, workspace: Workspace): ApiKeyRecord[] {
  const found = keys.filter((k) => (isId('apiKey', ref) ? k.id === ref : k.name === ref));
  // SECURITY: another member's key reads exactly like one that does not exist.
  if (!found.length)
    throw new AppError('not_found', `no key ${quoteText(ref)} in workspace ${workspace.slug}`);
  return found;
}

/** The last `days` UTC days, today included: from a midnight to the next midnight after now. */
export function windowOf(now: Date, days: number): { since: string; until: string; days: string[] } {
  const tomorrow = Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS;
  const start = tomorrow - days * DAY_MS;
  const list = Array.from({ length: days }, (_, i) =>
    new Date(start + i * DAY_MS).toISOString().slice(0, 10),
  );
  return { since: new Date(start).toISOString(), until: new Date(tomorrow).toISOString(), days: list };
}

type Totals = Pick<
  UsageReport,
  'calls' | 'errors' | 'denials' | 'writes' | 'byKey' | 'byTool' | 'writesByTool'
>;

/** Folds the grouped rows into day series; a day the database had no row for stays 0. */
function summarize(
  rows: readonly UsageCount[],
  days: readonly string[],
  keyName: (id: string) => string,
): Totals {
  const index = new Map(days.map((d, i) => [d, i]));
  const totals = new Map<string, number[]>();
  const byKey = new Map<string, number[]>();
  const byTool = new Map<string, number[]>();
  const writes = new Map<string, number[]>();
  const add = (map: Map<string, number[]>, label: string, at: number, n: number) => {
    const values = map.get(label) ?? days.map(() => 0);
    values[at] = (values[at] ?? 0) + n;
    map.set(label, values);
  };
  for (const row of rows) {
    const at = index.get(row.day);
    if (at === undefined) continue;
    const tool = row.tool ?? '(no tool)';
    add(totals, 'calls', at, row.count);
    if (row.outcome === 'error') add(totals, 'errors', at, row.count);
    if (row.outcome === 'denied') add(totals, 'denials', at, row.count);
    if (row.wrote && row.outcome === 'ok') {
      add(totals, 'writes', at, row.count);
      add(writes, tool, at, row.count);
    }
    add(byKey, keyName(row.credentialId), at, row.count);
    add(byTool, tool, at, row.count);
  }
  const one = (label: string) => toSeries(label, totals.get(label) ?? days.map(() => 0));
  return {
    calls: one('calls'),
    errors: one('errors'),
    denials: one('denials'),
    writes: one('writes'),
    byKey: ranked(byKey),
    byTool: ranked(byTool),
    writesByTool: ranked(writes),
  };
}

function toSeries(label: string, perDay: readonly number[]): DaySeries {
  return { label, total: perDay.reduce((a, b) => a + b, 0), perDay };
}

function ranked(map: ReadonlyMap<string, readonly number[]>): DaySeries[] {
  return [...map]
    .map(([label, perDay]) => toSeries(label, perDay))
    .sort((a, b) => b.total - a.total || (a.label < b.label ? -1 : 1));
}
