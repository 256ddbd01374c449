/**
 * The checklist items about keys (docs/checklist.md): one function per item, each judging
 * the snapshot's keys and naming the ones at fault. A member's evaluation hands these only
 * their own keys, so every item here is one a member may see. Pure.
 */
import {
  checkKeyName,
  expandScopes,
  isScope,
  rotationOf,
  SCOPES,
  suggestKeyName,
} from '../credentials/index.js';
import type { ApiKeyRecord } from '../model/index.js';
import {
  type ChecklistItem,
  type ChecklistSnapshot,
  inertName,
  keysFix,
  nameList,
  plural,
  refOf,
} from './checklist-model.js';

const DAY_MS = 86_400_000;
/** A full-scope production key unused this long should not exist (guide: least privilege). */
export const IDLE_FULL_SCOPE_DAYS = 30;

/** Name segments that say a key belongs to another environment than production, or to it. */
const NON_PRODUCTION_WORDS = new Set([
  'dev',
  'development',
  'test',
  'testing',
  'staging',
  'stage',
  'local',
  'localhost',
  'sandbox',
  'demo',
]);
const PRODUCTION_WORDS = new Set(['prod', 'production', 'live']);
/** Segments that say nothing about which client or machine holds the key. */
const GENERIC_WORDS = new Set([
  'key',
  'keys',
  'api',
  'token',
  'secret',
  'new',
  'my',
  'default',
  'temp',
  'tmp',
]);

/**
 * The keys still in their own right: a key rotated out (in its grace) shares its successor's
 * name and is going away, so only its use — it still works — is judged.
 */
const current = (s: ChecklistSnapshot) => s.keys.filter((k) => k.replacedBy === null);

const words = (text: string) =>
  text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

function item(
  base: Pick<ChecklistItem, 'id' | 'title'>,
  offenders: readonly ApiKeyRecord[],
  fail: boolean,
  pass: string,
  finding: string,
): ChecklistItem {
  const keys = offenders.map(refOf);
  if (keys.length === 0) return { ...base, status: 'pass', finding: pass, fix: '/admin/keys', keys };
  return { ...base, status: fail ? 'fail' : 'warn', finding, fix: keysFix(keys), keys };
}

export function separateKeys(s: ChecklistSnapshot): ChecklistItem {
  const shared = s.keys.filter((k) => (s.sightings.get(k.id)?.clients.size ?? 0) > 1);
  const describe = (key: ApiKeyRecord) =>
    `${inertName(key.name)} (${nameList([...(s.sightings.get(key.id)?.clients ?? [])].sort().map(inertName))})`;
  return item(
    { id: 'separate-keys', title: 'Separate API keys per client' },
    shared,
    true,
    `no key was used by more than one client in the last ${USAGE_WINDOW_DAYS} days`,
    `${plural(shared.length, 'key')} used by several clients: ${listOf(shared, describe)}; give each client its own key`,
  );
}

export function descriptiveNames(s: ChecklistSnapshot): ChecklistItem {
  const broken = current(s).filter((k) => checkKeyName(k.name) !== undefined);
  const generic = current(s).filter(
    (k) =>
      checkKeyName(k.name) === undefined &&
      words(k.name).every((w) => GENERIC_WORDS.has(w) || /^\d+$/.test(w)),
  );
  const base = { id: 'descriptive-names', title: 'Descriptive key names' } as const;
  if (broken.length > 0) {
    return item(
      base,
      [...broken, ...generic],
      true,
      '',
      `${plural(broken.length, 'key')} break the client-machine naming rule: ${listOf(
        broken,
        (k) => `${inertName(k.name)} (try ${inertName(suggestKeyName(k.name))})`,
      )}${generic.length ? `; ${plural(generic.length, 'key')} say nothing: ${listOf(generic)}` : ''}`,
    );
  }
  return item(
    base,
    generic,
    false,
    `every key is named client-machine (${plural(current(s).length, 'key')})`,
    `${plural(generic.length, 'key')} name no client or machine: ${listOf(generic)}`,
  );
}

