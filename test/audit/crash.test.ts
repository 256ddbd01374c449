/**
 * Crash durability: the built server runs in a real child process under concurrent MCP write
 * and read load and is killed with SIGKILL while writes and group-committed reads are in
 * flight. Afterwards, from the database alone: the audit log verifies; every task version,
 * comment and audit comment committed has its `mcp.tool_called` event, and no event names a
 * change that is not there; every call a client saw answered is in the log, in its order,
 * with the result the client got, and is counted in its key's anomaly baseline (committed
 * without a disk sync of its own on SQLite). The server then starts again on the same database and its
 * chain carries on. On SQLite and on PostgreSQL — a private cluster the test starts itself
 * (test/support/private-postgres.ts), so nothing else shares the server it writes to.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createAuditSigner, verifyAudit } from '../../src/audit/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createSeededRandom, deriveKey } from '../../src/core/index.js';
import { seedDemoWorkspace } from '../../src/domain/index.js';
import type { AuditEvent } from '../../src/model/index.js';
import { readBaseline } from '../../src/monitoring/anomaly-evaluate.js';
import { openStore } from '../../src/storage/index.js';
import {
  alive,
  answeredCounts,
  connectClient,
  exited,
  inFlight,
  LOAD_CLIENTS,
  type Load,
  type LoadClient,
  raiseRequestLimits,
  serveChild,
  snapshotTasks,
  startLoad,
  type TaskSnapshot,
} from '../support/crash-load.js';
import { privatePostgresAvailable, startPrivatePostgres } from '../support/private-postgres.js';
import { createTestDatabase, type TestDatabase } from '../support/stores.js';

/** Load at least this long, and until this many writes were answered, before the kill. */
const LOAD_MS = 1500;
const MIN_WRITES = 20;
const MAX_LOAD_MS = 15_000;
const KEY_PREFIX = 'crash-';
const AFTER_CLIENT = 'after';
const AUDIT_COMMENT = /^(Created|Updated) via MCP by /;

let children: ChildProcess[] = [];
let cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const child of children) if (alive(child)) child.kill('SIGKILL');
  await Promise.all(children.map(exited));
  children = [];
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** A fresh SQLite file, or a private PostgreSQL cluster of this test's own. */
async function databaseFor(kind: 'sqlite' | 'postgres'): Promise<Pick<TestDatabase, 'url' | 'drop'>> {
  if (kind === 'sqlite') return createTestDatabase(kind);
  const cluster = await startPrivatePostgres();
  return { url: cluster.url, drop: () => cluster.destroy() };
}

/** The demo data, a full-scope key per client and a policy that writes at once, without budget. */
async function prepare(url: string, secret: string) {
  const app = await createApp(
    loadConfig({ env: { TASKGATE_DATABASE_URL: url, TASKGATE_SECRET_KEY: secret } }),
    {
      logger: pino({ level: 'silent' }),
    },
  );
  try {
    await seedDemoWorkspace(app.domain, app.clock, createSeededRandom(5));
    const keys = new Map<string, string>();
    for (const name of [...LOAD_CLIENTS, AFTER_CLIENT]) {
      const issued = await app.keys.create({
        workspace: 'demo',
        name: `${KEY_PREFIX}${name}`,
        environment: 'development',
        preset: 'full',
      });
      keys.set(name, issued.secret);
    }
    await app.policy.set(null, 'demo', { create: 'none', update: 'none', writeBudget: 10_000 });
    await raiseRequestLimits(app, 'demo');
    return { keys, workspaceId: (await app.store.workspaces.findBySlug('demo'))!.id };
  } finally {
    await app.close();
  }
}

const snapshot = (url: string, workspaceId: string) => snapshotTasks(url, workspaceId, KEY_PREFIX);
type Snapshot = TaskSnapshot;

