import { describe, expect, it } from 'vitest';
import { AppError } from '../core/index.js';
import { toPageError } from './to-page-error.js';

describe('toPageError', () => {
  it('answers each code a person can act on with its HTTP status and the public message', () => {
    const answers = (
      ['invalid_input', 'unauthenticated', 'forbidden', 'not_found', 'conflict', 'rate_limited'] as const
    ).map((code) => toPageError(new AppError(code, `said ${code}`, { detail: { secret: 'x' } })));
    expect(answers).toEqual([
      { status: 400, message: 'said invalid_input' },
      { status: 401, message: 'said unauthenticated' },
      { status: 403, message: 'said forbidden' },
      { status: 404, message: 'said not_found' },
      { status: 409, message: 'said conflict' },
      { status: 429, message: 'said rate_limited' },
    ]);
  });

  it('leaves an outage, a bug and anything not an AppError to the HTTP app, unchanged', () => {
    for (const error of [
      new AppError('unavailable', 'database unavailable'),
      new AppError('internal', 'oops'),
      new TypeError('not ours'),
    ]) {
      expect(() => toPageError(error)).toThrow(error);
    }
  });
});