export function rotation(s: ChecklistSnapshot): ChecklistItem {
  const states = current(s).map((k) => ({ key: k, ...rotationOf(k, s.workspace, s.now) }));
  const overdue = states.filter((r) => r.state === 'overdue');
  const dueSoon = states.filter((r) => r.state === 'due_soon');
  const days = s.workspace.keyRotationDays;
  const base = { id: 'rotation', title: `Keys rotated within ${days} days` } as const;
  const soon = dueSoon.length
    ? `; ${plural(dueSoon.length, 'key')} due within a week: ${listOf(dueSoon.map((r) => r.key))}`
    : '';
  if (overdue.length > 0) {
    return item(
      base,
      [...overdue, ...dueSoon].map((r) => r.key),
      true,
      '',
      `${plural(overdue.length, 'key')} overdue for rotation (policy: ${days} days): ${listOf(overdue.map((r) => r.key))}${soon}`,
    );
  }
  return item(
    base,
    dueSoon.map((r) => r.key),
    false,
    `no key is older than the ${days}-day rotation policy`,
    soon.slice(2),
  );
}

/**
 * A workspace has one environment and a key one: they must match (the key service refuses a
 * mismatch; older or imported rows may not), and a key's name or the clients using it must not
 * say it belongs to another environment — a `dev` client on a production key, or the reverse.
 */
export function environmentsSeparated(s: ChecklistSnapshot): ChecklistItem {
  const env = s.workspace.environment;
  const mismatched = current(s).filter((k) => k.environment !== env);
  const foreign = env === 'production' ? NON_PRODUCTION_WORDS : PRODUCTION_WORDS;
  const saysOther = (text: string) => words(text).some((w) => foreign.has(w));
  const misnamed = current(s).filter(
    (k) =>
      k.environment === env &&
      (saysOther(k.name) || [...(s.sightings.get(k.id)?.clients ?? [])].some(saysOther)),
  );
  const base = {
    id: 'environments-separated',
    title: 'Separate keys for development, staging and production',
  } as const;
  const named = misnamed.length
    ? `${plural(misnamed.length, 'key')} of this ${env} workspace named or used as ${env === 'production' ? 'non-production' : 'production'}: ${listOf(misnamed)}`
    : '';
  if (mismatched.length > 0) {
    return item(
      base,
      [...mismatched, ...misnamed],
      true,
      '',
      `${plural(mismatched.length, 'key')} made for another environment than ${env}: ${listOf(
        mismatched,
        (k) => `${inertName(k.name)} (${k.environment})`,
      )}${named ? `; ${named}` : ''}`,
    );
  }
  return item(base, misnamed, false, `every key is a ${env} key, named and used as one`, named);
}

export function oneMachinePerKey(s: ChecklistSnapshot): ChecklistItem {
  const roaming = s.keys.filter((k) => (s.sightings.get(k.id)?.ips.size ?? 0) > 1);
  // A warning, not a failure: a laptop changing networks shows up as a second address.
  return item(
    { id: 'one-machine-per-key', title: 'No key seen from several machines' },
    roaming,
    false,
    `no key was seen from more than one address in the last ${USAGE_WINDOW_DAYS} days`,
    `${plural(roaming.length, 'key')} seen from several addresses: ${listOf(
      roaming,
      (k) => `${inertName(k.name)} (${s.sightings.get(k.id)?.ips.size} addresses)`,
    )}; one key per machine, or pin it with an IP allow-list`,
  );
}

export function idleFullScope(s: ChecklistSnapshot): ChecklistItem {
  const cutoff = s.now.getTime() - IDLE_FULL_SCOPE_DAYS * DAY_MS;
  const idle = current(s).filter((k) => {
    if (k.environment !== 'production' || k.readOnly) return false;
    const granted = new Set(expandScopes(k.scopes.filter(isScope)));
    if (!SCOPES.every((scope) => granted.has(scope))) return false;
    return Date.parse(k.lastUsedAt ?? k.createdAt) <= cutoff;
  });
  return item(
    { id: 'idle-full-scope', title: `No full-scope production key unused for ${IDLE_FULL_SCOPE_DAYS} days` },
    idle,
    true,
    `no full-scope production key has been idle for ${IDLE_FULL_SCOPE_DAYS} days`,
    `${plural(idle.length, 'full-scope production key')} unused for ${IDLE_FULL_SCOPE_DAYS} days or more: ${listOf(idle)}; revoke or narrow them`,
  );
}

/** How far back the audit log is read for the clients and addresses a key was seen from. */
export const USAGE_WINDOW_DAYS = 30;

function listOf(
  keys: readonly ApiKeyRecord[],
  describe: (key: ApiKeyRecord) => string = (k) => inertName(k.name),
): string {
  return nameList(keys.map(describe));
}
