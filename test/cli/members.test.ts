/** `taskgate members …` through the real CLI: passwords come from stdin only and are checked. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cryptoRandom } from '../../src/core/index.js';
import { type CliSandbox, createCliSandbox } from '../support/cli.js';

let sandbox: CliSandbox;
const password = () => `cli pass ${Buffer.from(cryptoRandom.bytes(12)).toString('base64url')}`;

beforeEach(async () => {
  sandbox = createCliSandbox();
  expect((await sandbox.run('init', '--workspace', 'acme', '--owner', 'ada@acme.test')).code).toBe(0);
});
afterEach(() => sandbox.remove());

const listJson = async () =>
  (
    JSON.parse((await sandbox.run('members', 'list', '--workspace', 'acme', '--json')).stdout) as {
      members: { email: string; role: string; hasPassword: boolean }[];
    }
  ).members;

describe('members add', () => {
  it('adds a member with a password read from stdin and says they can sign in', async () => {
    const pw = password();
    const result = await sandbox.runWithStdin(
      `${pw}\n`,
      'members',
      'add',
      '--workspace',
      'acme',
      '--email',
      'Grace@acme.test',
      '--role',
      'admin',
      '--password-stdin',
      '--json',
    );
    expect(result.code).toBe(0);
    const { member } = JSON.parse(result.stdout) as { member: Record<string, unknown> };
    expect(member).toMatchObject({ email: 'grace@acme.test', role: 'admin', hasPassword: true });
    expect(result.stdout).not.toContain(pw);
    expect(await listJson()).toContainEqual(
      expect.objectContaining({ email: 'grace@acme.test', hasPassword: true }),
    );
  });

  it('adds a member without a password as role member by default', async () => {
    const result = await sandbox.run('members', 'add', '--workspace', 'acme', '--email', 'alan@acme.test');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('as member');
    expect(await listJson()).toContainEqual(
      expect.objectContaining({ email: 'alan@acme.test', role: 'member', hasPassword: false }),
    );
  });

  it('refuses a weak password with a clear message and adds nobody', async () => {
    const result = await sandbox.runWithStdin(
      'hunter2\n',
      'members',
      'add',
      '--workspace',
      'acme',
      '--email',
      'weak@acme.test',
      '--password-stdin',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/password: must be 12-128 characters.*it has 7/);
    expect((await listJson()).map((m) => m.email)).not.toContain('weak@acme.test');
  });

  it('refuses an unknown role and names the field', async () => {
    const result = await sandbox.run(
      'members',
      'add',
      '--workspace',
      'acme',
      '--email',
      'x@acme.test',
      '--role',
      'god',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/role: must be one of owner, admin, member, viewer/);
  });

  it('has no option that takes a password on the command line', async () => {
    const result = await sandbox.run(
      'members',
      'add',
      '--workspace',
      'acme',
      '--email',
      'x@acme.test',
      '--password',
      'p',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option '--password'/);
  });
});

describe('members set-password', () => {
  it('sets a password for an existing member from stdin', async () => {
    const result = await sandbox.runWithStdin(
      password(),
      'members',
      'set-password',
      '--workspace',
      'acme',
      '--email',
      'ada@acme.test',
      '--password-stdin',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Password set for ada@acme.test');
    expect(await listJson()).toContainEqual(
      expect.objectContaining({ email: 'ada@acme.test', hasPassword: true }),
    );
  });

  it('requires --password-stdin and refuses empty input', async () => {
    const missing = await sandbox.run(
      'members',
      'set-password',
      '--workspace',
      'acme',
      '--email',
      'ada@acme.test',
    );
    expect(missing.code).toBe(2);
    const empty = await sandbox.runWithStdin(
      '\n',
      'members',
      'set-password',
      '--workspace',
      'acme',
      '--email',
      'ada@acme.test',
      '--password-stdin',
    );
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('password-stdin: standard input was empty');
  });

  it('fails for a member who does not exist', async () => {
    const result = await sandbox.runWithStdin(
      password(),
      'members',
      'set-password',
      '--workspace',
      'acme',
      '--email',
      'nobody@acme.test',
      '--password-stdin',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('member nobody@acme.test not found');
  });
});

describe('members login-link', () => {
  it('prints a one-time link on the public URL and never the same link twice', async () => {
    const first = await sandbox.run(
      'members',
      'login-link',
      '--workspace',
      'acme',
      '--email',
      'ada@acme.test',
      '--json',
    );
    const second = await sandbox.run(
      'members',
      'login-link',
      '--workspace',
      'acme',
      '--email',
      'ada@acme.test',
      '--json',
    );
    expect(first.code).toBe(0);
    const a = JSON.parse(first.stdout) as { url: string; member: string };
    const b = JSON.parse(second.stdout) as { url: string };
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:8787\/login\/link\?token=[A-Za-z0-9_-]{43}$/);
    expect(a.member).toBe('ada@acme.test');
    expect(a.url).not.toBe(b.url);
  });
});
