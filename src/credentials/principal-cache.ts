/**
 * SECURITY: keeps the credentials `authenticate` has looked up (key, workspace, member, and
 * whether the workspace refuses API keys), each with the authentication epoch it was read
 * at, so that a request pays one single-row read instead of the joined lookup. The epoch is
 * moved by database triggers with every committed change any of those reads could see
 * (migration 0020), whoever writes: this process, another instance, the CLI. So an entry is
 * used only while nothing it was read from has changed; otherwise it is read again. What
 * depends on time (expiry, the end of a rotation's grace) is not cached: `keyRefusal` judges
 * the record at every call. An unknown key is not cached. docs/keys.md, "Revocation".
 */
import type { Workspace } from '../model/index.js';
import type { ApiKeyRepository, KeyUsage, Store } from '../storage/index.js';
import { type AuthenticatorDeps, createAuthenticator } from './authenticate.js';

/** Entries kept at most (least recently used goes first): a few MB at ~1 KB each. */
export const PRINCIPAL_CACHE_MAX_ENTRIES = 10_000;

type Owned = NonNullable<Awaited<ReturnType<ApiKeyRepository['findOwnedByHash']>>>;

interface Entry {
  /** The epoch read before the record: a change that lands in between makes it stale, never wrong. */
  readonly epoch: string;
  readonly owned: Owned;
  /** The workspace policy's answer, read after the record and so at least as new as `epoch`. */
  requiresOauth?: boolean;
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
  const entries = new Map<string, Entry>();
  // The entry each cached workspace object came from: its policy answer travels with it.
  const byWorkspace = new WeakMap<Workspace, Entry>();
  // Last uses this process wrote, newer than some cached copy; bounded like the entries.
  const stamps = new Map<string, KeyUsage>();

  const withStamp = (owned: Owned): Owned => {
    const stamp = stamps.get(owned.key.id);
    if (!stamp || (owned.key.lastUsedAt !== null && owned.key.lastUsedAt >= stamp.at)) return owned;
    const key = { ...owned.key, lastUsedAt: stamp.at, lastUsedIp: stamp.ip, lastUsedClient: stamp.client };
    return { ...owned, key };
  };

  async function lookup(
    cacheKey: string,
    read: () => Promise<Owned | undefined>,
  ): Promise<Owned | undefined> {
    // SECURITY: the epoch is read first, every call; an entry serves only at that very epoch.
    const epoch = await store.authEpoch.current();
    const cached = entries.get(cacheKey);
    if (cached?.epoch === epoch) {
      entries.delete(cacheKey);
      entries.set(cacheKey, cached);
      return withStamp(cached.owned);
    }
    const owned = await read();
    if (!owned) {
      entries.delete(cacheKey);
      return undefined;
    }
    const entry: Entry = { epoch, owned };
    entries.delete(cacheKey);
    entries.set(cacheKey, entry);
    byWorkspace.set(owned.workspace, entry);
    if (entries.size > maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
    return withStamp(owned);
  }

  const apiKeys: Pick<ApiKeyRepository, 'findOwnedByHash' | 'findOwnedById' | 'recordUse'> = {
    findOwnedByHash: (hash) => lookup(`hash:${hash}`, () => store.apiKeys.findOwnedByHash(hash)),
    findOwnedById: (id) => lookup(`id:${id}`, () => store.apiKeys.findOwnedById(id)),
    async recordUse(id, usage) {
      await store.apiKeys.recordUse(id, usage);
      if (stamps.size >= maxEntries) stamps.clear();
      stamps.set(id, usage);
    },
  };

  const requiresOauth =
    (read: (workspace: Workspace) => Promise<boolean>) =>
    async (workspace: Workspace): Promise<boolean> => {
      const entry = byWorkspace.get(workspace);
      if (entry?.requiresOauth !== undefined) return entry.requiresOauth;
      const answer = await read(workspace);
      if (entry) entry.requiresOauth = answer;
      return answer;
    };

  return {
    authenticator(deps) {
      return createAuthenticator({
        ...deps,
        store: { ...deps.store, apiKeys: { ...deps.store.apiKeys, ...apiKeys } },
        ...(deps.requiresOauth && { requiresOauth: requiresOauth(deps.requiresOauth) }),
      });
    },
    keyUse: { apiKeys: { recordUse: apiKeys.recordUse } },
  };
}
