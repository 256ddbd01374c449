/**
 * `taskgate backup` with the built binary, and a restore drill: a server takes create_task
 * calls from the official SDK client in a loop while `taskgate backup` copies its SQLite file;
 * a fresh `taskgate serve` on the copy, in a new place, verifies (`audit verify`) and serves.
 * The copy is consistent: every task in it has its audit event, and no event a missing task.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, openStore } from '../../src/storage/index.js';
import { runBinary } from '../support/cli-binary.js';
import { alive, connectClient, exited, serveChild } from '../support/crash-load.js';
import { seedDemoWithKey } from '../support/demo-key.js';
import { postgresUrl } from '../support/postgres.js';

const TITLE = 'drill';
/** Writes answered before the backup starts, and after it ended, so it ran amid them. */
const WRITES_AROUND = 10;

let dir: string;
let children: ChildProcess[] = [];
let clients: Client[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'taskgate-backup-'));
});

afterEach(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  clients = [];
  for (const child of children) if (alive(child)) child.kill('SIGKILL');
  await Promise.all(children.map(exited));
  children = [];
  rmSync(dir, { recursive: true, force: true });
});

async function prepare(url: string, secret: string): Promise<string> {
  const { key } = await seedDemoWithKey(url, secret, 'drill-writer', async (app) => {
    await app.policy.set(null, 'demo', { writeBudget: 10_000 });
    // The loop runs for as long as the backup takes: on a fast machine, past the default 120 writes a minute.
    await app.monitoring.rateLimits.tune(
      'demo',
      { keyWritesPerMinute: 100_000, memberWritesPerMinute: 100_000, ipWritesPerMinute: 100_000 },
      null,
    );
  });
  return key;
}

async function connect(url: string, key: string): Promise<Client> {
  const client = await connectClient(url, key, 'drill');
  clients.push(client);
  return client;
}

/** create_task in a loop until `stop()`; `answered` counts the successes. */
function writeLoop(client: Client) {
  let stopped = false;
  let answered = 0;
  let failure: unknown;
  const done = (async () => {
    for (let n = 0; !stopped; n++) {
      const result = (await client.callTool({
        name: 'create_task',
        arguments: { project: 'APO', title: `${TITLE} ${n}` },
      })) as { isError?: boolean };
      if (result.isError) throw new Error(`create_task failed: ${JSON.stringify(result)}`);
      answered++;
    }
  })().catch((error: unknown) => {
    failure = error;
  });
  return {
    answered: () => {
      if (failure) throw failure;
      return answered;
    },
    stop: async () => {
      stopped = true;
      await done;
      if (failure) throw failure;
    },
  };
}

