/**
 * The one error model. Every expected failure that crosses a service boundary is an
 * AppError with a code from a small closed set; each entry layer has one mapper from
 * code to its wire form (HTTP status, MCP tool error, CLI exit code). `publicMessage`
 * is safe to show a caller; `detail` and `cause` are for logs and for structured
 * fields (e.g. the list of invalid fields) that a mapper chooses to expose.
 */

export const ERROR_CODES = [
  'invalid_input',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  'unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One field-level problem, e.g. `{ field: 'title', message: 'must be 1-200 characters' }`. */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

export interface AppErrorOptions {
  /** Structured, caller-safe detail (field issues, current version…). */
  readonly detail?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly publicMessage: string;
  readonly detail: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, publicMessage: string, options: AppErrorOptions = {}) {
    super(publicMessage, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.publicMessage = publicMessage;
    this.detail = options.detail ?? {};
  }

  /** The field issues attached to an `invalid_input` error, if any. */
  get fields(): readonly FieldIssue[] {
    const fields = this.detail.fields;
    return Array.isArray(fields) ? (fields as FieldIssue[]) : [];
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** An `invalid_input` error whose message names every bad field. */
export function invalidInput(issues: readonly FieldIssue[]): AppError {
  const message = issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
  return new AppError('invalid_input', message || 'invalid input', { detail: { fields: issues } });
}

/**
 * Anything that is not an AppError is a bug or an outage we did not classify: the caller
 * sees only `internal`, the original stays attached as `cause` for the log.
 */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  return new AppError('internal', 'internal error', { cause: error });
}

/**
 * What a caller is told when the database is out. Storage decides what counts as an outage
 * (`unavailable`); every entry layer words and paces its answer from these two constants.
 */
export const DATABASE_UNAVAILABLE_MESSAGE = 'database unavailable; try again shortly';

/** Seconds a client should wait before trying again (the `Retry-After` of a 503). */
export const RETRY_AFTER_SECONDS = 5;
