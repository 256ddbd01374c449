/**
 * The PostgreSQL connection the rate limiter counts on (table `rate_limits`, 0016): a small
 * pool of its own, so a flood being refused never waits behind the requests it protects,
 * with the same schema and timeouts as the store. Storage is the only layer that opens pg;
 * the monitoring layer gets the client as an opaque value for rate-limiter-flexible.
 */
import { AppError } from '../core/index.js';
import { databaseKind } from './connect.js';
import { createPool, type PoolLogger, type PostgresTimeouts } from './postgres-pool.js';

export const RATE_LIMIT_TABLE = 'rate_limits';
const RATE_LIMIT_POOL_SIZE = 3;

/** One counter to move: its full key (`prefix:subject`, as rate-limiter-flexible spells it). */
export interface CounterHit {
  readonly key: string;
  readonly points: number;
}

/** A counter after the hit: its points in the current window and when that window ends (ms). */
export interface CounterState {
  readonly points: number;
  readonly expire: number | null;
}

export interface RateLimitPool {
  /** A `pg.Pool`, for `RateLimiterPostgres({ storeClient, storeType: 'pool' })`. */
  readonly client: unknown;
  readonly table: string;
  /**
   * Adds each hit to its counter in one statement, with RateLimiterPostgres's fixed-window
   * rule (a window that ended starts over at the hit, with a new end `windowMs` from now).
   */
  consume(hits: readonly CounterHit[], windowMs: number): Promise<Map<string, CounterState>>;
  close(): Promise<void>;
}

/**
 * RateLimiterPostgres's upsert over many keys at once: a request's three counters cost one
 * round trip instead of three. The rows are taken in key order, the one order every writer
 * uses, so two statements over overlapping keys wait for each other and never deadlock.
 * Named, so each connection parses and plans it once.
 */
const CONSUME = {
  name: 'taskgate-rate-limits-consume',
  text: `insert into ${RATE_LIMIT_TABLE} as r (key, points, expire)
    select v.key, v.points, $3::bigint from unnest($1::varchar[], $2::integer[]) as v (key, points)
    order by v.key
    on conflict (key) do update set
      points = case when r.expire <= $4::bigint then excluded.points else r.points + excluded.points end,
      expire = case when r.expire <= $4::bigint then excluded.expire else r.expire end
    returning key, points, expire`,
};

interface CounterRow {
  key: string;
  points: number;
  expire: string | number | null;
}

/** The pool for a `postgres://` URL; undefined for SQLite (one instance: counts stay in memory). */
export function openRateLimitPool(
  url: string,
  options: { readonly timeouts: PostgresTimeouts; readonly logger?: PoolLogger },
): RateLimitPool | undefined {
  if (databaseKind(url) !== 'postgres') return undefined;
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new AppError('invalid_input', 'database: schema must be a lower-case SQL identifier');
  const pool = createPool(parsed.toString(), {
    schema,
    // A counter is worth a minute: a crash may lose the last increments, and each request no
    // longer waits for three WAL flushes (one per limit it counts against).
    asyncCommit: true,
    timeouts: options.timeouts,
    ...(options.logger && { logger: options.logger }),
  });
  pool.options.max = RATE_LIMIT_POOL_SIZE;
  return {
    client: pool,
    table: RATE_LIMIT_TABLE,
    async consume(hits, windowMs) {
      const sorted = [...hits].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const now = Date.now();
      const values = [sorted.map((h) => h.key), sorted.map((h) => h.points), now + windowMs, now];
      const result = await pool.query<CounterRow>({ ...CONSUME, values });
      return new Map(
        result.rows.map((row) => [
          row.key,
          { points: row.points, expire: row.expire === null ? null : Number(row.expire) },
        ]),
      );
    },
    close: () => pool.end(),
  };
}
