/**
 * The one mapper from AppError to HTTP. Public messages only; the detail a caller may see
 * is the list of invalid fields. Anything else was logged by the caller of this function.
 */
import type { AppError, ErrorCode } from '../core/index.js';
import { RETRY_AFTER_SECONDS } from '../storage/index.js';

/** `Retry-After` of every 503: the database (or the audit log on it) is out for now. */
export const RETRY_AFTER = String(RETRY_AFTER_SECONDS);

const STATUS: Record<ErrorCode, 400 | 401 | 403 | 404 | 409 | 429 | 503 | 500> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export interface HttpErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly fields?: readonly unknown[];
  };
}

export function toHttpError(error: AppError): {
  status: (typeof STATUS)[ErrorCode];
  body: HttpErrorBody;
  headers: Readonly<Record<string, string>>;
} {
  const fields = error.fields;
  return {
    status: STATUS[error.code],
    body: { error: { code: error.code, message: error.publicMessage, ...(fields.length ? { fields } : {}) } },
    headers: error.code === 'unavailable' ? { 'Retry-After': RETRY_AFTER } : {},
  };
}
