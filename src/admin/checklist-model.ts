/**
 * The security checklist's vocabulary: an item, its status, the snapshot of a workspace the
 * items are judged on, and how a finding names a key. Pure.
 * SECURITY: key names and client names are caller-chosen text that ends up in a terminal and
 * in a page; every one is shown as a single JSON-quoted token with control characters, bidi
 * controls and markup characters escaped, so it can neither break a line nor open a tag.
 */
import { quoteText } from '../domain/index.js';
import type { ApiKeyRecord, ConfirmationTier, RiskClass, Workspace } from '../model/index.js';

export const CHECKLIST_STATUSES = ['pass', 'warn', 'fail', 'advice'] as const;
export type ChecklistStatus = (typeof CHECKLIST_STATUSES)[number];

export const CHECKLIST_ITEM_IDS = [
  'separate-keys',
  'descriptive-names',
  'rotation',
  'confirm-writes',
  'audit-verified',
  'environments-separated',
  'one-machine-per-key',
  'idle-full-scope',
  'never-commit-keys',
  'store-keys-securely',
  'revoke-when-compromised',
  'monitor-usage',
] as const;
export type ChecklistItemId = (typeof CHECKLIST_ITEM_IDS)[number];

/** A key a finding is about: enough for the console to link it, never the secret. */
export interface ChecklistKeyRef {
  readonly id: string;
  readonly name: string;
}

export interface ChecklistItem {
  readonly id: ChecklistItemId;
  readonly title: string;
  readonly status: ChecklistStatus;
  /** One line, offending keys named with `inertName`. */
  readonly finding: string;
  /** A console path (`/admin/keys/key_…`, `/admin/policy`) or, for advice, the guide section. */
  readonly fix: string;
  readonly keys: readonly ChecklistKeyRef[];
}

/** Who and what a key was seen from in the usage window (the audit log and its last use). */
export interface KeySightings {
  readonly ips: ReadonlySet<string>;
  readonly clients: ReadonlySet<string>;
}

export interface AuditVerification {
  readonly at: string;
  /** The member who ran it, or `null` for the command line. */
  readonly by: string | null;
  readonly ok: boolean;
}

/** What the items are judged on, read once per evaluation so that they agree with each other. */
export interface ChecklistSnapshot {
  readonly workspace: Workspace;
  readonly now: Date;
  /** Live API keys (active or in grace) in the evaluation's scope. */
  readonly keys: readonly ApiKeyRecord[];
  readonly sightings: ReadonlyMap<string, KeySightings>;
  /** True when the usage window held more events than were read: sightings are the newest. */
  readonly sightingsCapped: boolean;
  readonly tiers: Readonly<Record<RiskClass, ConfirmationTier>>;
  readonly verification: AuditVerification | null;
}

/** How many names a finding spells out before "and N more" (the `keys` list has them all). */
export const NAMES_IN_FINDING = 5;

/**
 * A name as one inert token: JSON-quoted, control and bidi characters escaped, and `<`, `>`
 * and `&` as `\u003c`-style escapes (still a valid JSON string) so no renderer sees markup.
 */
export function inertName(name: string): string {
  return quoteText(name).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `"a", "b" and 3 more`: the first few of `shown`, which are already made inert. */
export function nameList(shown: readonly string[]): string {
  const more = shown.length - NAMES_IN_FINDING;
  const list = shown.slice(0, NAMES_IN_FINDING).join(', ');
  return more > 0 ? `${list} and ${more} more` : list;
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The key's own page when one key is at fault, the key list when several are. */
export function keysFix(keys: readonly ChecklistKeyRef[]): string {
  return keys.length === 1 ? `/admin/keys/${encodeURIComponent(keys[0]!.id)}` : '/admin/keys';
}

export const refOf = (key: ApiKeyRecord): ChecklistKeyRef => ({ id: key.id, name: key.name });