async function until(probe: () => boolean): Promise<void> {
  while (!probe()) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** The drill's tasks and its create_task events with outcome ok, from the file alone. */
async function contents(url: string) {
  const handle = await openDatabase(url, { create: false });
  try {
    const tasks = await handle.db
      .selectFrom('tasks')
      .select('title')
      .where('title', 'like', `${TITLE} %`)
      .execute();
    const events = await handle.db
      .selectFrom('audit_events')
      .select('action')
      .where('tool', '=', 'create_task')
      .where('outcome', '=', 'ok')
      .execute();
    return { tasks: tasks.length, events: events.length };
  } finally {
    await handle.close();
  }
}

describe('taskgate backup (SQLite)', { timeout: 60_000 }, () => {
  // Three processes start one after another (server, backup, restored server): slow on a busy machine.
  it('copies a database a server is writing; a fresh server on the copy verifies and serves', {
    timeout: 120_000,
  }, async () => {
    const secret = randomBytes(32).toString('base64url');
    const env = { TASKGATE_SECRET_KEY: secret };
    const source = `sqlite:${join(dir, 'live', 'taskgate.db')}`;
    const key = await prepare(source, secret);
    const server = await serveChild({ ...env, TASKGATE_DATABASE_URL: source }, dir, (c) => children.push(c));
    const load = writeLoop(await connect(server.url, key));

    await until(() => load.answered() >= WRITES_AROUND);
    const restored = join(dir, 'restored');
    mkdirSync(restored);
    const backup = await runBinary(['backup', join(restored, 'taskgate.db'), '--db', source, '--json'], {
      cwd: dir,
      env,
    });
    expect(backup.code, backup.stderr).toBe(0);
    const afterBackup = load.answered();
    await until(() => load.answered() >= afterBackup + WRITES_AROUND);
    await load.stop();
    server.child.kill('SIGTERM');
    await exited(server.child);
    expect(server.child.exitCode).toBe(0);

    const copy = `sqlite:${join(restored, 'taskgate.db')}`;
    expect(JSON.parse(backup.stdout)).toMatchObject({
      database: 'sqlite',
      file: join(restored, 'taskgate.db'),
    });
    // Consistent: a snapshot taken mid-load, holding each of its tasks with its event.
    const copied = await contents(copy);
    expect(copied.tasks).toBeGreaterThanOrEqual(WRITES_AROUND);
    expect(copied.tasks).toBeLessThan(load.answered());
    expect(copied.events).toBe(copied.tasks);
    expect(readdirSync(restored).filter((name) => name.includes('.partial'))).toEqual([]);

    const verify = await runBinary(['audit', 'verify', '--db', copy, '--json'], { cwd: restored, env });
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });

    const again = await serveChild({ ...env, TASKGATE_DATABASE_URL: copy }, restored, (c) =>
      children.push(c),
    );
    const client = await connect(again.url, key);
    const made = (await client.callTool({
      name: 'create_task',
      arguments: { project: 'APO', title: 'after the restore' },
    })) as { isError?: boolean };
    expect(made.isError).toBeFalsy();
    again.child.kill('SIGTERM');
    await exited(again.child);
    expect(again.child.exitCode).toBe(0);

    // The backup itself is on the record of the database it copied.
    const store = await openStore(source);
    try {
      expect(await store.audit.list(null, { action: 'database.backed_up', limit: 10 })).toEqual([
        expect.objectContaining({
          outcome: 'ok',
          workspaceId: null,
          detail: expect.objectContaining({ file: join(restored, 'taskgate.db') }),
        }),
      ]);
    } finally {
      await store.close();
    }
  });

  it('refuses to replace an existing file without --force, and replaces it with --force', async () => {
    const source = `sqlite:${join(dir, 'taskgate.db')}`;
    expect((await runBinary(['migrate', '--db', source], { cwd: dir })).code).toBe(0);
    const target = join(dir, 'existing.db');
    writeFileSync(target, 'an earlier backup');

    const refused = await runBinary(['backup', target, '--db', source], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.lines).toEqual([`taskgate: backup: ${target} already exists; pass --force to replace it`]);
    expect(await contents(`sqlite:${target}`).catch(() => 'not a database')).toBe('not a database');

    const forced = await runBinary(['backup', target, '--db', source, '--force'], { cwd: dir });
    expect(forced.code, forced.stderr).toBe(0);
    expect(await contents(`sqlite:${target}`)).toEqual({ tasks: 0, events: 0 });
  });

  it('refuses to write the backup over the database itself, even with --force', async () => {
    const file = join(dir, 'taskgate.db');
    expect((await runBinary(['migrate', '--db', `sqlite:${file}`], { cwd: dir })).code).toBe(0);
    const run = await runBinary(['backup', file, '--db', `sqlite:${file}`, '--force'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.lines).toEqual([`taskgate: backup: ${file} is the database itself (or its WAL)`]);
  });

  it('refuses a database that does not exist instead of creating one', async () => {
    const missing = join(dir, 'missing.db');
    const run = await runBinary(['backup', join(dir, 'copy.db'), '--db', `sqlite:${missing}`], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.lines).toEqual([`taskgate: no such database: ${missing}`]);
    expect(existsSync(missing)).toBe(false);
  });
});

describe.skipIf(!postgresUrl())('taskgate backup (PostgreSQL)', () => {
  it('refuses, pointing at pg_dump and the docs', async () => {
    const run = await runBinary(['backup', join(dir, 'copy.db'), '--db', postgresUrl()!], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.lines.join('\n')).toMatch(/PostgreSQL.*pg_dump.*docs\/deployment\.md "Backups and restore"/);
    expect(existsSync(join(dir, 'copy.db'))).toBe(false);
  });
});
