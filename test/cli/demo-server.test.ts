/**
 * The built binary end to end: `taskgate demo` seeds once, serves health on a real port,
 * keeps its generated secret private and stops cleanly on SIGTERM. `serve` on PostgreSQL
 * runs when TASKGATE_TEST_POSTGRES_URL is set.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseApiKey } from '../../src/credentials/index.js';
import { postgresUrl } from '../support/postgres.js';
import { createTestDatabase, type TestDatabase } from '../support/stores.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
const START_TIMEOUT_MS = 15_000;

interface Started {
  readonly url: string;
  readonly database: string;
  readonly workspaces: string[];
  readonly seeded?: {
    members: number;
    projects: number;
    tasks: number;
    comments: number;
    timeEntries: number;
    firstKey: { name: string; key: string };
  };
}

let dir: string;
let children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'taskgate-demo-'));
});

afterEach(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children = [];
  rmSync(dir, { recursive: true, force: true });
});

/** The child's environment: ours without any TASKGATE_* setting, plus `settings`. */
function childEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('TASKGATE_')),
  );
  return { ...env, ...settings };
}

/** Spawns the binary and resolves with the one JSON document it prints once listening. */
function start(
  args: string[],
  settings: Record<string, string>,
): Promise<{ child: ChildProcess; info: Started }> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: dir, env: childEnv(settings) });
  children.push(child);
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(
      () => reject(new Error(`no JSON within ${START_TIMEOUT_MS} ms\n${stderr}`)),
      START_TIMEOUT_MS,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      try {
        const info = JSON.parse(stdout) as Started;
        clearTimeout(timer);
        resolve({ child, info });
      } catch {
        // Not complete yet: wait for more output.
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening\n${stderr}`));
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('taskgate demo', () => {
  it('seeds once, serves health and exits 0 on SIGTERM when started twice on one database', async () => {
    const dataDir = join(dir, 'data');
    const settings = {
      TASKGATE_DATA_DIR: dataDir,
      TASKGATE_DATABASE_URL: `sqlite:${join(dataDir, 'demo.db')}`,
    };

    const first = await start(['demo', '--port', '0', '--json'], settings);
    expect(first.info).toMatchObject({ database: 'sqlite', workspaces: ['demo'] });
    expect(first.info.seeded).toMatchObject({ members: 4, projects: 3, tasks: 50 });
    expect(first.info.seeded?.comments).toBeGreaterThan(0);
    expect(first.info.seeded?.timeEntries).toBeGreaterThan(0);

    const health = await fetch(`${first.info.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', version: VERSION, database: 'sqlite' });

    // The first key printed by the demo works against the MCP endpoint.
    const key = first.info.seeded?.firstKey.key ?? '';
    expect(parseApiKey(key)).toMatchObject({ ok: true, value: { environment: 'development' } });
    const whoami = await fetch(`${first.info.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'whoami', arguments: {} },
      }),
    });
    expect(await whoami.json()).toMatchObject({
      result: { structuredContent: { credential: { name: 'demo-quickstart', environment: 'development' } } },
    });

    const missing = await fetch(`${first.info.url}/no/such/page`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });

    expect(await stop(first.child)).toBe(0);

    const second = await start(['demo', '--port', '0', '--json'], settings);
    expect(second.info.seeded).toBeUndefined();
    expect(second.info.workspaces).toEqual(['demo']);
    expect(await stop(second.child)).toBe(0);
  });

  it('stops other local users reading the generated secret key when none is configured', async () => {
    const dataDir = join(dir, 'data');
    const { child } = await start(['demo', '--port', '0', '--json'], {
      TASKGATE_DATA_DIR: dataDir,
      TASKGATE_DATABASE_URL: `sqlite:${join(dataDir, 'demo.db')}`,
    });
    const mode = statSync(join(dataDir, 'secret.key')).mode & 0o777;
    expect(mode.toString(8)).toBe('600');
    expect(await stop(child)).toBe(0);
  });
});

describe.skipIf(!postgresUrl())('taskgate serve on PostgreSQL', () => {
  let database: TestDatabase | undefined;

  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });

  it('reports a postgres database in /healthz when --db names a PostgreSQL schema', async () => {
    database = await createTestDatabase('postgres');
    const { child, info } = await start(['serve', '--port', '0', '--json', '--db', database.url], {
      TASKGATE_DATA_DIR: join(dir, 'data'),
    });
    expect(info).toMatchObject({ database: 'postgres', workspaces: [] });
    const health = await fetch(`${info.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', version: VERSION, database: 'postgres' });
    expect(await stop(child)).toBe(0);
  });
});
