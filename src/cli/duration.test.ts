import { describe, expect, it } from 'vitest';
import { AppError } from '../core/index.js';
import { durationFlag, parseDuration, pastTimeFlag, untilFlag } from './duration.js';

const NOW = new Date('2026-11-02T09:00:00.000Z');

describe('parseDuration', () => {
  it('reads minutes, hours and days', () => {
    expect(parseDuration('10m')).toEqual({ ok: true, value: 600_000 });
    expect(parseDuration(' 24h ')).toEqual({ ok: true, value: 86_400_000 });
    expect(parseDuration('30d')).toEqual({ ok: true, value: 30 * 86_400_000 });
    expect(parseDuration('0h')).toEqual({ ok: true, value: 0 });
  });

  it('refuses units it was not asked for, and anything else', () => {
    expect(parseDuration('3d', ['m', 'h'])).toEqual({
      ok: false,
      error: 'must be a duration like 24h or 30m',
    });
    for (const bad of ['', '10', 'm', '-1h', '1.5h', '10s', '10000d', 'forever'])
      expect(parseDuration(bad).ok).toBe(false);
  });
});

describe('durationFlag', () => {
  it('names the flag in the error', () => {
    const error = (() => {
      try {
        return durationFlag('older-than', '30 days');
      } catch (e) {
        return e;
      }
    })() as AppError;
    expect(error).toBeInstanceOf(AppError);
    expect(error.publicMessage).toBe('older-than: must be a duration like 30d or 24h or 30m');
  });
});

describe('untilFlag', () => {
  it('takes a duration from now or an ISO time with an offset', () => {
    expect(untilFlag('until', '2h', NOW).toISOString()).toBe('2026-11-02T11:00:00.000Z');
    expect(untilFlag('until', '2026-11-03T18:00:00+01:00', NOW).toISOString()).toBe(
      '2026-11-03T17:00:00.000Z',
    );
    expect(untilFlag('until', '2026-11-04', NOW).toISOString()).toBe('2026-11-04T00:00:00.000Z');
  });

  it('refuses a local time without an offset and an impossible date', () => {
    expect(() => untilFlag('until', '2026-11-03T18:00', NOW)).toThrow(/until: must be a duration/);
    expect(() => untilFlag('until', '2026-13-45', NOW)).toThrow(/until: must be a duration/);
    expect(() => untilFlag('until', '2026-02-30T10:00:00Z', NOW)).toThrow(/until: must be a duration/);
    expect(() => untilFlag('until', 'tomorrow', NOW)).toThrow(/until: must be a duration/);
  });
});

describe('pastTimeFlag', () => {
  it('reads a duration as that long ago and an ISO time as written', () => {
    expect(pastTimeFlag('since', '2h', NOW).toISOString()).toBe('2026-11-02T07:00:00.000Z');
    expect(pastTimeFlag('since', '7d', NOW).toISOString()).toBe('2026-10-26T09:00:00.000Z');
    expect(pastTimeFlag('since', '2026-11-01T10:00:00-02:00', NOW).toISOString()).toBe(
      '2026-11-01T12:00:00.000Z',
    );
  });

  it('names the flag when the time is neither', () => {
    expect(() => pastTimeFlag('since', 'last week', NOW)).toThrow(/since: must be a duration/);
  });
});
