import { describe, expect, it } from 'vitest';
import { cidrWithin, meetRights, narrowRights } from './key-narrow.js';

const NOW = new Date('2026-11-02T09:00:00.000Z');
const rights = {
  scopes: ['tasks:read', 'tasks:write', 'comments:read'],
  projectIds: null,
  readOnly: false,
  dryRunOnly: false,
  ipAllow: ['10.0.0.0/8'],
  expiresAt: '2026-12-01T00:00:00.000Z',
};

describe('cidrWithin', () => {
  it('holds a smaller block inside a larger one, and nothing outside or larger', () => {
    expect(cidrWithin('10.1.0.0/16', ['10.0.0.0/8'])).toBe(true);
    expect(cidrWithin('10.1.2.3/32', ['10.0.0.0/8'])).toBe(true);
    expect(cidrWithin('10.0.0.0/7', ['10.0.0.0/8'])).toBe(false);
    expect(cidrWithin('11.0.0.0/8', ['10.0.0.0/8'])).toBe(false);
    expect(cidrWithin('::1/128', ['10.0.0.0/8'])).toBe(false);
    expect(cidrWithin('2001:db8::/48', ['2001:db8::/32'])).toBe(true);
  });
});

describe('narrowRights', () => {
  const context = { now: NOW, visibleProjectIds: ['prj_a', 'prj_b'] };

  it('takes X:read away with what implies it', () => {
    const outcome = narrowRights(rights, { removeScopes: ['tasks:read'] }, context);
    expect(outcome).toMatchObject({
      ok: true,
      after: { scopes: ['comments:read'] },
      changed: ['remove-scope'],
    });
  });

  it('turns a key for every project into the visible ones minus those taken away', () => {
    const outcome = narrowRights(rights, { removeProjectIds: ['prj_a'] }, context);
    expect(outcome).toMatchObject({ ok: true, after: { projectIds: ['prj_b'] } });
  });

  it('refuses a flag turned off, a later expiry and a block outside the allow-list, all at once', () => {
    const outcome = narrowRights(
      { ...rights, readOnly: true },
      { readOnly: false, expiresAt: new Date('2027-01-01T00:00:00Z'), ip: ['0.0.0.0/0'] },
      context,
    );
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.issues.map((i) => i.field)).toEqual(['read-only', 'expires', 'ip']);
  });

  it('quotes a scope with a glued invisible character', () => {
    const outcome = narrowRights(rights, { removeScopes: ['tasks:read\u200b'] }, context);
    expect(!outcome.ok && outcome.issues[0]?.message).toContain('"tasks:read\\u{200b}"');
  });
});

describe('meetRights', () => {
  it('gives an old key in grace no more than the narrowed one', () => {
    const target = { ...rights, scopes: ['comments:read'], dryRunOnly: true, ipAllow: ['10.1.0.0/16'] };
    expect(meetRights(rights, target)).toEqual({ ...target, expiresAt: rights.expiresAt });
  });
});
