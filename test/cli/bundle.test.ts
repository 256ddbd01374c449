/**
 * dist/main.js is a bundle (scripts/build.mjs): start-up no longer spends most of its time in
 * Node's ESM loader resolving, reading and compiling ~900 small files. These tests run the
 * built binary with a loader hook that records every module it loads, so a build that falls
 * back to tsc's one-file-per-module output, or lets an eager import pull OAuth in, fails here.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, runBinary } from '../support/cli-binary.js';

const PRELOAD = pathToFileURL(join(import.meta.dirname, '../fixtures/record-modules.mjs')).href;
const SPAWN_TIMEOUT_MS = 60_000;

let dir: string;
let env: Record<string, string>;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'taskgate-bundle-'));
  env = {
    TASKGATE_DATABASE_URL: `sqlite:${join(dir, 'taskgate.db')}`,
    TASKGATE_SECRET_KEY: randomBytes(32).toString('base64url'),
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the binary and returns the file: URLs of the modules it loaded. */
async function modulesLoadedBy(args: string[], name: string): Promise<string[]> {
  const log = join(dir, `${name}.modules`);
  const run = await runBinary(args, {
    cwd: dir,
    env: { ...env, NODE_OPTIONS: `--import=${PRELOAD}`, TASKGATE_TEST_MODULES_LOG: log },
  });
  expect(run.code, run.stderr).toBe(0);
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((url) => url.startsWith('file:'));
}

const ours = (urls: string[]) =>
  urls.filter((url) => url.includes('/dist/') && !url.includes('/node_modules/'));
const fromPackage = (urls: string[], name: string) =>
  urls.filter((url) => url.includes(`/node_modules/${name}/`));

describe('the bundled binary', () => {
  it(
    'loads a handful of files of its own, and kysely, zod, hono and the MCP SDK from inside them',
    async () => {
      await modulesLoadedBy(['init', '--workspace', 'acme', '--owner', 'ada@example.com'], 'init');
      const loaded = await modulesLoadedBy(['keys', 'list', '--workspace', 'acme'], 'keys-list');
      // main.js and the chunk it shares with the lazily loaded OAuth parts; tsc's layout is ~390.
      expect(ours(loaded).length).toBeLessThanOrEqual(3);
      for (const name of ['kysely', 'zod', 'hono', '@modelcontextprotocol/server'])
        expect(fromPackage(loaded, name), name).toEqual([]);
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    'leaves oidc-provider out of a command that serves no OAuth',
    async () => {
      const loaded = await modulesLoadedBy(['--version'], 'version');
      expect(loaded.length).toBeGreaterThan(0);
      expect(fromPackage(loaded, 'oidc-provider')).toEqual([]);
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    'points a client config at itself: the stdio bridge runs this very bundle',
    async () => {
      await runBinary(['init', '--workspace', 'bridge', '--owner', 'ada@example.com'], { cwd: dir, env });
      const created = await runBinary(
        [
          ...['keys', 'create', '--workspace', 'bridge', '--name', 'claude-desktop-laptop'],
          ...['--env', 'development', '--client', 'claude-desktop', '--json'],
        ],
        { cwd: dir, env },
      );
      expect(created.code, created.stderr).toBe(0);
      const config = JSON.parse(JSON.parse(created.stdout).clientConfig.text) as {
        mcpServers: { taskgate: { args: string[] } };
      };
      expect(config.mcpServers.taskgate.args[0]).toBe(MAIN);
    },
    SPAWN_TIMEOUT_MS,
  );
});
