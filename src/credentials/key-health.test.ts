import { describe, expect, it } from 'vitest';
import type { ApiKeyRecord, Member, Workspace } from '../model/index.js';
import { summarizeKeyHealth } from './key-health.js';
import { DAY_MS, toKeyView } from './key-view.js';

const NOW = new Date('2026-11-02T09:00:00.000Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY_MS).toISOString();
const workspace: Workspace = {
  id: 'wsp_1',
  slug: 'acme',
  name: 'Acme',
  environment: 'production',
  keyRotationDays: 30,
  createdAt: ago(400),
};
const member: Member = {
  id: 'mbr_1',
  workspaceId: 'wsp_1',
  email: 'ada@acme.test',
  name: 'Ada',
  role: 'owner',
  createdAt: ago(400),
};

function key(name: string, extra: Partial<ApiKeyRecord> & { age: number; life?: number }): ApiKeyRecord {
  const { age, life = 30, ...rest } = extra;
  return {
    id: `key_${name}`,
    workspaceId: 'wsp_1',
    memberId: 'mbr_1',
    name,
    environment: 'production',
    hash: 'h',
    prefix: 'tg_prod_abc',
    last4: 'wxyz',
    scopes: ['tasks:read'],
    projectIds: null,
    readOnly: false,
    dryRunOnly: false,
    ipAllow: null,
    client: null,
    createdBy: null,
    createdAt: ago(age),
    expiresAt: new Date(Date.parse(ago(age)) + life * DAY_MS).toISOString(),
    revokedAt: null,
    replaces: null,
    replacedBy: null,
    replacedAt: null,
    graceUntil: null,
    lastUsedAt: null,
    lastUsedIp: null,
    lastUsedClient: null,
    flaggedAt: null,
    flaggedReason: null,
    kind: 'api_key',
    oauthClientId: null,
    oauthClientName: null,
    oauthGrantId: null,
    ...rest,
  };
}

const health = (keys: ApiKeyRecord[]) =>
  summarizeKeyHealth(
    workspace,
    keys.map((k) => toKeyView(k, { now: NOW, workspace, member, projects: [] })),
    NOW,
  );
const names = (list: readonly { name: string }[]) => list.map((k) => k.name);

describe('summarizeKeyHealth', () => {
  it('sorts live keys into due soon, overdue, never used and idle', () => {
    const h = health([
      key('fresh-used', { age: 2, lastUsedAt: ago(1), lastUsedIp: '203.0.113.7', lastUsedClient: 'Cursor' }),
      key('due-soon', { age: 25, lastUsedAt: ago(1) }),
      // Made under a longer policy: overdue now, and still alive until its own expiry.
      key('overdue-kept', { age: 40, life: 90, lastUsedAt: ago(31) }),
      key('never-used', { age: 3 }),
      key('idle-exactly', { age: 29, life: 90, lastUsedAt: ago(30) }),
    ]);
    expect(h.liveKeys).toBe(5);
    expect(names(h.dueSoon)).toEqual(['due-soon', 'idle-exactly']);
    expect(names(h.overdue)).toEqual(['overdue-kept']);
    expect(names(h.neverUsed)).toEqual(['never-used']);
    expect(names(h.idle)).toEqual(['idle-exactly', 'overdue-kept']);
    expect(h.overdue[0]).toMatchObject({
      owner: { id: 'mbr_1', email: 'ada@acme.test' },
      environment: 'production',
      display: 'tg_prod_abc…wxyz',
      rotation: { state: 'overdue', policyDays: 30, beyondPolicy: true },
      lastUsed: { at: ago(31) },
    });
    expect(h.workspace).toEqual({ slug: 'acme', keyRotationDays: 30 });
    expect(h.at).toBe(NOW.toISOString());
  });

  it('leaves out revoked, expired, rotated-out keys and OAuth connections', () => {
    const h = health([
      key('revoked', { age: 40, life: 90, revokedAt: ago(1) }),
      key('expired', { age: 40, life: 30 }),
      key('rotated', { age: 40, life: 90, replacedBy: 'key_x', replacedAt: ago(2), graceUntil: ago(1) }),
      key('in-grace', { age: 40, life: 90, replacedBy: 'key_x', replacedAt: ago(1), graceUntil: ago(-1) }),
      key('connection', { age: 3, kind: 'oauth', oauthClientId: 'c', oauthClientName: 'Claude' }),
    ]);
    expect(h.liveKeys).toBe(0);
    expect([...h.dueSoon, ...h.overdue, ...h.neverUsed, ...h.idle]).toEqual([]);
  });
});
