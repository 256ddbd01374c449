/**
 * oidc-provider prints "Unsupported runtime" to stderr whenever it is loaded on a Node it does
 * not support (Node 20 among them), and Claude Desktop logs the stdio bridge's stderr. So only
 * what serves OAuth loads it: `--help`, the read commands and `connect` must stay silent. The
 * binary runs with a preload that makes any Node look unsupported, so a stray load shows on
 * Node 22 and 24 as well.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, runBinary } from '../support/cli-binary.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';

const WARNING = 'Unsupported runtime';
const PRELOAD = pathToFileURL(join(import.meta.dirname, '../fixtures/unsupported-runtime.mjs')).href;
const unsupported = { NODE_OPTIONS: `--import=${PRELOAD}` };

// A spawned Node takes seconds on a busy CI machine; each test spawns once or twice.
const SPAWN_TIMEOUT_MS = 60_000;

let dir: string;
let env: Record<string, string>;
let initStderr: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'taskgate-runtime-'));
  env = {
    ...unsupported,
    TASKGATE_DATABASE_URL: `sqlite:${join(dir, 'taskgate.db')}`,
    TASKGATE_SECRET_KEY: randomBytes(32).toString('base64url'),
  };
  const init = await runBinary(['init', '--workspace', 'acme', '--owner', 'ada@example.com'], {
    cwd: dir,
    env,
  });
  expect(init.code, init.stderr).toBe(0);
  initStderr = init.stderr;
}, SPAWN_TIMEOUT_MS);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('commands that never serve OAuth print no oidc-provider runtime warning', () => {
  it('prints no runtime warning for init', () => {
    expect(initStderr).not.toContain(WARNING);
  });

  it.each([
    [['--help']],
    [['keys', 'list', '--workspace', 'acme']],
    [['audit', 'verify', '--workspace', 'acme']],
    [['oauth', 'clients', 'list']],
  ])(
    'prints no runtime warning for %j',
    async (args) => {
      const run = await runBinary(args, { cwd: dir, env });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).not.toContain(WARNING);
    },
    SPAWN_TIMEOUT_MS,
  );

  // The control: the preload does make a load visible, so the silence above means something.
  it(
    'loads oidc-provider for oauth clients add, which validates the client with it',
    async () => {
      const add = [
        'oauth',
        'clients',
        'add',
        '--name',
        'Inspector',
        '--redirect-uri',
        'http://127.0.0.1:6274/cb',
      ];
      const run = await runBinary(add, { cwd: dir, env });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(WARNING);
    },
    SPAWN_TIMEOUT_MS,
  );
});

describe('the stdio bridge, as Claude Desktop runs it', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  it(
    'relays a session with nothing on stderr for the client to log',
    async () => {
      const key = await server.issueKey({ name: 'claude-desktop-macbook' });
      const child = spawn(process.execPath, [MAIN, 'connect', '--url', server.mcpUrl], {
        env: { PATH: process.env.PATH, TASKGATE_API_KEY: key, ...unsupported },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const initialize = {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'claude-ai', version: '0.14.1' },
        },
      };
      child.stdin.write(`${JSON.stringify(initialize)}\n`);
      const answer = JSON.parse((await lines.next()).value as string) as { result?: unknown };
      expect(answer.result).toMatchObject({ serverInfo: { name: 'taskgate' } });
      child.stdin.end();
      expect(await exited).toBe(0);
      expect(stderr).toBe('');
    },
    SPAWN_TIMEOUT_MS,
  );
});
