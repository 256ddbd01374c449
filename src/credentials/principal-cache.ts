/**
 * SECURITY: keeps the credentials `authenticate` has looked up (key, workspace, member, and
 * whether the workspace refuses API keys, read with them), each with the authentication
 * epoch it was read at, so that a request pays one single-row read instead of the joined
 * lookup — shared by concurrent requests, but always one that started after they came. The
 * epoch is moved by database triggers with every committed change any of those reads could
 * see (migration 0020), whoever writes: this process, another instance, the CLI. So an
 * entry is used only while nothing it was read from has changed; otherwise it is read again.
 * What depends on time (expiry, the end of a rotation's grace) is not cached: `keyRefusal`
 * judges the record at every call. An unknown key is not cached.
 * docs/keys.md, "A change takes effect on the next request, even with credentials cached".
 */
import { freshReads } from '../core/index.js';
import type { ApiKeyRepository, KeyUsage, Store } from '../storage/index.js';
import { type AuthenticatorDeps, createAuthenticator } from './authenticate.js';

/** Entries kept at most per lookup (least recently used goes first): a few MB at ~1 KB each. */
export const PRINCIPAL_CACHE_MAX_ENTRIES = 10_000;

type Lookup = 'findOwnedByHash' | 'findOwnedById';
type Owned<L extends Lookup> = NonNullable<Awaited<ReturnType<ApiKeyRepository[L]>>>;

interface Entry<T> {
  /** The epoch read before the record: a change that lands in between makes it stale, never wrong. */
  readonly epoch: string;
  readonly owned: T;
}

export interface PrincipalCache {
  /** `createAuthenticator` reading through the cache. */
  authenticator(deps: AuthenticatorDeps): ReturnType<typeof createAuthenticator>;
  /**
   * Where requests stamp a key's last use: the write goes through and this process's cached
   * copy learns it, since last use moves no epoch (it changes on use, and decides no right).
   */
  readonly keyUse: { readonly apiKeys: Pick<ApiKeyRepository, 'recordUse'> };
}

export function createPrincipalCache(
  store: Pick<Store, 'authEpoch' | 'apiKeys'>,
  maxEntries = PRINCIPAL_CACHE_MAX_ENTRIES,
): PrincipalCache {
  // Last uses this process wrote, newer than some cached copy; bounded like the entries.
  const stamps = new Map<string, KeyUsage>();

  const withStamp = <T extends Owned<Lookup>>(owned: T): T => {
    const stamp = stamps.get(owned.key.id);
    if (!stamp || (owned.key.lastUsedAt !== null && owned.key.lastUsedAt >= stamp.at)) return owned;
    const key = { ...owned.key, lastUsedAt: stamp.at, lastUsedIp: stamp.ip, lastUsedClient: stamp.client };
    return { ...owned, key };
  };

  // Concurrent requests share an epoch read, each one started after they came (fresh-reads.ts).
  const currentEpoch = freshReads(() => store.authEpoch.current());

  function cached<L extends Lookup>(lookup: L) {
    const entries = new Map<string, Entry<Owned<L>>>();
    return async (ref: string): Promise<Owned<L> | undefined> => {
      // SECURITY: the epoch is read first, every call; an entry serves only at that very epoch.
      const epoch = await currentEpoch('auth_epoch');
      const hit = entries.get(ref);
      entries.delete(ref);
      if (hit?.epoch === epoch) {
        entries.set(ref, hit);
        return withStamp(hit.owned);
      }
      const owned = (await store.apiKeys[lookup](ref)) as Owned<L> | undefined;
      if (!owned) return undefined;
      entries.set(ref, { epoch, owned });
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      return withStamp(owned);
    };
  }

  const apiKeys: Pick<ApiKeyRepository, Lookup | 'recordUse'> = {
    findOwnedByHash: cached('findOwnedByHash'),
    findOwnedById: cached('findOwnedById'),
    async recordUse(id, usage) {
      await store.apiKeys.recordUse(id, usage);
      if (stamps.size >= maxEntries) stamps.clear();
      stamps.set(id, usage);
    },
  };

  return {
    authenticator(deps) {
      return createAuthenticator({
        ...deps,
        store: { ...deps.store, apiKeys: { ...deps.store.apiKeys, ...apiKeys } },
      });
    },
    keyUse: { apiKeys: { recordUse: apiKeys.recordUse } },
  };
}
