/**
 * The CIMD test escape hatches switch off the SSRF address check for listed hosts, so a
 * production server must refuse to start with them: a config error, exit code 2, before
 * anything is opened or bound.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCli } from '../../src/cli/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'taskgate-cimd-guard-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function serve(env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['serve', '--port', '0'], {
    env: { TASKGATE_DATA_DIR: join(dir, 'data'), TASKGATE_ENVIRONMENT: 'production', ...env },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stopSignal: Promise.resolve(),
  });
  return { code, stdout, stderr };
}

it('refuses to serve in production with an SSRF allow-list for CIMD fetches', async () => {
  const result = await serve({ TASKGATE_OAUTH_CIMD_TEST_HOSTS: '127.0.0.1:8443' });
  expect(result.code).toBe(2);
  expect(result.stderr).toBe(
    'taskgate: oauthCimdTestHosts (TASKGATE_OAUTH_CIMD_TEST_HOSTS): is test-only and must not be set when environment is production\n',
  );
  expect(existsSync(join(dir, 'data'))).toBe(false);
});

it('refuses to serve in production with a test CA for CIMD fetches', async () => {
  const result = await serve({ TASKGATE_OAUTH_CIMD_TEST_CA_FILE: join(dir, 'ca.pem') });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('oauthCimdTestCaFile (TASKGATE_OAUTH_CIMD_TEST_CA_FILE): is test-only');
});
