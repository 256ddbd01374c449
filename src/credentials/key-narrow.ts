/**
 * Narrowing a key: what its rights become when some are taken away (scopes, projects,
 * read-only, dry-run-only, a shorter life, a tighter IP allow-list). Pure.
 * SECURITY: a narrowing never widens. Every field may only take rights away; a request that
 * would add one (a flag turned off, a later expiry, an IP block outside the allow-list, a
 * scope that is not in the catalogue, glued characters included) is refused with its field
 * named, and then nothing at all changes. The field names are `keys narrow`'s flags.
 */
import type { FieldIssue } from '../core/index.js';
import type { KeyRights } from '../storage/index.js';
import { ipAllowed } from './ip-allow.js';
import { expandScopes, isScope, SCOPES, type Scope } from './scopes.js';

/** What the caller asked to take away, resolved (projects as ids, the expiry as a time). */
export interface NarrowChange {
  readonly removeScopes?: readonly string[];
  readonly removeProjectIds?: readonly string[];
  readonly readOnly?: boolean;
  readonly dryRunOnly?: boolean;
  readonly expiresAt?: Date;
  /** The new allow-list (canonical CIDR blocks). */
  readonly ip?: readonly string[];
}

export type NarrowField = 'remove-scope' | 'remove-project' | 'read-only' | 'dry-run-only' | 'expires' | 'ip';

export type NarrowOutcome =
  | { readonly ok: true; readonly after: KeyRights; readonly changed: readonly NarrowField[] }
  | { readonly ok: false; readonly issues: readonly FieldIssue[] };

// Scope names are ASCII: anything else is escaped, so an invisible glued character shows
// (`"tasks:read\u{200b}"`) instead of hiding in a message that looks like a known scope.
const quoted = (value: string) =>
  JSON.stringify(value).replace(/[^\x20-\x7e]/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);

/** Scopes whose holder also gets `scope` (`tasks:write` gives `tasks:read`). */
function implying(scope: Scope): Scope[] {
  return SCOPES.filter((s) => s !== scope && expandScopes([s]).includes(scope));
}

/** Whether every address of `inner` lies in one of `outer`'s blocks (both canonical CIDR). */
export function cidrWithin(inner: string, outer: readonly string[]): boolean {
  const [address = '', prefix = ''] = inner.split('/');
  return outer.some((block) => {
    const outerPrefix = Number(block.split('/')[1]);
    // One address of a block no larger than `block`, inside it: the whole block is inside.
    return Number(prefix) >= outerPrefix && ipAllowed(address, [block]);
  });
}

function sameList(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');
}

function narrowScopes(before: readonly string[], remove: readonly string[], issues: FieldIssue[]) {
  const unknown = remove.filter((s) => !isScope(s));
  if (unknown.length) {
    issues.push({
      field: 'remove-scope',
      message: `unknown scope ${unknown.map(quoted).join(', ')}; known: ${SCOPES.join(' ')}`,
    });
    return before;
  }
  // Taking away X:read takes away what implies it too, or expansion would give it back.
  const gone = new Set((remove as Scope[]).flatMap((s) => [s, ...implying(s)]));
  const after = expandScopes(before.filter(isScope)).filter((s) => !gone.has(s));
  if (after.length === 0)
    issues.push({ field: 'remove-scope', message: 'would leave the key no scope: revoke it instead' });
  return after;
}

function narrowProjects(
  before: readonly string[] | null,
  remove: readonly string[],
  visible: readonly string[],
  issues: FieldIssue[],
) {
  // A key for every project becomes one for each project its member sees now, minus these.
  const after = (before ?? visible).filter((id) => !remove.includes(id));
  if (after.length === 0)
    issues.push({ field: 'remove-project', message: 'would leave the key no project: revoke it instead' });
  return after;
}

/**
 * The key's rights after `change`, or why the change is refused. `visibleProjectIds`: the
 * projects the key's member can see (what a key without a project list reaches).
 */
