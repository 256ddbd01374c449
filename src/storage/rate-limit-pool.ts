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

  async function upsert(totals: Map<string, number>, windowMs: number): Promise<Map<string, CounterState>> {
    const keys = [...totals.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const now = Date.now();
    const values = [keys, keys.map((key) => totals.get(key)), now + windowMs, now];
    const result = await pool.query<CounterRow>({ ...CONSUME, values });
    return new Map(
      result.rows.map((row) => [
        row.key,
        { points: row.points, expire: row.expire === null ? null : Number(row.expire) },
      ]),
    );
  }

  return {
    client: pool,
    table: RATE_LIMIT_TABLE,
    consume: batched(upsert),
    close: () => pool.end(),
  };
}

interface Waiting {
  readonly hits: readonly CounterHit[];
  resolve(states: Map<string, CounterState>): void;
  reject(error: unknown): void;
}

/**
 * Calls that come while a statement of their window runs wait for it and then go as one:
 * a flood costs a statement per group, not per call. Each call still gets the count it would
 * have got alone: the group's increments are summed per key, and the calls are answered in
 * their order, each with the count after its own points (the row's new value minus the
 * points of the calls after it). Counts stay exact; a failed statement fails its whole group.
 */
function batched(
  upsert: (totals: Map<string, number>, windowMs: number) => Promise<Map<string, CounterState>>,
): RateLimitPool['consume'] {
  const groups = new Map<number, { running: boolean; waiting: Waiting[] }>();

  async function run(windowMs: number, group: { running: boolean; waiting: Waiting[] }) {
    group.running = true;
    while (group.waiting.length > 0) {
      const calls = group.waiting.splice(0);
      const totals = new Map<string, number>();
      for (const call of calls)
        for (const h of call.hits) totals.set(h.key, (totals.get(h.key) ?? 0) + h.points);
      try {
        const rows = await upsert(totals, windowMs);
        // Walk the calls backwards: each one's count is the row's value less what came after it.
        const after = new Map<string, number>();
        for (const call of calls.reverse()) {
          const states = new Map<string, CounterState>();
          for (const h of call.hits) {
            const row = rows.get(h.key);
            if (!row) continue;
            const later = after.get(h.key) ?? 0;
            states.set(h.key, { points: row.points - later, expire: row.expire });
            after.set(h.key, later + h.points);
          }
          call.resolve(states);
        }
      } catch (error) {
        for (const call of calls) call.reject(error);
      }
    }
    group.running = false;
    groups.delete(windowMs);
  }

  return (hits, windowMs) =>
    new Promise((resolve, reject) => {
      let group = groups.get(windowMs);
      if (!group) {
        group = { running: false, waiting: [] };
        groups.set(windowMs, group);
      }
      group.waiting.push({ hits, resolve, reject });
      if (!group.running) void run(windowMs, group);
    });
}
