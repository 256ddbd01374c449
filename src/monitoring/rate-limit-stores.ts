/**
 * Where the counters live, by deployment: memory for one instance (SQLite), the database's
 * `rate_limits` table when instances share a PostgreSQL, Redis when `redisUrl` is set (the
 * cheapest shared store: one round trip, no row locks). The algorithm is rate-limiter-flexible's
 * fixed window, the same in every store.
 */
import { createRequire } from 'node:module';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRedis,
  type RateLimiterStoreAbstract,
} from 'rate-limiter-flexible';
import type { RateLimitPool } from '../storage/index.js';

/**
 * Counters only: every limiter takes any number of points, and the caller compares the
 * count with the workspace's current limit. So a limit tuned in the console holds at once on
 * every instance, and the count does not start over when it changes.
 */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

export type RateLimitBackend =
  | { readonly kind: 'memory' }
  | { readonly kind: 'postgres'; readonly pool: RateLimitPool }
  | { readonly kind: 'redis'; readonly url: string };

export interface CounterHitOf {
  readonly prefix: string;
  readonly key: string;
  readonly points: number;
}

/** What rate-limiter-flexible's `RateLimiterRes` tells of a counter, all the caller reads. */
export interface CounterCount {
  readonly consumedPoints: number;
  readonly msBeforeNext: number;
}

export interface CounterStore {
  readonly kind: RateLimitBackend['kind'];
  /** A counter with fixed windows of `windowSeconds`, its keys prefixed by `prefix`. */
  counter(prefix: string, windowSeconds: number, points?: number): RateLimiterAbstract;
  /**
   * Where the store can: several counters of one window moved in one round trip, each
   * exactly as `counter(prefix, windowSeconds).consume(key, points)` would move it. In the
   * order given; rejects as a whole (the caller fails closed).
   */
  consumeMany?(hits: readonly CounterHitOf[], windowSeconds: number): Promise<CounterCount[]>;
  close(): Promise<void>;
}

export function createCounterStore(backend: RateLimitBackend): CounterStore {
  switch (backend.kind) {
    case 'memory':
      return {
        kind: 'memory',
        counter: (keyPrefix, duration, points = UNBOUNDED) =>
          new RateLimiterMemory({ keyPrefix, duration, points }),
        close: async () => {},
      };
    case 'postgres': {
      let sweeping = false;
      return {
        kind: 'postgres',
        counter: (keyPrefix, duration, points = UNBOUNDED) => {
          // One sweeper of expired rows per instance is enough: all counters share the table.
          const clearExpiredByTimeout = !sweeping;
          sweeping = true;
          const limiter: RateLimiterStoreAbstract = new RateLimiterPostgres({
            storeClient: backend.pool.client,
            storeType: 'pool',
            tableName: backend.pool.table,
            tableCreated: true,
            clearExpiredByTimeout,
            keyPrefix,
            duration,
            points,
          });
          return limiter;
        },
        async consumeMany(hits, windowSeconds) {
          // rate-limiter-flexible's key: `${keyPrefix}:${key}`.
          const keyed = hits.map((h) => ({ key: `${h.prefix}:${h.key}`, points: h.points }));
          const rows = await backend.pool.consume(keyed, windowSeconds * 1000);
          const now = Date.now();
          return keyed.map(({ key }) => {
            const row = rows.get(key);
            if (!row) throw new Error(`rate limit counter ${key} missing from the upsert`);
            const msBeforeNext = row.expire === null ? -1 : Math.max(row.expire - now, 0);
            return { consumedPoints: row.points, msBeforeNext };
          });
        },
        close: () => backend.pool.close(),
      };
    }
    case 'redis': {
      // Commands wait for a (re)connection for a moment, then fail: the request then answers
      // 503 rather than going unlimited (fail closed).
      // Loaded only when Redis is configured.
      const { Redis } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
      const client = new Redis(backend.url, { maxRetriesPerRequest: 1, lazyConnect: false });
      client.on('error', () => {});
      return {
        kind: 'redis',
        counter: (keyPrefix, duration, points = UNBOUNDED) =>
          new RateLimiterRedis({ storeClient: client, keyPrefix, duration, points }),
        close: async () => {
          await client.quit().catch(() => client.disconnect());
        },
      };
    }
  }
}
