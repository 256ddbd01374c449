import { describe, expect, it } from 'vitest';
import { AppError } from '../core/index.js';
import { parseUntil } from './policy.js';

const NOW = new Date('2026-12-05T20:00:00.000Z');

describe('parseUntil', () => {
  it('reads empty as until unfrozen, a duration from now, and a UTC time', () => {
    expect(parseUntil('', NOW)).toBeUndefined();
    expect(parseUntil('30m', NOW)?.toISOString()).toBe('2026-12-05T20:30:00.000Z');
    expect(parseUntil('2h', NOW)?.toISOString()).toBe('2026-12-05T22:00:00.000Z');
    expect(parseUntil('3d', NOW)?.toISOString()).toBe('2026-12-08T20:00:00.000Z');
    expect(parseUntil('2026-12-06 18:00', NOW)?.toISOString()).toBe('2026-12-06T18:00:00.000Z');
    expect(parseUntil('2026-12-06T18:00Z', NOW)?.toISOString()).toBe('2026-12-06T18:00:00.000Z');
    expect(parseUntil('2026-12-06 18:00 UTC', NOW)?.toISOString()).toBe('2026-12-06T18:00:00.000Z');
  });

  it.each([
    'tomorrow',
    '2h\n',
    ' 2h',
    '2 h',
    '1e3m',
    '2026-02-30 10:00',
    '2026-12-06 25:00',
    '2026-12-06\u202e18:00',
  ])('refuses %j naming the field', (raw) => {
    try {
      parseUntil(raw, NOW);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).fields.map((f) => f.field)).toEqual(['until']);
    }
  });
});
