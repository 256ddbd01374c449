import { describe, expect, it } from 'vitest';
import { AppError } from '../core/index.js';
import type { Workspace, WorkspacePolicyRecord } from '../model/index.js';
import {
  assertWritesAllowed,
  DEFAULT_TIERS,
  effectivePolicy,
  reachableTier,
  strongerTier,
  tierRank,
} from './policy.js';

const NOW = new Date('2026-11-02T09:00:00.000Z');
const workspace = (environment: Workspace['environment']) => ({
  id: 'wsp_01J00000000000000000000001',
  slug: 'acme',
  environment,
});

function record(extra: Partial<WorkspacePolicyRecord> = {}): WorkspacePolicyRecord {
  return {
    workspaceId: 'wsp_01J00000000000000000000001',
    tiers: { create: null, update: null, delete: null, bulk: null },
    requireReason: false,
    requireReadFirst: false,
    requireOauth: false,
    approver: 'member',
    writeBudget: 60,
    deleteBudget: 10,
    budgetWindowMinutes: 10,
    frozenAt: null,
    frozenUntil: null,
    frozenBy: null,
    frozenReason: null,
    updatedAt: NOW.toISOString(),
    updatedBy: null,
    ...extra,
  };
}

function thrown(work: () => unknown): AppError {
  try {
    work();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('effectivePolicy', () => {
  it('gives each environment its documented default tiers when the workspace has no policy', () => {
    expect(effectivePolicy(workspace('production'), undefined, NOW).tiers).toEqual({
      create: 'elicit',
      update: 'elicit',
      delete: 'approve',
      bulk: 'approve',
    });
    expect(effectivePolicy(workspace('staging'), undefined, NOW).tiers).toEqual({
      create: 'none',
      update: 'none',
      delete: 'token',
      bulk: 'token',
    });
    expect(effectivePolicy(workspace('development'), undefined, NOW).tiers).toEqual({
      create: 'none',
      update: 'none',
      delete: 'none',
      bulk: 'none',
    });
  });

  it('reports defaults, budgets and no freeze for a workspace without a policy', () => {
    const policy = effectivePolicy(workspace('production'), undefined, NOW);
    expect(policy).toMatchObject({
      tierSource: { create: 'default', update: 'default', delete: 'default', bulk: 'default' },
      requireReason: false,
      requireReadFirst: false,
      approver: 'member',
      budget: { writes: 60, deletes: 10, windowMinutes: 10 },
      freeze: { frozen: false, since: null, until: null },
      updatedAt: null,
    });
    expect(Object.isFrozen(policy) && Object.isFrozen(policy.tiers) && Object.isFrozen(policy.budget)).toBe(
      true,
    );
  });

  it('takes a workspace tier over the default and falls back per risk class when it is null', () => {
    const policy = effectivePolicy(
      workspace('staging'),
      record({ tiers: { create: 'approve', update: null, delete: 'none', bulk: null } }),
      NOW,
    );
    expect(policy.tiers).toEqual({ create: 'approve', update: 'none', delete: 'none', bulk: 'token' });
    expect(policy.tierSource).toEqual({
      create: 'workspace',
      update: 'default',
      delete: 'workspace',
      bulk: 'default',
    });
  });

  it('treats a freeze whose until has passed as not frozen', () => {
    const frozen = record({
      frozenAt: '2026-11-02T08:00:00.000Z',
      frozenUntil: '2026-11-02T09:00:00.000Z',
      frozenReason: 'incident',
    });
    expect(effectivePolicy(workspace('production'), frozen, NOW).freeze.frozen).toBe(false);
    const before = new Date(NOW.getTime() - 1);
    expect(effectivePolicy(workspace('production'), frozen, before).freeze).toEqual({
      frozen: true,
      since: '2026-11-02T08:00:00.000Z',
      until: '2026-11-02T09:00:00.000Z',
      by: null,
      reason: 'incident',
    });
  });

  it('keeps a freeze without until in force', () => {
    const frozen = record({ frozenAt: '2020-01-01T00:00:00.000Z' });
    expect(effectivePolicy(workspace('development'), frozen, NOW).freeze.frozen).toBe(true);
  });

  it('keeps the default tier table frozen so no caller can loosen it', () => {
    expect(Object.isFrozen(DEFAULT_TIERS) && Object.isFrozen(DEFAULT_TIERS.production)).toBe(true);
  });
});

describe('assertWritesAllowed', () => {
  it('lets writes through when the workspace is not frozen', () => {
    expect(() => assertWritesAllowed(effectivePolicy(workspace('production'), undefined, NOW))).not.toThrow();
  });

  it('refuses writes in a frozen workspace, saying since when, until when and that reads go on', () => {
    const policy = effectivePolicy(
      workspace('production'),
      record({ frozenAt: '2026-11-02T08:00:00.000Z', frozenUntil: '2026-11-02T18:00:00.000Z' }),
      NOW,
    );
    const error = thrown(() => assertWritesAllowed(policy));
    expect(error.code).toBe('forbidden');
    expect(error.publicMessage).toBe(
      'workspace acme is frozen since 2026-11-02T08:00:00.000Z (until 2026-11-02T18:00:00.000Z): writes are stopped; reads go on',
    );
    expect(error.detail).toEqual({ reason: 'frozen', until: '2026-11-02T18:00:00.000Z' });
  });

  it('says until unfrozen when the freeze has no end', () => {
    const policy = effectivePolicy(workspace('staging'), record({ frozenAt: NOW.toISOString() }), NOW);
    const error = thrown(() => assertWritesAllowed(policy));
    expect(error.publicMessage).toContain('(until unfrozen)');
    expect(error.detail).toEqual({ reason: 'frozen', until: null });
  });
});

describe('tier order', () => {
  it('ranks none < token < elicit < approve and picks the stronger of two', () => {
    expect((['approve', 'none', 'elicit', 'token'] as const).map(tierRank)).toEqual([3, 0, 2, 1]);
    expect(strongerTier('elicit', 'token')).toBe('elicit');
    expect(strongerTier('token', 'approve')).toBe('approve');
    expect(strongerTier('none', 'none')).toBe('none');
  });

  it('sends an elicit tier to the browser when the client cannot show a form, and nothing else', () => {
    expect(reachableTier('elicit', false)).toBe('approve');
    expect(reachableTier('elicit', true)).toBe('elicit');
    expect(reachableTier('token', false)).toBe('token');
  });
});
