/**
 * The scope catalogue, presets, implication (`X:write` ⇒ `X:read`) and what each role may
 * ever hold. Effective scopes = expand(credential scopes) ∩ role ceiling, minus writes for a
 * read-only credential. Pure.
 */
import type { Role } from '../model/index.js';

export const SCOPES = [
  'projects:read',
  'projects:write',
  'tasks:read',
  'tasks:write',
  'tasks:delete',
  'comments:read',
  'comments:write',
  'time:read',
  'time:write',
  'members:read',
  'audit:read',
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * What the 401 challenge asks for first — enough to look around (MCP authorization, scope
 * selection) — and what an OAuth authorization request without `scope` gets (RFC 6749 §3.3).
 */
export const CHALLENGE_SCOPES = ['projects:read', 'tasks:read'] as const satisfies readonly Scope[];

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  'projects:read': 'see projects',
  'projects:write': 'create and change projects',
  'tasks:read': 'see tasks',
  'tasks:write': 'create and change tasks',
  'tasks:delete': 'move tasks to the trash and restore them',
  'comments:read': 'read comments',
  'comments:write': 'write comments',
  'time:read': 'see time entries',
  'time:write': 'log time',
  'members:read': 'see workspace members',
  'audit:read': 'read the audit log',
};

const READS: readonly Scope[] = SCOPES.filter((s) => s.endsWith(':read') && s !== 'audit:read');
const WRITES: readonly Scope[] = ['projects:write', 'tasks:write', 'comments:write', 'time:write'];

export const PRESETS = {
  'read-only': READS,
  standard: [...READS, ...WRITES.filter((s) => s !== 'projects:write')],
  full: SCOPES,
} as const satisfies Record<string, readonly Scope[]>;
export type Preset = keyof typeof PRESETS;

/** The most each role can ever do through any credential. */
const ROLE_CEILING: Record<Role, readonly Scope[]> = {
  owner: SCOPES,
  admin: SCOPES,
  member: [...READS, 'tasks:write', 'tasks:delete', 'comments:write', 'time:write'],
  viewer: READS,
};

const IMPLIES: Partial<Record<Scope, Scope>> = {
  'projects:write': 'projects:read',
  'tasks:write': 'tasks:read',
  'tasks:delete': 'tasks:read',
  'comments:write': 'comments:read',
  'time:write': 'time:read',
};

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

export function isWriteScope(scope: Scope): boolean {
  return !scope.endsWith(':read');
}

/** Adds implied scopes and returns them in catalogue order, without duplicates. */
export function expandScopes(scopes: readonly Scope[]): Scope[] {
  const set = new Set<Scope>(scopes);
  for (const scope of scopes) {
    const implied = IMPLIES[scope];
    if (implied) set.add(implied);
  }
  return SCOPES.filter((s) => set.has(s));
}

export function roleCeiling(role: Role): readonly Scope[] {
  return ROLE_CEILING[role];
}

/** Scopes in `requested` that `role` can never hold. */
export function beyondRole(requested: readonly Scope[], role: Role): Scope[] {
  const ceiling = new Set(ROLE_CEILING[role]);
  return expandScopes(requested).filter((s) => !ceiling.has(s));
}

export function effectiveScopes(granted: readonly Scope[], role: Role, readOnly: boolean): Scope[] {
  const ceiling = new Set(ROLE_CEILING[role]);
  return expandScopes(granted).filter((s) => ceiling.has(s) && !(readOnly && isWriteScope(s)));
}
