/**
 * The CLI's error mapper: 0 ok, 1 failure, 2 bad usage or input. The message is one line
 * that names the offending field; `--json` callers also get it as a JSON object on stdout.
 */
import type { AppError, ErrorCode } from '../core/index.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const EXIT: Record<ErrorCode, number> = {
  invalid_input: EXIT_USAGE,
  unauthenticated: EXIT_FAILURE,
  forbidden: EXIT_FAILURE,
  not_found: EXIT_FAILURE,
  conflict: EXIT_FAILURE,
  rate_limited: EXIT_FAILURE,
  unavailable: EXIT_FAILURE,
  internal: EXIT_FAILURE,
};

export function toExitCode(error: AppError): number {
  return EXIT[error.code];
}

export function toCliMessage(error: AppError): string {
  return `taskgate: ${error.publicMessage.replace(/\s*\n\s*/g, ' ')}`;
}
