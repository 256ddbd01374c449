/**
 * The one place that tells a database outage (server down, restarting, paused, unreachable,
 * a backend terminated, a timeout) from an error of the query itself. An outage leaves the
 * storage layer as `AppError('unavailable')`, which every entry maps to 503 with
 * `Retry-After`; a constraint violation or a bug keeps its own error.
 */
import { AppError, DATABASE_UNAVAILABLE_MESSAGE, isAppError, RETRY_AFTER_SECONDS } from '../core/index.js';

// The caller sees the core's message; the driver's own goes to the log through `cause`.
// Re-exported so callers of storage keep finding them here.
export { DATABASE_UNAVAILABLE_MESSAGE, RETRY_AFTER_SECONDS };

/** Socket errors of Node: the server cannot be reached at all. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  // A unix socket that is gone: the server stopped.
  'ENOENT',
]);

/**
 * SQLSTATEs of a server that is going away or cannot serve: class 08 (connection exception),
 * 57P01 admin_shutdown (also `pg_terminate_backend`), 57P02 crash_shutdown, 57P03
 * cannot_connect_now (starting up or in recovery), 57014 query_canceled (statement_timeout),
 * 25P03 idle_in_transaction_session_timeout, 53300 too_many_connections, 58P0x system errors.
 */
const OUTAGE_SQLSTATE = /^(08...|57P0[1-3]|57014|25P03|53300|58...)$/;

/** What `pg` and `pg-pool` say when the connection died under them or a timeout fired. */
const DRIVER_MESSAGES = [
  'Connection terminated',
  'connection timeout',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'not queryable',
  'timeout expired',
  'Client was closed and is not queryable',
];

export function isDatabaseOutage(error: unknown): boolean {
  if (isAppError(error)) return error.code === 'unavailable';
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || OUTAGE_SQLSTATE.test(code))) return true;
  if (DRIVER_MESSAGES.some((message) => error.message.includes(message))) return true;
  // AggregateError (several addresses refused) and errors wrapped by the pool.
  const inner = error instanceof AggregateError ? error.errors : [error.cause];
  return inner.some((cause) => cause !== undefined && cause !== error && isDatabaseOutage(cause));
}

/** `error` as the caller should see it: an outage becomes `unavailable`, anything else is kept. */
export function toStorageError(error: unknown): unknown {
  if (isAppError(error) || !isDatabaseOutage(error)) return error;
  return databaseUnavailable(error);
}

/** The passing outage a caller retries after `Retry-After` (503). */
export function databaseUnavailable(cause: unknown): AppError {
  return new AppError('unavailable', DATABASE_UNAVAILABLE_MESSAGE, {
    cause,
    detail: { retryAfterSeconds: RETRY_AFTER_SECONDS },
  });
}
