/**
 * Through the real CLI: `policy set --rotation-days` (strict input, nothing changed on a bad
 * value, the audit event naming `--as`), `keys health`, and `--as <email>` on keys
 * create/rotate/revoke (and list/show) — allowed by role, named in the audit log, refused clearly otherwise.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorkspacePolicy } from '../../src/admin/index.js';
import type { KeyHealth } from '../../src/credentials/index.js';
import type { AuditEvent } from '../../src/model/index.js';
import { openStore } from '../../src/storage/index.js';
import { type CliSandbox, createCliSandbox } from '../support/cli.js';

let sandbox: CliSandbox;
beforeEach(async () => {
  sandbox = createCliSandbox();
  const init = await sandbox.run(
    'init',
    '--workspace',
    'acme',
    '--owner',
    'ada@acme.test',
    '--env',
    'development',
  );
  expect(init.code).toBe(0);
  for (const [email, role] of [
    ['bob@acme.test', 'member'],
    ['vic@acme.test', 'viewer'],
    ['ann@acme.test', 'admin'],
  ] as const) {
    const added = await sandbox.run(
      'members',
      'add',
      '--workspace',
      'acme',
      '--email',
      email,
      '--role',
      role,
    );
    expect(added.code, added.stderr).toBe(0);
  }
});
afterEach(() => sandbox.remove());

async function show(): Promise<WorkspacePolicy> {
  const result = await sandbox.run('policy', 'show', '--workspace', 'acme', '--json');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as WorkspacePolicy;
}

async function auditEvents(action: string): Promise<AuditEvent[]> {
  const store = await openStore(sandbox.databaseUrl);
  try {
    const workspace = await store.workspaces.findBySlug('acme');
    return (await store.audit.list(workspace!.id, { limit: 500 })).filter((e) => e.action === action);
  } finally {
    await store.close();
  }
}

async function memberId(email: string): Promise<string> {
  const store = await openStore(sandbox.databaseUrl);
  try {
    const workspace = await store.workspaces.findBySlug('acme');
    return (await store.members.findByEmail(workspace!.id, email))!.id;
  } finally {
    await store.close();
  }
}

const createKey = (name: string, ...extra: string[]) =>
  sandbox.run('keys', 'create', '--workspace', 'acme', '--name', name, '--env', 'development', ...extra);

describe('policy set --rotation-days', () => {
  it('changes the period, shows it, names the member in the audit event and re-judges the keys', async () => {
    expect((await createKey('cursor-work-laptop')).code).toBe(0);
    expect((await show()).keyRotationDays).toBe(90);
    const result = await sandbox.run(
      ...['policy', 'set', '--workspace', 'acme', '--rotation-days', '30', '--as', 'ann@acme.test'],
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('key rotation:        every 30 days');
    expect(result.stdout).toContain('Every key is now judged against 30 days (1 live key).');
    expect((await show()).keyRotationDays).toBe(30);
    const [changed] = await auditEvents('policy.changed');
    expect(changed).toMatchObject({
      memberId: await memberId('ann@acme.test'),
      detail: { changes: { keyRotationDays: { before: 90, after: 30 } } },
    });
    const list = JSON.parse((await sandbox.run('keys', 'list', '--workspace', 'acme', '--json')).stdout) as {
      keys: { rotation: { policyDays: number; beyondPolicy: boolean } }[];
    };
    expect(list.keys[0]?.rotation).toMatchObject({ policyDays: 30, beyondPolicy: true });
  });

  it.each([
    ['45', 'rotation-days: must be 30, 60, 90 or 180 days; 45 is not a rotation period the policy offers'],
    ['90d', 'rotation-days: is a number of days without a unit: write 90, not 90d'],
    [' 90', 'rotation-days: must be digits only'],
    ['90\n', 'rotation-days: must be digits only'],
    ['1e2', 'rotation-days: must be a whole number of days written in digits'],
    ['', 'rotation-days: is empty: give 30, 60, 90 or 180 (days)'],
  ])('exits 2 on %j naming the flag, and changes nothing', async (value, message) => {
    const before = await show();
    const result = await sandbox.run('policy', 'set', '--workspace', 'acme', '--rotation-days', value);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(await show()).toEqual(before);
    expect(await auditEvents('policy.changed')).toHaveLength(0);
  });

  it('refuses --as a member who is not an owner or admin, changing nothing', async () => {
    const result = await sandbox.run(
      ...['policy', 'set', '--workspace', 'acme', '--rotation-days', '30', '--as', 'bob@acme.test'],
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('your role (member) cannot change the policy of acme');
    expect((await show()).keyRotationDays).toBe(90);
  });
});

describe('keys health', () => {
  it('lists keys never used and due for rotation, as text and JSON', async () => {
    expect((await createKey('cursor-work-laptop', '--expires-in', '5d')).code).toBe(0);
    expect((await createKey('claude-desktop-macbook')).code).toBe(0);
    const json = await sandbox.run('keys', 'health', '--workspace', 'acme', '--json');
    expect(json.code).toBe(0);
    const health = JSON.parse(json.stdout) as KeyHealth;
    expect(health).toMatchObject({ workspace: { slug: 'acme', keyRotationDays: 90 }, liveKeys: 2 });
    expect(health.dueSoon.map((k) => k.name)).toEqual(['cursor-work-laptop']);
    expect(health.neverUsed.map((k) => [k.name, k.owner.email, k.environment])).toEqual([
      ['claude-desktop-macbook', 'ada@acme.test', 'development'],
      ['cursor-work-laptop', 'ada@acme.test', 'development'],
    ]);
    expect(health.overdue).toEqual([]);
    expect(health.idle).toEqual([]);
    expect(json.stdout).not.toMatch(/tg_dev_\w{30}/);
    const text = await sandbox.run('keys', 'health', '--workspace', 'acme');
    expect(text.stdout).toContain('Key health of acme: 2 live keys, rotation every 90 days');
    expect(text.stdout).toContain('Due for rotation within 7 days (1):');
    expect(text.stdout).toContain('Overdue for rotation: none');
  });
});

describe('keys --as', () => {
  it('creates, rotates and revokes as a member, naming them in every audit event', async () => {
    const bob = await memberId('bob@acme.test');
    const created = await createKey('cursor-bob-laptop', '--as', 'bob@acme.test', '--json');
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ member: { email: 'bob@acme.test' } });
    const rotate = ['keys', 'rotate', 'cursor-bob-laptop', '--workspace', 'acme', '--as', 'bob@acme.test'];
    expect((await sandbox.run(...rotate)).code).toBe(0);
    const revoke = ['keys', 'revoke', 'cursor-bob-laptop', '--workspace', 'acme', '--as', 'ann@acme.test'];
    expect((await sandbox.run(...revoke)).code).toBe(0);
    expect((await auditEvents('key.created'))[0]?.memberId).toBe(bob);
    expect((await auditEvents('key.rotated'))[0]?.memberId).toBe(bob);
    const revoked = await auditEvents('key.revoked');
    expect(revoked).toHaveLength(2);
    const ann = await memberId('ann@acme.test');
    expect(revoked.map((e) => e.memberId)).toEqual([ann, ann]);
  });

  it('lists and shows with --as what the console shows that member: their own keys only', async () => {
    expect((await createKey('cursor-ada-laptop')).code).toBe(0);
    expect((await createKey('cursor-bob-laptop', '--as', 'bob@acme.test')).code).toBe(0);
    const names = async (...as: string[]) =>
      (
        JSON.parse((await sandbox.run('keys', 'list', '--workspace', 'acme', '--json', ...as)).stdout) as {
          keys: { name: string }[];
        }
      ).keys.map((k) => k.name);
    expect(await names('--as', 'bob@acme.test')).toEqual(['cursor-bob-laptop']);
    expect(await names('--as', 'ann@acme.test')).toEqual(['cursor-ada-laptop', 'cursor-bob-laptop']);
    const hidden = await sandbox.run(
      'keys',
      'show',
      'cursor-ada-laptop',
      '--workspace',
      'acme',
      '--as',
      'bob@acme.test',
    );
    expect(hidden.code).toBe(1);
    expect(hidden.stderr).toContain('key cursor-ada-laptop not found in workspace acme');
  });

  it('refuses a member revoking the owner’s key as if it did not exist, and a viewer a write key', async () => {
    expect((await createKey('cursor-ada-laptop')).code).toBe(0);
    const revoke = await sandbox.run(
      ...['keys', 'revoke', 'cursor-ada-laptop', '--workspace', 'acme', '--as', 'bob@acme.test'],
    );
    expect(revoke.code).toBe(1);
    expect(revoke.stderr).toContain('key cursor-ada-laptop not found in workspace acme');
    const viewer = await createKey('cursor-vic-laptop', '--preset', 'standard', '--as', 'vic@acme.test');
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toContain('a viewer cannot create a write-capable key');
    const forOther = await createKey('cursor-for-ada', '--member', 'ada@acme.test', '--as', 'bob@acme.test');
    expect(forOther.code).toBe(1);
    expect(forOther.stderr).toContain('your role (member) creates keys only for yourself');
    const list = JSON.parse((await sandbox.run('keys', 'list', '--workspace', 'acme', '--json')).stdout) as {
      keys: { name: string; status: string }[];
    };
    expect(list.keys.map((k) => `${k.name} ${k.status}`)).toEqual(['cursor-ada-laptop active']);
  });

  it.each([
    ['stranger@acme.test', 1, 'stranger@acme.test is not a member of acme'],
    [' bob@acme.test', 2, "as: must be a member's email address"],
    ['bob@acme.test\n', 2, "as: must be a member's email address"],
    ['bob@acme.test,ada@acme.test', 2, "as: must be a member's email address"],
  ])('refuses --as %j clearly and creates nothing', async (email, code, message) => {
    const result = await createKey('cursor-work-laptop', '--as', email);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
    expect(await auditEvents('key.created')).toHaveLength(0);
  });
});
