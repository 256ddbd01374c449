/**
 * Rotation reminders: for every live API key, a notice 7 days and 1 day before the rotation
 * the workspace's policy asks for (src/credentials rotationOf: creation plus the period, or
 * the key's expiry when sooner), and one when the key has expired (it now answers 401).
 * Each is keyed by the key and its due time, so the hourly job queues it once; a reminder
 * whose window passed while no instance ran is not sent late (the next one is).
 */
import { keyStatus, rotationOf } from '../credentials/index.js';
import type { ApiKeyRecord, Workspace } from '../model/index.js';
import type { Store } from '../storage/index.js';
import type { Delivery } from './notify-deliver.js';
import { type Notice, type NoticeKind, noticeText } from './notify-notice.js';

const DAY_MS = 86_400_000;
/** An expiry older than this is not announced (a key long dead is no news). */
const EXPIRED_NEWS_MS = 7 * DAY_MS;

export function reminderOf(
  key: ApiKeyRecord,
  workspace: Workspace,
  now: Date,
  publicUrl: string,
): Notice | null {
  if (key.kind !== 'api_key') return null;
  const status = keyStatus(key, now);
  const t = now.getTime();
  const link = `${publicUrl}/admin/keys/${key.id}`;
  const base = {
    workspaceId: workspace.id,
    links: [link],
    credentialId: key.id,
    occurredAt: now.toISOString(),
  };
  const build = (
    kind: NoticeKind,
    key_: string,
    title: string,
    lines: string[],
    data: Record<string, unknown>,
  ): Notice => ({
    ...base,
    kind,
    key: key_,
    subject: `[Taskgate ${workspace.slug}] ${title}`,
    text: noticeText([`Workspace: ${workspace.slug}`, ...lines], [link]),
    data: { workspace: workspace.slug, credentialId: key.id, keyName: key.name, ...data },
  });
  if (status === 'expired') {
    if (t - Date.parse(key.expiresAt) > EXPIRED_NEWS_MS) return null;
    return build(
      'key_expired',
      `expired:${key.id}:${key.expiresAt}`,
      `Key expired: ${key.name}`,
      [
        `The key ${key.name} expired at ${key.expiresAt}; clients using it now get 401.`,
        'Create or rotate a key and update the client configuration.',
      ],
      { expiresAt: key.expiresAt },
    );
  }
  if (status !== 'active') return null;
  const { dueAt } = rotationOf(key, workspace, now);
  const left = Date.parse(dueAt) - t;
  const window =
    left <= 0 ? null : left <= DAY_MS ? ('1d' as const) : left <= 7 * DAY_MS ? ('7d' as const) : null;
  if (!window) return null;
  const when = window === '1d' ? 'within a day' : 'within 7 days';
  return build(
    window === '1d' ? 'rotation_due_1d' : 'rotation_due_7d',
    `rotation:${key.id}:${dueAt}:${window}`,
    `Key rotation due ${when}: ${key.name}`,
    [
      `The key ${key.name} is due for rotation at ${dueAt} (workspace policy: every ${workspace.keyRotationDays} days).`,
      `It expires at ${key.expiresAt}.`,
      'Rotate it: the old key keeps working during the grace window.',
    ],
    { dueAt, expiresAt: key.expiresAt, window },
  );
}

export function createReminders(deps: {
  readonly store: Pick<Store, 'workspaces' | 'apiKeys' | 'transaction'>;
  readonly delivery: Pick<Delivery, 'enqueue'>;
  readonly publicUrl: string;
}) {
  return {
    async remind(now: Date): Promise<number> {
      let queued = 0;
      for (const workspace of await deps.store.workspaces.list()) {
        for (const key of await deps.store.apiKeys.list(workspace.id)) {
          const notice = reminderOf(key, workspace, now, deps.publicUrl);
          if (!notice) continue;
          const rows = await deps.store.transaction((repos) => deps.delivery.enqueue(repos, notice));
          if (rows.length > 0) queued++;
        }
      }
      return queued;
    },
  };
}
