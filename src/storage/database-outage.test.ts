import { describe, expect, it } from 'vitest';
import { AppError } from '../core/index.js';
import { isDatabaseOutage, toStorageError } from './database-outage.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isDatabaseOutage', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    [
      'a terminated backend (57P01)',
      withCode('terminating connection due to administrator command', '57P01'),
    ],
    ['a server starting up (57P03)', withCode('the database system is starting up', '57P03')],
    ['a statement timeout (57014)', withCode('canceling statement due to statement timeout', '57014')],
    ['a connection exception (08006)', withCode('connection failure', '08006')],
    ['a connection that died under a query', new Error('Connection terminated unexpectedly')],
    ['the client-side statement bound', new Error('Query read timeout')],
    ['a full pool that gave no connection in time', new Error('timeout exceeded when trying to connect')],
    ['every address refused', new AggregateError([withCode('refused', 'ECONNREFUSED')], 'connect failed')],
  ])('is true for %s', (_, error) => {
    expect(isDatabaseOutage(error)).toBe(true);
  });

  it.each([
    ['a unique violation (23505)', withCode('duplicate key value violates unique constraint', '23505')],
    ['a syntax error (42601)', withCode('syntax error at or near', '42601')],
    ['a bug', new TypeError('cannot read properties of undefined')],
    ['a refusal', new AppError('forbidden', 'no')],
  ])('is false for %s', (_, error) => {
    expect(isDatabaseOutage(error)).toBe(false);
  });

  it('turns an outage into unavailable with its cause, and leaves other errors alone', () => {
    const cause = withCode('terminating connection', '57P01');
    const mapped = toStorageError(cause);
    expect(mapped).toBeInstanceOf(AppError);
    expect(mapped).toMatchObject({ code: 'unavailable', cause });
    const violation = withCode('duplicate key', '23505');
    expect(toStorageError(violation)).toBe(violation);
  });
});