export function narrowRights(
  before: KeyRights,
  change: NarrowChange,
  context: { readonly now: Date; readonly visibleProjectIds: readonly string[] },
): NarrowOutcome {
  const issues: FieldIssue[] = [];
  const asked =
    (change.removeScopes?.length ?? 0) + (change.removeProjectIds?.length ?? 0) > 0 ||
    change.readOnly !== undefined ||
    change.dryRunOnly !== undefined ||
    change.expiresAt !== undefined ||
    change.ip !== undefined;
  if (!asked)
    return { ok: false, issues: [{ field: '', message: 'choose at least one right to take away' }] };
  const scopes = change.removeScopes?.length
    ? narrowScopes(before.scopes, change.removeScopes, issues)
    : before.scopes;
  const projectIds = change.removeProjectIds?.length
    ? narrowProjects(before.projectIds, change.removeProjectIds, context.visibleProjectIds, issues)
    : before.projectIds;
  if (change.readOnly === false && before.readOnly)
    issues.push({ field: 'read-only', message: 'a narrowing cannot make a key writable again' });
  if (change.dryRunOnly === false && before.dryRunOnly)
    issues.push({ field: 'dry-run-only', message: 'a narrowing cannot let a dry-run-only key write again' });
  let expiresAt = before.expiresAt;
  if (change.expiresAt !== undefined) {
    if (change.expiresAt.getTime() <= context.now.getTime())
      issues.push({ field: 'expires', message: 'must be in the future (to stop the key now, revoke it)' });
    else if (change.expiresAt.getTime() > Date.parse(before.expiresAt))
      issues.push({
        field: 'expires',
        message: `must be no later than the key's expiry ${before.expiresAt}: a narrowing only shortens its life`,
      });
    else expiresAt = change.expiresAt.toISOString();
  }
  let ipAllow = before.ipAllow;
  if (change.ip !== undefined) {
    const outside = before.ipAllow === null ? [] : change.ip.filter((b) => !cidrWithin(b, before.ipAllow!));
    if (change.ip.length === 0)
      issues.push({ field: 'ip', message: 'give at least one address or CIDR block' });
    else if (outside.length)
      issues.push({
        field: 'ip',
        message: `${outside.join(', ')} is outside the key's allow-list (${before.ipAllow!.join(', ')})`,
      });
    else ipAllow = [...new Set(change.ip)];
  }
  if (issues.length) return { ok: false, issues };
  const after: KeyRights = {
    scopes,
    projectIds,
    readOnly: before.readOnly || change.readOnly === true,
    dryRunOnly: before.dryRunOnly || change.dryRunOnly === true,
    ipAllow,
    expiresAt,
  };
  const changed: NarrowField[] = [];
  if (!sameList(before.scopes, after.scopes)) changed.push('remove-scope');
  if (!sameList(before.projectIds, after.projectIds)) changed.push('remove-project');
  if (before.readOnly !== after.readOnly) changed.push('read-only');
  if (before.dryRunOnly !== after.dryRunOnly) changed.push('dry-run-only');
  if (before.expiresAt !== after.expiresAt) changed.push('expires');
  if (!sameList(before.ipAllow, after.ipAllow)) changed.push('ip');
  return { ok: true, after, changed };
}

/**
 * The rights of another live key of the same rotation family (the old key still in its grace
 * window) once the family is narrowed to `target`: the least of both, so the old secret is
 * never left wider than the new one.
 */
export function meetRights(key: KeyRights, target: KeyRights): KeyRights {
  const scopes = new Set(expandScopes(target.scopes.filter(isScope)));
  const both = (a: readonly string[] | null, b: readonly string[] | null) =>
    a === null ? b : b === null ? a : a.filter((x) => b.includes(x));
  return {
    scopes: expandScopes(key.scopes.filter(isScope)).filter((s) => scopes.has(s)),
    projectIds: both(key.projectIds, target.projectIds),
    readOnly: key.readOnly || target.readOnly,
    dryRunOnly: key.dryRunOnly || target.dryRunOnly,
    ipAllow:
      target.ipAllow === null
        ? key.ipAllow
        : key.ipAllow === null
          ? target.ipAllow
          : target.ipAllow.filter((b) => cidrWithin(b, key.ipAllow!)),
    expiresAt: Date.parse(key.expiresAt) < Date.parse(target.expiresAt) ? key.expiresAt : target.expiresAt,
  };
}

export const rightsOf = (key: KeyRights): KeyRights => ({
  scopes: key.scopes,
  projectIds: key.projectIds,
  readOnly: key.readOnly,
  dryRunOnly: key.dryRunOnly,
  ipAllow: key.ipAllow,
  expiresAt: key.expiresAt,
});
