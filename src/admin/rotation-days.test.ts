import { describe, expect, it } from 'vitest';
import type { AuditLog } from '../audit/index.js';
import { AppError, createManualClock } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { createPolicyService } from './policy-service.js';
import { parseRotationDays } from './rotation-days.js';

describe('parseRotationDays', () => {
  it.each(['30', '60', '90', '180'])('reads %s as that many days', (raw) => {
    expect(parseRotationDays(raw)).toEqual({ ok: true, days: Number(raw) });
  });

  it.each([
    ['', 'is empty: give 30, 60, 90 or 180 (days)'],
    ['45', 'must be 30, 60, 90 or 180 days; 45 is not a rotation period the policy offers'],
    ['0', 'must be 30, 60, 90 or 180 days; 0 is not a rotation period the policy offers'],
    ['090', 'must be 30, 60, 90 or 180 days; 090 is not a rotation period the policy offers'],
    ['90d', 'is a number of days without a unit: write 90, not 90d'],
    ['1e2', 'must be a whole number of days written in digits: 30, 60, 90 or 180'],
    ['90.0', 'must be a whole number of days written in digits: 30, 60, 90 or 180'],
    ['-90', 'must be a whole number of days written in digits: 30, 60, 90 or 180'],
    ['0x5a', 'must be a whole number of days written in digits: 30, 60, 90 or 180'],
    ['٩٠', 'must be a whole number of days written in digits: 30, 60, 90 or 180'],
  ])('refuses %j with a message that says what to type', (raw, message) => {
    expect(parseRotationDays(raw)).toEqual({ ok: false, message });
  });

  it.each([' 90', '90 ', '90\n', '\t90', '9\u00000', '90\u200b'.replace('\u200b', '\u0085')])(
    'refuses %j: whitespace or a control character glued to the number',
    (raw) => {
      expect(parseRotationDays(raw)).toEqual({
        ok: false,
        message: 'must be digits only, without spaces, line breaks or other characters: 30, 60, 90 or 180',
      });
    },
  );
});

describe('policy service rotation validation', () => {
  // Validation must refuse before any storage is touched: this store throws on any use.
  const untouchable = new Proxy({} as Store, {
    get: (_target, name) => {
      throw new Error(`the store was touched (${String(name)})`);
    },
  });
  const audit = new Proxy({} as AuditLog, {
    get: () => {
      throw new Error('the audit log was touched');
    },
  });
  const service = createPolicyService({
    store: untouchable,
    audit,
    clock: createManualClock(new Date('2026-11-02T09:00:00.000Z')),
  });

  it.each([45, 0, -90, 90.5, Number.NaN, '90', '90d', null])(
    'refuses a rotation period of %j before touching the store',
    async (value) => {
      const error = await service
        .set(null, 'acme', { keyRotationDays: value as 90 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('invalid_input');
      expect((error as AppError).fields).toEqual([
        { field: 'keyRotationDays', message: 'must be 30, 60, 90 or 180 (days)' },
      ]);
    },
  );
});
