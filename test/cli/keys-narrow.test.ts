/**
 * `taskgate keys narrow` through the real CLI: it takes rights away with the same service as
 * the console, names the member with `--as`, and refuses anything that would widen the key
 * (exit 2, the field named, nothing changed).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliSandbox, createCliSandbox } from '../support/cli.js';

interface Shown {
  id: string;
  scopes: string[];
  readOnly: boolean;
  dryRunOnly: boolean;
  ip: string[] | null;
  expiresAt: string;
}

let sandbox: CliSandbox;
beforeEach(async () => {
  sandbox = createCliSandbox();
  expect((await sandbox.run('init', '--workspace', 'acme', '--owner', 'ada@acme.test')).code).toBe(0);
  const created = await keys(
    'create',
    '--name',
    'cursor-work-laptop',
    '--env',
    'development',
    '--preset',
    'standard',
  );
  expect(created.code).toBe(0);
});
afterEach(() => sandbox.remove());

const keys = (...argv: string[]) => sandbox.run('keys', ...argv, '--workspace', 'acme');
const show = async () => JSON.parse((await keys('show', 'cursor-work-laptop', '--json')).stdout) as Shown;

describe('keys narrow', () => {
  it('takes scopes away, turns on dry-run only, shortens the life and sets an IP allow-list', async () => {
    const before = await show();
    const result = await keys(
      'narrow',
      'cursor-work-laptop',
      '--remove-scope',
      'comments:write,time:write',
      '--dry-run-only',
      '--expires',
      '7d',
      '--ip',
      '10.0.0.0/8',
      '--as',
      'ada@acme.test',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Narrowed cursor-work-laptop (remove-scope, dry-run-only, expires, ip)');
    const after = await show();
    expect(after.scopes).not.toContain('comments:write');
    expect(after.scopes).not.toContain('time:write');
    expect(after).toMatchObject({ dryRunOnly: true, ip: ['10.0.0.0/8'] });
    expect(after.expiresAt < before.expiresAt).toBe(true);
    const events = await sandbox.run(
      'audit',
      'query',
      '--workspace',
      'acme',
      '--action',
      'key.narrowed',
      '--json',
    );
    expect(events.stdout).toContain('key.narrowed');
  });

  it.each([
    ['a scope with a glued zero-width space', ['--remove-scope', 'tasks:read\u200b'], 'remove-scope'],
    ['an unknown scope', ['--remove-scope', 'tasks:admin'], 'remove-scope'],
    ['a later expiry', ['--expires', '2099-01-01'], 'expires'],
  ])('refuses %s with exit 2, naming the field, and changes nothing', async (_what, flags, field) => {
    const before = await show();
    const result = await keys('narrow', 'cursor-work-laptop', ...flags);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${field}:`);
    expect(await show()).toEqual(before);
  });

  it('refuses an IP allow-list wider than the one the key has', async () => {
    expect((await keys('narrow', 'cursor-work-laptop', '--ip', '10.0.0.0/8')).code).toBe(0);
    const result = await keys('narrow', 'cursor-work-laptop', '--ip', '10.0.0.0/7');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('outside the key');
    expect((await show()).ip).toEqual(['10.0.0.0/8']);
  });
});
