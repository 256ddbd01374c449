/**
 * `taskgate members invite|role|remove` through the real CLI: the preview before a removal,
 * `--yes` to go through with it, `--as` checked against the acting member's role, `--json`,
 * and odd input refused with exit 2 and nothing changed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliSandbox, createCliSandbox } from '../support/cli.js';

let sandbox: CliSandbox;
const ws = ['--workspace', 'acme'];

beforeEach(async () => {
  sandbox = createCliSandbox();
  expect((await sandbox.run('init', '--workspace', 'acme', '--owner', 'ada@acme.test')).code).toBe(0);
  for (const [email, role] of [
    ['bob@acme.test', 'member'],
    ['vic@acme.test', 'viewer'],
  ]) {
    expect((await sandbox.run('members', 'add', ...ws, '--email', email!, '--role', role!)).code).toBe(0);
  }
  const key = await sandbox.run(
    'keys',
    'create',
    ...ws,
    '--name',
    'cursor-bob',
    '--env',
    'development',
    '--member',
    'bob@acme.test',
    '--scopes',
    'tasks:write,comments:write',
  );
  expect(key.code, key.stderr).toBe(0);
});
afterEach(() => sandbox.remove());

const roles = async () =>
  Object.fromEntries(
    (
      JSON.parse((await sandbox.run('members', 'list', ...ws, '--json')).stdout) as {
        members: { email: string; role: string }[];
      }
    ).members.map((m) => [m.email, m.role]),
  );

const listed = async () => {
  const run = await sandbox.run('keys', 'list', ...ws, '--json');
  expect(run.code, run.stderr).toBe(0);
  return run;
};

const bobKey = async () =>
  (
    JSON.parse((await listed()).stdout) as {
      keys: { name: string; status: string; scopes: string[]; readOnly: boolean }[];
    }
  ).keys.find((k) => k.name === 'cursor-bob')!;

describe('members invite', () => {
  it('adds the member and prints a one-time login link', async () => {
    const result = await sandbox.run(
      'members',
      'invite',
      'new@acme.test',
      ...ws,
      '--role',
      'viewer',
      '--json',
    );
    expect(result.code, result.stderr).toBe(0);
    const body = JSON.parse(result.stdout) as { member: { role: string }; loginLink: { url: string } };
    expect(body.member.role).toBe('viewer');
    expect(body.loginLink.url).toMatch(/\/login\/link\?token=/);
    const human = await sandbox.run('members', 'invite', 'two@acme.test', ...ws, '--role', 'member');
    expect(human.stdout).toMatch(/Invited two@acme.test to acme as member\.[\s\S]*\/login\/link\?token=/);
  });

  it('refuses an invitation from a viewer acting with --as', async () => {
    const result = await sandbox.run(
      'members',
      'invite',
      'x@acme.test',
      ...ws,
      '--role',
      'member',
      '--as',
      'vic@acme.test',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/your role \(viewer\) cannot invite members/);
    expect(await roles()).not.toHaveProperty('x@acme.test');
  });
});

describe('members role', () => {
  it('shows the narrowing with --dry-run and changes nothing, then applies it', async () => {
    const dry = await sandbox.run('members', 'role', 'bob@acme.test', 'viewer', ...ws, '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^Would: change bob@acme.test from member to viewer in acme, as operator\./);
    expect(dry.stdout).toMatch(/narrow key cursor-bob {2}to tasks:read comments:read, read-only/);
    expect((await roles())['bob@acme.test']).toBe('member');
    expect((await bobKey()).readOnly).toBe(false);

    const done = await sandbox.run(
      'members',
      'role',
      'bob@acme.test',
      'viewer',
      ...ws,
      '--as',
      'ada@acme.test',
      '--json',
    );
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({
      applied: true,
      by: 'ada@acme.test',
      change: { to: 'viewer' },
    });
    expect((await roles())['bob@acme.test']).toBe('viewer');
    expect(await bobKey()).toMatchObject({ readOnly: true, scopes: ['tasks:read', 'comments:read'] });
  });

  it.each(['admin ', 'Owner', 'owner\u0000'])(
    'refuses the role %j with exit 2, nothing changed',
    async (role) => {
      const result = await sandbox.run('members', 'role', 'bob@acme.test', role, ...ws);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/role: must be one of owner, admin, member, viewer exactly/);
      expect(result.stderr).not.toContain('\u0000');
      expect((await roles())['bob@acme.test']).toBe('member');
    },
  );

  it('refuses to demote the last owner', async () => {
    const result = await sandbox.run('members', 'role', 'ada@acme.test', 'admin', ...ws);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/last owner/);
  });
});

describe('members remove', () => {
  it('stops at the preview without --yes, then removes with it', async () => {
    const preview = await sandbox.run('members', 'remove', 'bob@acme.test', ...ws);
    expect(preview.code).toBe(2);
    expect(preview.stdout).toMatch(
      /Would: remove bob@acme.test \(member\) from acme[\s\S]*revoke key cursor-bob/,
    );
    expect(preview.stderr).toMatch(/nothing changed: add --yes/);
    expect((await bobKey()).status).not.toBe('revoked');

    const dry = await sandbox.run('members', 'remove', 'bob@acme.test', ...ws, '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ applied: false, revoke: [{ name: 'cursor-bob' }] });

    const done = await sandbox.run('members', 'remove', 'bob@acme.test', ...ws, '--yes');
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^Done: remove bob@acme.test/);
    expect((await bobKey()).status).toBe('revoked');
    expect(await roles()).not.toHaveProperty('bob@acme.test');
    // Their history stays readable: an investigation often starts after the removal.
    const history = await sandbox.run('audit', 'query', ...ws, '--member', 'bob@acme.test', '--json');
    expect(history.code, history.stderr).toBe(0);
  });

  it('refuses a glued email with exit 2 and removes nobody', async () => {
    const result = await sandbox.run('members', 'remove', 'bob@acme.test\nvic@acme.test', ...ws, '--yes');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/email: must be an email address/);
    expect(Object.keys(await roles()).sort()).toEqual(['ada@acme.test', 'bob@acme.test', 'vic@acme.test']);
  });
});
