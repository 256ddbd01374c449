/**
 * The keys that need a human's attention, for the console's Overview and `keys health`:
 * due soon or overdue for rotation under the workspace's policy, never used, or idle for
 * 30 days or more. Only live API keys count: a revoked, expired or rotated-out key needs
 * nothing more, and an OAuth connection is renewed by its client, not rotated. Pure.
 */
import type { Workspace } from '../model/index.js';
import { DAY_MS, type KeyView } from './key-view.js';

export const IDLE_DAYS = 30;

/** What the Overview shows of a key: enough to find it and its owner, nothing of the secret. */
export interface KeyHealthEntry {
  readonly id: string;
  readonly name: string;
  readonly owner: { readonly id: string; readonly email: string };
  readonly environment: string;
  readonly display: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly rotation: KeyView['rotation'];
  readonly lastUsed: KeyView['lastUsed'];
}

export interface KeyHealth {
  readonly workspace: { readonly slug: string; readonly keyRotationDays: number };
  readonly at: string;
  /** Live API keys judged; the lists below are drawn from them (a key may be in several). */
  readonly liveKeys: number;
  readonly dueSoon: readonly KeyHealthEntry[];
  readonly overdue: readonly KeyHealthEntry[];
  readonly neverUsed: readonly KeyHealthEntry[];
  /** Used once, but not for `IDLE_DAYS` days or more. */
  readonly idle: readonly KeyHealthEntry[];
}

const entry = (k: KeyView): KeyHealthEntry => ({
  id: k.id,
  name: k.name,
  owner: { id: k.member.id, email: k.member.email },
  environment: k.environment,
  display: k.display,
  createdAt: k.createdAt,
  expiresAt: k.expiresAt,
  rotation: k.rotation,
  lastUsed: k.lastUsed,
});

const byName = (a: KeyHealthEntry, b: KeyHealthEntry) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function summarizeKeyHealth(
  workspace: Pick<Workspace, 'slug' | 'keyRotationDays'>,
  views: readonly KeyView[],
  now: Date,
): KeyHealth {
  const live = views.filter((k) => k.kind === 'api_key' && k.status === 'active');
  const idleSince = now.getTime() - IDLE_DAYS * DAY_MS;
  const pick = (test: (k: KeyView) => boolean) => live.filter(test).map(entry).sort(byName);
  return {
    workspace: { slug: workspace.slug, keyRotationDays: workspace.keyRotationDays },
    at: now.toISOString(),
    liveKeys: live.length,
    dueSoon: pick((k) => k.rotation.state === 'due_soon'),
    overdue: pick((k) => k.rotation.state === 'overdue'),
    neverUsed: pick((k) => k.lastUsed === null),
    idle: pick((k) => k.lastUsed !== null && Date.parse(k.lastUsed.at) <= idleSince),
  };
}
