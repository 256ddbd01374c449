import { describe, expect, it } from 'vitest';
import { AppError, invalidInput, toAppError } from './errors.js';

describe('AppError', () => {
  it('joins field issues into one message that names each field', () => {
    const error = invalidInput([
      { field: 'title', message: 'must be 1-200 characters' },
      { field: 'dueDate', message: 'must be a date YYYY-MM-DD' },
    ]);
    expect(error.code).toBe('invalid_input');
    expect(error.publicMessage).toBe('title: must be 1-200 characters; dueDate: must be a date YYYY-MM-DD');
    expect(error.fields).toHaveLength(2);
  });

  it('turns an unknown error into internal without exposing its message', () => {
    const cause = new Error('connection string postgres://admin:hunter2@db');
    const error = toAppError(cause);
    expect(error.code).toBe('internal');
    expect(error.publicMessage).toBe('internal error');
    expect(error.cause).toBe(cause);
  });

  it('passes an AppError through unchanged', () => {
    const error = new AppError('not_found', 'task APO-1 not found');
    expect(toAppError(error)).toBe(error);
  });
});
