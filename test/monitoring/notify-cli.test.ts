/**
 * `taskgate webhooks` and `taskgate notifications log` through the real CLI: an SSRF URL is
 * refused (exit 2, the reason, nothing stored), an endpoint on a configured test host is
 * added with its secret printed once, tested, listed, removed, and the log shows the test.
 */

import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/index.js';
import { type CliSandbox, createCliSandbox } from '../support/cli.js';
import { type HookReceiver, startHookReceiver } from './notify-support.js';

let sandbox: CliSandbox;
let receiver: HookReceiver;
beforeEach(async () => {
  sandbox = createCliSandbox();
  receiver = await startHookReceiver();
  const init = await sandbox.run(
    'init',
    '--workspace',
    'acme',
    '--owner',
    'ada@acme.test',
    '--env',
    'staging',
  );
  expect(init.code).toBe(0);
});
afterEach(async () => {
  sandbox.remove();
  await receiver.close();
});

/** The sandbox's run, with the receiver's address allowed (test-only setting). */
async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env: {
      TASKGATE_DATABASE_URL: sandbox.databaseUrl,
      TASKGATE_DATA_DIR: join(sandbox.dir, 'data'),
      TASKGATE_WEBHOOK_TEST_HOSTS: receiver.hostPort,
    },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
  });
  return { code, stdout, stderr };
}

describe('taskgate webhooks', () => {
  it('refuses the cloud metadata address with the reason and stores nothing', async () => {
    const refused = await sandbox.run(
      'webhooks',
      'add',
      '--workspace',
      'acme',
      '--url',
      'https://169.254.169.254/latest',
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/link-local/);
    const list = await sandbox.run('webhooks', 'list', '--workspace', 'acme', '--json');
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('adds, tests, lists and removes an endpoint; the log shows the delivered test', async () => {
    {
      const added = await run('webhooks', 'add', '--workspace', 'acme', '--url', receiver.url, '--json');
      expect(added.code, added.stderr).toBe(0);
      const { id, secret } = JSON.parse(added.stdout) as { id: string; secret: string };
      receiver.secret = secret;
      const listed = await run('webhooks', 'list', '--workspace', 'acme');
      expect(listed.stdout).toContain(id);
      expect(listed.stdout).not.toContain(secret);
      const tested = await run('webhooks', 'test', id, '--workspace', 'acme');
      expect(tested.code, tested.stderr).toBe(0);
      expect(tested.stdout).toContain('delivered');
      expect(receiver.verified).toHaveLength(1);
      const log = await run('notifications', 'log', '--workspace', 'acme');
      expect(log.stdout).toContain('Email: not configured');
      expect(log.stdout).toMatch(/delivered\s+webhook\s+test/);
      expect((await run('webhooks', 'remove', id, '--workspace', 'acme')).code).toBe(0);
      expect((await run('webhooks', 'list', '--workspace', 'acme')).stdout).toContain(
        'No webhook endpoints.',
      );
    }
  });
});
