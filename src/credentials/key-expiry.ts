/**
 * `key.expired`: recorded once per key, the first time it is presented after its expiry, so
 * the audit log says when a key died of old age (and that someone still held it). Needs no
 * column of its own: the audit log is asked whether the event exists. Concurrent first uses
 * both write it, but the second to take the chain's head lock sees the first (committed
 * while it waited) and rolls its own back — so there is exactly one on either store.
 */
import type { AuditLog } from '../audit/index.js';
import type { ApiKeyRecord } from '../model/index.js';
import type { Repositories, Store } from '../storage/index.js';

export const KEY_EXPIRED = 'key.expired';

class AlreadyRecorded extends Error {}

export interface KeyExpiryDeps {
  readonly store: Pick<Store, 'audit' | 'transaction'>;
  readonly audit: AuditLog;
}

/** Records `key.expired` for `key` unless it is already recorded; returns whether it did. */
export async function recordKeyExpiry(
  deps: KeyExpiryDeps,
  key: ApiKeyRecord,
  ip: string | null,
): Promise<boolean> {
  const recorded = async (repos: Pick<Repositories, 'audit'>, atMost: number) =>
    (await repos.audit.list(key.workspaceId, { credentialId: key.id, action: KEY_EXPIRED, limit: atMost }))
      .length;
  // The common case, every later use of a dead key: one indexed read, no write.
  if ((await recorded(deps.store, 1)) > 0) return false;
  try {
    await deps.store.transaction(async (repos) => {
      await deps.audit.record(repos, {
        action: KEY_EXPIRED,
        outcome: 'ok',
        workspaceId: key.workspaceId,
        memberId: key.memberId,
        credentialId: key.id,
        credentialName: key.name,
        environment: key.environment,
        ip,
        detail: { expiresAt: key.expiresAt },
      });
      // record() holds the chain's head lock until commit: anyone who wrote first is visible now.
      if ((await recorded(repos, 2)) > 1) throw new AlreadyRecorded();
    });
    return true;
  } catch (error) {
    if (error instanceof AlreadyRecorded) return false;
    throw error;
  }
}
