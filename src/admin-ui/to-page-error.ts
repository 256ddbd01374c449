/**
 * The one mapper from AppError to what an admin page answers: the status, and the public
 * message the page shows in its own words around it. Every code is decided here, so a new
 * code does not compile until each page knows what to say.
 */
import { type ErrorCode, toAppError } from '../core/index.js';

export type PageStatus = 400 | 401 | 403 | 404 | 409 | 429;

export interface PageError {
  readonly status: PageStatus;
  readonly message: string;
}

/**
 * The status and message for `error`. An outage (`unavailable`) and a bug (`internal`) are
 * rethrown as they came: the HTTP app answers both on every admin path — 503 with
 * `Retry-After` and the "Temporarily unavailable" page, or 500 — and is the one place that
 * logs them.
 */
export function toPageError(error: unknown): PageError {
  const appError = toAppError(error);
  const code: ErrorCode = appError.code;
  const page = (status: PageStatus): PageError => ({ status, message: appError.publicMessage });
  switch (code) {
    case 'invalid_input':
      return page(400);
    case 'unauthenticated':
      return page(401);
    case 'forbidden':
      return page(403);
    case 'not_found':
      return page(404);
    case 'conflict':
      return page(409);
    case 'rate_limited':
      return page(429);
    case 'unavailable':
    case 'internal':
      throw error;
    default:
      return unknownCode(code);
  }
}

function unknownCode(code: never): never {
  throw new Error(`no page answer for error code ${String(code)}`);
}
