/**
 * `taskgate checklist` through the real CLI: a checklist in human text and in JSON, exit 0
 * with findings, and a clear refusal for a workspace that is not there.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Checklist } from '../../src/admin/index.js';
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
    'production',
  );
  expect(init.code).toBe(0);
});
afterEach(() => sandbox.remove());

describe('taskgate checklist', () => {
  it('prints every item as JSON and exits 0 although an item fails', async () => {
    const key = ['keys', 'create', '--workspace', 'acme', '--name', 'api-key', '--env', 'production'];
    expect((await sandbox.run(...key)).code).toBe(0);
    const result = await sandbox.run('checklist', '--workspace', 'acme', '--json');
    expect(result.code).toBe(0);
    const checklist = JSON.parse(result.stdout) as Checklist;
    expect(checklist).toMatchObject({
      workspace: { slug: 'acme', environment: 'production' },
      scope: 'workspace',
    });
    expect(checklist.keysEvaluated).toBe(1);
    expect(checklist.items.find((i) => i.id === 'audit-verified')?.status).toBe('fail');
    expect(checklist.items.find((i) => i.id === 'descriptive-names')).toMatchObject({
      status: 'warn',
      keys: [{ name: 'api-key' }],
    });
    expect(checklist.summary).toEqual({ pass: 6, warn: 1, fail: 1, advice: 4 });
  });

  it('prints a checklist a person reads: marks, findings and where to fix', async () => {
    const result = await sandbox.run('checklist', '--workspace', 'acme');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Security checklist for acme (production)');
    expect(result.stdout).toContain('[FAIL]   Audit log verified in the last 7 days');
    expect(result.stdout).toContain('the audit chain has never been verified');
    expect(result.stdout).toContain('fix: /admin/activity');
    expect(result.stdout).toContain('[pass]   Confirmation on writes in production');
    expect(result.stdout).toContain('[advice] Never commit API keys to version control');
    expect(result.stdout).toContain('fix: docs/checklist.md#never-commit-keys');
  });

  it('exits 1 naming a workspace that does not exist', async () => {
    const result = await sandbox.run('checklist', '--workspace', 'nowhere');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('workspace nowhere not found');
  });

  it('exits 2 without --workspace', async () => {
    const result = await sandbox.run('checklist');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '--workspace <slug>' not specified");
  });
});
