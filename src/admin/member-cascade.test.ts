import { describe, expect, it } from 'vitest';
import { type CascadePlan, planDigest, samePlan } from './member-cascade.js';

const key = (id: string) => ({
  id,
  name: `cursor-${id}`,
  kind: 'api_key' as const,
  display: `tg_dev_…${id}`,
});
const plan = (over: Partial<CascadePlan> = {}): CascadePlan => ({
  revoke: [key('k1'), key('k2')],
  narrow: [],
  cancel: [{ id: 'act_1', tool: 'delete_task', credentialId: 'k1' }],
  ...over,
});

describe('planDigest', () => {
  it('is the same for the same plan in any order', () => {
    const reordered = plan({ revoke: [key('k2'), key('k1')] });
    expect(samePlan(plan(), reordered)).toBe(true);
    expect(planDigest(plan())).toBe(planDigest(reordered));
  });

  it('differs when a key was created meanwhile, or a narrowing changed', () => {
    expect(planDigest(plan({ revoke: [key('k1'), key('k2'), key('k3')] }))).not.toBe(planDigest(plan()));
    const narrow = (readOnly: boolean) =>
      plan({
        revoke: [],
        cancel: [],
        narrow: [
          {
            ...key('k1'),
            scopesBefore: ['tasks:write'],
            scopes: ['tasks:read'],
            readOnlyBefore: false,
            readOnly,
          },
        ],
      });
    expect(planDigest(narrow(true))).not.toBe(planDigest(narrow(false)));
  });

  it('is short enough for a hidden form field and carries no key id', () => {
    const digest = planDigest(plan());
    expect(digest).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(digest).not.toContain('k1');
  });
});
