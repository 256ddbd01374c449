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

export interface RateLimitPool {
  /** A `pg.Pool`, for `RateLimiterPostgres({ storeClient, storeType: 'pool' })`. */
  readonly client: unknown;
  readonly table: string;
  close(): Promise<void>;
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
  return { client: pool, table: RATE_LIMIT_TABLE, close: () => pool.end() };
}