/** `audit verify` from the database alone, and our keys' tool-call events in chain order. */
async function audited(url: string, secret: string, workspaceId: string) {
  const store = await openStore(url);
  try {
    const report = await verifyAudit(store, createAuditSigner(deriveKey(secret, 'audit-signing')));
    const all = await store.audit.list(workspaceId, {
      action: 'mcp.tool_called',
      order: 'asc',
      limit: 1_000_000,
    });
    const events = all
      .filter((e) => e.credentialName?.startsWith(KEY_PREFIX))
      .sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    // Calls each key's anomaly baseline counted (committed without a disk sync of its own).
    const counted = new Map<string, number>();
    for (const name of LOAD_CLIENTS) {
      const key = await store.apiKeys.findCurrentByName(workspaceId, `${KEY_PREFIX}${name}`);
      counted.set(name, readBaseline((key && (await store.keyBaselines.find(key.id)))?.state).calls);
    }
    return { report, events, counted };
  } finally {
    await store.close();
  }
}

/** Waits until the load ran LOAD_MS with MIN_WRITES answered and a write and a read are in flight. */
async function untilKillable(load: Load): Promise<number> {
  const start = Date.now();
  const writes = () =>
    load.clients.flatMap((c) => c.calls).filter((c) => c.tool !== 'get_task' && c.state === 'ok').length;
  for (;;) {
    const elapsed = Date.now() - start;
    const flying = inFlight(load);
    if (elapsed >= LOAD_MS && writes() >= MIN_WRITES && flying.writes > 0 && flying.reads > 0) return elapsed;
    if (elapsed > MAX_LOAD_MS) throw new Error(`only ${writes()} writes answered in ${elapsed} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Each task version committed since `before` is in exactly one event, and no event names another. */
function expectEveryVersionAudited(before: Snapshot, after: Snapshot, events: readonly AuditEvent[]) {
  const recorded = events
    .filter((e) => e.outcome === 'ok')
    .flatMap((e) => (e.changes ?? []).filter((c) => c.kind === 'task'))
    .map((c) => `${c.id}@${c.afterVersion}`);
  const committed: string[] = [];
  for (const task of after.tasks.values())
    for (let v = (before.tasks.get(task.id)?.version ?? 0) + 1; v <= task.version; v++)
      committed.push(`${task.id}@${v}`);
  expect(committed.length).toBeGreaterThan(0);
  expect(recorded.sort()).toEqual(committed.sort());
}

/** Each add_comment comment is in an event; each task has one audit comment per recorded change. */
function expectEveryCommentAudited(after: Snapshot, events: readonly AuditEvent[]) {
  const changes = events.filter((e) => e.outcome === 'ok').flatMap((e) => e.changes ?? []);
  const own = after.comments.filter((c) => !AUDIT_COMMENT.test(c.body)).map((c) => c.id);
  expect(own.length).toBeGreaterThan(0);
  expect(own.sort()).toEqual(
    changes
      .filter((c) => c.kind === 'comment')
      .map((c) => c.id)
      .sort(),
  );
  const perTask = (ids: readonly (string | null)[]) =>
    [...ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string | null, number>())].sort();
  expect(perTask(after.comments.filter((c) => AUDIT_COMMENT.test(c.body)).map((c) => c.task_id))).toEqual(
    perTask(changes.filter((c) => c.kind === 'task').map((c) => c.id)),
  );
}

/**
 * A client's events are its answered calls, in order, each with the result the client got;
 * only the one call the kill cut short may follow them (if it committed before the kill).
 */
function expectEveryAnswerAudited(client: LoadClient, events: readonly AuditEvent[]) {
  const mine = events.filter((e) => e.credentialName === `${KEY_PREFIX}${client.name}`);
  const answered = client.calls.filter((c) => c.state === 'ok' || c.state === 'error');
  const cut = client.calls.slice(answered.length);
  expect(cut.length, `${client.name}: calls after the first unanswered one`).toBeLessThanOrEqual(1);
  expect(
    cut.every((c) => c.state === 'lost'),
    client.name,
  ).toBe(true);
  expect(
    mine.slice(0, answered.length).map((e) => ({ tool: e.tool, outcome: e.outcome, result: e.result })),
    client.name,
  ).toEqual(
    answered.map((c) =>
      c.state === 'ok'
        ? { tool: c.tool, outcome: 'ok', result: c.expected }
        : { tool: c.tool, outcome: expect.stringMatching(/^(error|denied)$/), result: expect.anything() },
    ),
  );
  const extra = mine.slice(answered.length);
  expect(
    extra.map((e) => e.tool),
    client.name,
  ).toEqual(extra.length ? [cut[0]?.tool] : []);
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(kind === 'postgres' && !privatePostgresAvailable())(`crash durability [${kind}]`, () => {
    it('a server killed with SIGKILL mid-write loses no audit event, its log still verifies, and it restarts onto the same chain', async () => {
      const started = Date.now();
      const database = await databaseFor(kind);
      const dir = mkdtempSync(join(tmpdir(), 'taskgate-crash-'));
      cleanups.push(
        () => database.drop(),
        () => rmSync(dir, { recursive: true, force: true }),
      );
      const secret = randomBytes(32).toString('base64url');
      const env = {
        TASKGATE_DATABASE_URL: database.url,
        TASKGATE_SECRET_KEY: secret,
        TASKGATE_DATA_DIR: dir,
      };
      const track = (child: ChildProcess) => children.push(child);
      const { keys, workspaceId } = await prepare(database.url, secret);
      const before = await snapshot(database.url, workspaceId);
      const live = [...before.tasks.values()].filter((t) => t.deleted_at === null && t.archived === 0);
      const refs = live.slice(0, 12).map((t) => `${t.key}-${t.number}`);

      const { child, url } = await serveChild(env, dir, track);
      const load = startLoad(url, keys, refs);
      await load.ready;
      const loadedMs = await untilKillable(load);
      const flying = inFlight(load);
      process.kill(child.pid!, 'SIGKILL');
      load.stop();
      await exited(child);
      await load.done;
      expect(child.signalCode).toBe('SIGKILL');

      const after = await snapshot(database.url, workspaceId);
      const { report, events, counted } = await audited(database.url, secret, workspaceId);
      expect(report).toMatchObject({ ok: true, problems: [] });
      expectEveryVersionAudited(before, after, events);
      expectEveryCommentAudited(after, events);
      for (const client of load.clients) expectEveryAnswerAudited(client, events);
      // The kill takes no baseline commit: every answered call is counted (its group committed
      // before the answer), at most the one cut short beside them.
      for (const client of load.clients) {
        const answered = client.calls.filter((c) => c.state === 'ok' || c.state === 'error').length;
        expect(counted.get(client.name), client.name).toBeGreaterThanOrEqual(answered);
        expect(counted.get(client.name), client.name).toBeLessThanOrEqual(answered + 1);
      }

      // The server comes back on the same database and its chain carries on.
      const restarted = await serveChild(env, dir, track);
      const client = await connectClient(restarted.url, keys.get(AFTER_CLIENT)!, 'after-crash');
      const version = after.tasks.get(live[5]!.id)!.version;
      const result = (await client.callTool({
        name: 'update_task',
        arguments: { task: refs[5], version, title: 'after the crash' },
      })) as { isError?: boolean };
      expect(result.isError).toBeFalsy();
      await client.close();
      restarted.child.kill('SIGTERM');
      await exited(restarted.child);
      const final = await audited(database.url, secret, workspaceId);
      expect(final.report).toMatchObject({ ok: true, problems: [] });
      expect(final.report.events).toBeGreaterThan(report.events);
      expect(final.events.at(-1)).toMatchObject({
        credentialName: `${KEY_PREFIX}${AFTER_CLIENT}`,
        outcome: 'ok',
        result: { task: refs[5], version: version + 1 },
      });
      expect(final.events.at(-1)!.seq).toBeGreaterThan(events.at(-1)!.seq!);

      process.stderr.write(
        `crash [${kind}]: SIGKILL after ${loadedMs} ms of load with ${flying.writes} writes and ` +
          `${flying.reads} reads in flight; answered ${JSON.stringify(answeredCounts(load))}; ` +
          `${events.length} events of the load, ${report.events} in ${report.chains} chains verified; ` +
          `${Date.now() - started} ms in all\n`,
      );
    }, 60_000);
  });
}
