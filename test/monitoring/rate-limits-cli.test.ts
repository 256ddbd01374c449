/**
 * `taskgate limits show|set` through the real CLI: the defaults, a round trip that is
 * audited, and bad values that exit 2 naming their flag and change nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RateLimitSettings } from '../../src/monitoring/index.js';
import { type CliSandbox, createCliSandbox } from '../support/cli.js';

let sandbox: CliSandbox;
beforeEach(async () => {
  sandbox = createCliSandbox();
  const result = await sandbox.run('init', '--workspace', 'acme', '--owner', 'ada@acme.test');
  expect(result.code).toBe(0);
});
afterEach(() => sandbox.remove());

async function show(): Promise<RateLimitSettings> {
  const result = await sandbox.run('limits', 'show', '--workspace', 'acme', '--json');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as RateLimitSettings;
}

describe('taskgate limits', () => {
  it('shows the defaults, then the limits it set, and audits the change', async () => {
    expect(await show()).toEqual({
      keyReadsPerMinute: 600,
      keyWritesPerMinute: 120,
      memberReadsPerMinute: 1200,
      memberWritesPerMinute: 240,
      ipReadsPerMinute: 1200,
      ipWritesPerMinute: 240,
    });
    const human = await sandbox.run('limits', 'show', '--workspace', 'acme');
    expect(human.stdout).toContain('key-reads');
    const set = await sandbox.run(
      'limits',
      'set',
      '--workspace',
      'acme',
      '--key-reads',
      '300',
      '--ip-writes',
      '50',
    );
    expect(set.code).toBe(0);
    expect(await show()).toMatchObject({
      keyReadsPerMinute: 300,
      ipWritesPerMinute: 50,
      keyWritesPerMinute: 120,
    });
    const audit = await sandbox.run(
      'audit',
      'query',
      '--workspace',
      'acme',
      '--action',
      'monitoring.settings_changed',
      '--json',
    );
    expect(audit.stdout).toContain('keyReadsPerMinute');
  });

  it('refuses a bad value with exit 2 naming the flag, and changes nothing', async () => {
    for (const [flag, value] of [
      ['--key-reads', '0'],
      ['--key-writes', 'many'],
      ['--member-reads', '1000001'],
    ] as const) {
      const result = await sandbox.run('limits', 'set', '--workspace', 'acme', flag, value);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(flag.slice(2));
    }
    expect((await show()).keyReadsPerMinute).toBe(600);
  });
});
