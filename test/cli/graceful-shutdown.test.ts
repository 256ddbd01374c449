/**
 * Graceful shutdown of the built `taskgate serve` in a child process, on PostgreSQL. A tool
 * call is held in flight by a row lock the test takes on the audit chain heads (no test hook
 * in the product): after SIGTERM `/readyz` answers 503 while a fresh connection is still
 * served, then new connections are refused, and the held call still completes with success,
 * its audit event on disk, exit code 0. A second SIGTERM during the drain ends the process at
 * once with 143, and the call it cut left nothing behind.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditSigner, verifyAudit } from '../../src/audit/index.js';
import { deriveKey } from '../../src/core/index.js';
import { openDatabase, openStore } from '../../src/storage/index.js';
import { alive, connectClient, exited, serveChild } from '../support/crash-load.js';
import { seedDemoWithKey } from '../support/demo-key.js';
import { postgresUrl } from '../support/postgres.js';
import { createTestDatabase, type TestDatabase } from '../support/stores.js';

const POLL_MS = 20;

let dir: string;
let database: TestDatabase;
let children: ChildProcess[] = [];
let cleanups: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'taskgate-shutdown-'));
  database = await createTestDatabase('postgres');
});

afterEach(async () => {
  for (const child of children) if (alive(child)) child.kill('SIGKILL');
  await Promise.all(children.map(exited));
  children = [];
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

const prepare = (url: string, secret: string) => seedDemoWithKey(url, secret, 'shutdown-test');

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** GET on a connection of its own (no keep-alive pool): what a load balancer's probe sees. */
function freshGet(url: string): Promise<{ status: number; body: string } | 'refused'> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNREFUSED' ? resolve('refused') : reject(error),
    );
  });
}

function tcpRefused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** A session of the test's own that locks every audit chain head, so the next audited write waits. */
async function lockAuditHeads(): Promise<{ release(): Promise<void>; blocking(): Promise<number> }> {
  const schema = new URL(database.url).searchParams.get('schema')!;
  const session = new pg.Client({ connectionString: postgresUrl() });
  await session.connect();
  cleanups.push(() => session.end());
  await session.query(`set search_path to ${schema}`);
  const pid = (await session.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  await session.query('begin');
  await session.query('select chain from audit_heads for update');
  return {
    release: async () => {
      await session.query('commit');
    },
    blocking: async () =>
      (
        await session.query<{ n: number }>(
          'select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))',
          [pid],
        )
      ).rows[0]!.n,
  };
}

interface Held {
  readonly child: ChildProcess;
  readonly url: string;
  readonly client: Client;
  readonly workspaceId: string;
  readonly secret: string;
  readonly call: Promise<{ isError?: boolean; structuredContent?: Record<string, unknown> }>;
  readonly lock: Awaited<ReturnType<typeof lockAuditHeads>>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A server with a drain delay, and a create_task call to it held in flight by the lock. */
async function serverWithHeldCall(title: string): Promise<Held> {
  const secret = randomBytes(32).toString('base64url');
  const { key, workspaceId } = await prepare(database.url, secret);
  const { child, url } = await serveChild(
    {
      TASKGATE_DATABASE_URL: database.url,
      TASKGATE_SECRET_KEY: secret,
      // Long enough that the probe below sees the 503 before the listener closes.
      TASKGATE_SHUTDOWN_DRAIN_DELAY_MS: '1500',
      TASKGATE_SHUTDOWN_TIMEOUT_MS: '120000',
      // The held call waits on the test's lock, not on a timeout.
      TASKGATE_DATABASE_STATEMENT_TIMEOUT_MS: '120000',
    },
    dir,
    (started) => children.push(started),
  );
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const client = await connectClient(url, key, 'shutdown-test');
  cleanups.push(() => client.close());
  // A first audited call, so every chain head the next one needs is there to be locked.
  await client.callTool({ name: 'list_projects', arguments: {} });
  expect((await freshGet(`${url}/readyz`)) as { status: number }).toMatchObject({ status: 200 });
  const lock = await lockAuditHeads();
  const call = client.callTool({ name: 'create_task', arguments: { project: 'APO', title } }) as Held['call'];
  // Handled now: a call the process cut rejects before the test gets to await it.
  call.catch(() => undefined);
  await until(async () => ((await lock.blocking()) > 0 ? true : undefined));
  return { child, url, client, workspaceId, secret, call, lock, exit };
}

async function eventsOf(workspaceId: string, secret: string) {
  const store = await openStore(database.url);
  try {
    const report = await verifyAudit(store, createAuditSigner(deriveKey(secret, 'audit-signing')));
    const events = await store.audit.list(workspaceId, { action: 'mcp.tool_called', limit: 1000 });
    const handle = await openDatabase(database.url);
    const tasks = await handle.db
      .selectFrom('tasks')
      .select('title')
      .where('workspace_id', '=', workspaceId)
      .execute()
      .finally(() => handle.close());
    return { report, events, titles: tasks.map((task) => task.title) };
  } finally {
    await store.close();
  }
}

describe.skipIf(!postgresUrl())('graceful shutdown of taskgate serve (PostgreSQL)', () => {
  it('finishes a call in flight after SIGTERM while /readyz answers 503 and new connections are refused, then exits 0', {
    timeout: 90_000,
  }, async () => {
    const held = await serverWithHeldCall('held through shutdown');
    let answered = false;
    void held.call.then(() => {
      answered = true;
    });

    held.child.kill('SIGTERM');
    // New connections are still taken during the drain; the probe tells the balancer to go.
    const draining = await until(async () => {
      const answer = await freshGet(`${held.url}/readyz`);
      return answer !== 'refused' && answer.status === 200 ? undefined : answer;
    });
    expect(draining).not.toBe('refused');
    expect(draining).toMatchObject({ status: 503 });
    expect(JSON.parse((draining as { body: string }).body)).toMatchObject({
      status: 'unavailable',
      reason: 'shutting_down',
    });
    // Then the listener closes: a new connection is refused while the held call still waits.
    await until(async () => ((await tcpRefused(held.url)) ? true : undefined));
    expect(answered).toBe(false);
    expect(alive(held.child)).toBe(true);

    await held.lock.release();
    const result = await held.call;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ result: { task: expect.stringMatching(/^APO-\d+$/) } });
    expect(await held.exit).toEqual({ code: 0, signal: null });

    const { report, events, titles } = await eventsOf(held.workspaceId, held.secret);
    expect(report.ok).toBe(true);
    expect(titles).toContain('held through shutdown');
    expect(events.filter((event) => event.tool === 'create_task')).toEqual([
      expect.objectContaining({ outcome: 'ok' }),
    ]);
  });

  it('exits at once with 143 on a second SIGTERM during the drain, and the call it cut leaves nothing', {
    timeout: 90_000,
  }, async () => {
    const held = await serverWithHeldCall('cut by the second signal');
    held.child.kill('SIGTERM');
    await until(async () => {
      const answer = await freshGet(`${held.url}/readyz`);
      return answer !== 'refused' && answer.status === 503 ? true : undefined;
    });
    held.child.kill('SIGTERM');
    expect(await held.exit).toEqual({ code: 143, signal: null });
    await expect(held.call).rejects.toThrow();
    await held.lock.release();

    const { report, events, titles } = await eventsOf(held.workspaceId, held.secret);
    expect(report.ok).toBe(true);
    expect(titles).not.toContain('cut by the second signal');
    expect(events.filter((event) => event.tool === 'create_task')).toEqual([]);
  });
});
