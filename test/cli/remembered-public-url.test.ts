/**
 * Commands run beside the server print the URL the server answers on: the built `serve`
 * remembers its public URL in the data dir, and `keys create --client` and `members
 * login-link` use it unless TASKGATE_PUBLIC_URL is set for them (which wins).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/index.js';
import { startBinary } from '../support/cli-binary.js';

const PUBLIC_URL = 'https://tasks.example.test';
const DEFAULT_URL = 'http://127.0.0.1:8787';

let dir: string;
let env: Record<string, string>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'taskgate-url-'));
  env = {
    TASKGATE_DATA_DIR: join(dir, 'data'),
    TASKGATE_DATABASE_URL: `sqlite:${join(dir, 'data', 'taskgate.db')}`,
  };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(extraEnv: Record<string, string>, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env: { ...env, ...extraEnv },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    cwd: dir,
  });
  expect(code, stderr).toBe(0);
  return stdout;
}

/** Runs the built `serve` with the given public URL until it listens, then stops it. */
async function serveOnce(publicUrl: string) {
  const server = await startBinary(['serve', '--port', '0', '--json'], {
    cwd: dir,
    env: { ...env, TASKGATE_PUBLIC_URL: publicUrl },
  });
  expect(await server.stop()).toBe(0);
}

describe('the public URL printed by the CLI', () => {
  beforeEach(async () => {
    await cli({}, 'init', '--workspace', 'acme', '--owner', 'ada@acme.test');
  });

  it('prints the URL serve runs with in a client config and a login link when the CLI has no TASKGATE_PUBLIC_URL', async () => {
    await serveOnce(PUBLIC_URL);

    const created = await cli(
      {},
      ...['keys', 'create', '--workspace', 'acme', '--name', 'cursor-laptop', '--env', 'development'],
      ...['--client', 'cursor'],
    );
    expect(created).toContain(`${PUBLIC_URL}/mcp`);
    expect(created).not.toContain(DEFAULT_URL);

    const link = JSON.parse(
      await cli({}, 'members', 'login-link', '--workspace', 'acme', '--email', 'ada@acme.test', '--json'),
    ) as { url: string };
    expect(link.url.startsWith(`${PUBLIC_URL}/`)).toBe(true);
  });

  it('prints the URL of the latest serve when the server moved', async () => {
    await serveOnce('https://old.example.test');
    await serveOnce(PUBLIC_URL);
    const link = JSON.parse(
      await cli({}, 'members', 'login-link', '--workspace', 'acme', '--email', 'ada@acme.test', '--json'),
    ) as { url: string };
    expect(link.url.startsWith(`${PUBLIC_URL}/`)).toBe(true);
  });

  it('lets an explicit TASKGATE_PUBLIC_URL win over the remembered one', async () => {
    await serveOnce(PUBLIC_URL);
    const link = JSON.parse(
      await cli(
        { TASKGATE_PUBLIC_URL: 'https://override.example.test' },
        ...['members', 'login-link', '--workspace', 'acme', '--email', 'ada@acme.test', '--json'],
      ),
    ) as { url: string };
    expect(link.url.startsWith('https://override.example.test/')).toBe(true);
  });

  it('does not lend the URL to a CLI pointed at another database', async () => {
    await serveOnce(PUBLIC_URL);
    const other = `sqlite:${join(dir, 'data', 'other.db')}`;
    await cli({ TASKGATE_DATABASE_URL: other }, 'init', '--workspace', 'beta', '--owner', 'bo@beta.test');
    const link = JSON.parse(
      await cli(
        { TASKGATE_DATABASE_URL: other },
        ...['members', 'login-link', '--workspace', 'beta', '--email', 'bo@beta.test', '--json'],
      ),
    ) as { url: string };
    expect(link.url.startsWith(`${DEFAULT_URL}/`)).toBe(true);
  });
});
