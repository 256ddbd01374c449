import { describe, expect, it } from 'vitest';
import type { AuditLog } from '../audit/index.js';
import { AppError, createManualClock } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { createPolicyService } from './policy-service.js';

const NOW = new Date('2026-11-02T09:00:00.000Z');

describe('policy service validation', () => {
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
  const service = createPolicyService({ store: untouchable, audit, clock: createManualClock(NOW) });

  it('refuses an unknown tier, naming the risk class', async () => {
    const error = await service.set(null, 'acme', { delete: 'maybe' as 'none' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('invalid_input');
    expect((error as AppError).fields).toEqual([
      { field: 'delete', message: 'must be one of none, token, elicit, approve, default' },
    ]);
  });

  it('refuses budgets that are not whole numbers in 1-10000 and windows outside 1-1440 minutes', async () => {
    const error = (await service
      .set(null, 'acme', { writeBudget: 0, deleteBudget: 10_001, budgetWindowMinutes: 1441 })
      .catch((e: unknown) => e)) as AppError;
    expect(error.fields.map((f) => f.field)).toEqual(['writeBudget', 'deleteBudget', 'budgetWindowMinutes']);
    const fraction = (await service
      .set(null, 'acme', { writeBudget: 1.5 })
      .catch((e: unknown) => e)) as AppError;
    expect(fraction.fields).toEqual([{ field: 'writeBudget', message: 'must be a whole number' }]);
  });

  it('refuses an unknown approver and an unknown setting', async () => {
    const error = (await service
      .set(null, 'acme', { approver: 'anyone', frozen: false } as never)
      .catch((e: unknown) => e)) as AppError;
    expect(error.fields).toEqual(
      expect.arrayContaining([
        { field: 'frozen', message: 'is not a policy setting' },
        { field: 'approver', message: 'must be one of member, member_or_admin' },
      ]),
    );
  });

  it('refuses an empty patch', async () => {
    const error = (await service.set(null, 'acme', {}).catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('invalid_input');
    expect(error.fields[0]?.field).toBe('policy');
  });

  it('refuses a freeze that would already be over', async () => {
    const error = (await service
      .freeze('acme', { until: new Date(NOW.getTime() - 60_000), by: null })
      .catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('invalid_input');
    expect(error.fields[0]?.field).toBe('until');
  });
});
