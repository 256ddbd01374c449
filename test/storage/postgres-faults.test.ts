/**
 * PostgreSQL faults under load: the built server runs in a child process on a private cluster
 * (test/support/private-postgres.ts) while official SDK clients write and read. The cluster is
 * stopped (fast, then immediate), its backends are terminated, and it is paused (SIGSTOP).
 * After each fault: the process is alive; every call was answered — with a result or with 503
 * and Retry-After — within the timeout; the pages and OAuth endpoints answered 503 too; it
 * serves again once the database is back, without a restart; every acknowledged write has its
 * audit event, every committed change has one (nothing half-written) and the log verifies.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createAuditSigner, verifyAudit } from '../../src/audit/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createSeededRandom, deriveKey } from '../../src/core/index.js';
import { seedDemoWorkspace } from '../../src/domain/index.js';
import { openStore } from '../../src/storage/index.js';
import {
  alive,
  exited,
  raiseRequestLimits,
  serveChild,
  snapshotTasks,
  type TaskSnapshot,
} from '../support/crash-load.js';
import { FAULT_LOAD_CLIENTS, type FaultCall, type FaultLoad, startFaultLoad } from '../support/fault-load.js';
import {
  type PrivatePostgres,
  privatePostgresAvailable,
  startPrivatePostgres,
} from '../support/private-postgres.js';

/** Short timeouts so the test runs fast; the defaults are seconds (docs/configuration.md). */
const CONNECT_MS = 1000;
const STATEMENT_MS = 1000;
/** A request makes a few database round trips, each bounded; it must answer within this. */
const ANSWER_WITHIN_MS = 8000;
const OUTAGE_MS = 3000;
const KEY_PREFIX = 'fault-';
const AUDIT_COMMENT = /^(Created|Updated) via MCP by /;

let cluster: PrivatePostgres | undefined;
let child: ChildProcess | undefined;
let serverUrl = '';
let dir = '';
const secret = randomBytes(32).toString('base64url');
const keys = new Map<string, string>();
let workspaceId = '';
let refs: string[] = [];
let before: Snapshot;

/** The demo data, a full-scope key per client, and a policy that writes at once. */
async function prepare(url: string) {
  const app = await createApp(
    loadConfig({ env: { TASKGATE_DATABASE_URL: url, TASKGATE_SECRET_KEY: secret } }),
    {
      logger: pino({ level: 'silent' }),
    },
  );
  try {
    await seedDemoWorkspace(app.domain, app.clock, createSeededRandom(7));
    for (const name of FAULT_LOAD_CLIENTS) {
      const issued = await app.keys.create({
        workspace: 'demo',
        name: `${KEY_PREFIX}${name}`,
        environment: 'development',
        preset: 'full',
      });
      keys.set(name, issued.secret);
    }
    await app.policy.set(null, 'demo', { create: 'none', update: 'none', writeBudget: 10_000 });
    // The load runs flat out through four faults: the request limits are not under test here.
    await raiseRequestLimits(app, 'demo');
    workspaceId = (await app.store.workspaces.findBySlug('demo'))!.id;
  } finally {
    await app.close();
  }
}

const snapshot = (url: string) => snapshotTasks(url, workspaceId, KEY_PREFIX);
type Snapshot = TaskSnapshot;

beforeAll(async () => {
  if (!privatePostgresAvailable()) return;
  cluster = await startPrivatePostgres();
  dir = mkdtempSync(join(tmpdir(), 'taskgate-faults-'));
  await prepare(cluster.url);
  before = await snapshot(cluster.url);
  refs = [...before.tasks.values()]
    .filter((t) => t.deleted_at === null && !t.archived)
    .slice(0, 6)
    .map((t) => `${t.key}-${t.number}`);
  const started = await serveChild(
    {
      TASKGATE_DATABASE_URL: cluster.url,
      TASKGATE_SECRET_KEY: secret,
      TASKGATE_DATA_DIR: dir,
      TASKGATE_DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_MS),
      TASKGATE_DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_MS),
      TASKGATE_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '2000',
      TASKGATE_LOG_LEVEL: 'silent',
    },
    dir,
    (c) => {
      child = c;
    },
  );
  serverUrl = started.url;
}, 90_000);

afterAll(async () => {
  if (child && alive(child)) child.kill('SIGKILL');
  if (child) await exited(child);
  await cluster?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function timed(path: string, init?: RequestInit) {
  const started = Date.now();
  const response = await fetch(`${serverUrl}${path}`, init);
  const text = await response.text();
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    text,
    ms: Date.now() - started,
  };
}

/** What the server answers while the database is out: liveness yes, everything else 503. */
async function probeOutage() {
  const [health, ready, login, register] = await Promise.all([
    timed('/healthz'),
    timed('/readyz'),
    timed('/login', { headers: { accept: 'text/html' } }),
    timed('/oauth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'outage client',
        redirect_uris: ['http://127.0.0.1:7777/callback'],
        token_endpoint_auth_method: 'none',
      }),
    }),
  ]);
  return { health, ready, login, register };
}

async function until(what: string, check: () => Promise<boolean> | boolean, withinMs: number) {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`not ${what} within ${withinMs} ms\n${cluster?.log().slice(-2000)}`);
    await sleep(100);
  }
}

/** Audit invariants, from the database alone, for every call made so far. */
async function expectAuditIntact(load: FaultLoad) {
  const store = await openStore(cluster!.url);
  try {
    const report = await verifyAudit(store, createAuditSigner(deriveKey(secret, 'audit-signing')));
    expect(report).toMatchObject({ ok: true, problems: [] });
    const events = (
      await store.audit.list(workspaceId, { action: 'mcp.tool_called', order: 'asc', limit: 1_000_000 })
    )
      .filter((e) => e.credentialName?.startsWith(KEY_PREFIX))
      .sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    // Every acknowledged write has its event, with the result the client got, in its order.
    for (const client of load.clients) {
      const mine = events.filter(
        (e) => e.credentialName === `${KEY_PREFIX}${client.name}` && e.outcome === 'ok',
      );
      const acknowledged = client.calls.filter((c) => c.state === 'ok' && c.tool !== 'get_task');
      const recorded = mine
        .filter((e) => e.tool !== 'get_task')
        .map((e) => JSON.stringify([e.tool, e.result]));
      let at = 0;
      for (const call of acknowledged) {
        const found = recorded.indexOf(JSON.stringify([call.tool, call.result]), at);
        expect(
          found,
          `${client.name}: ${call.tool} answered ${JSON.stringify(call.result)} has no event`,
        ).toBeGreaterThanOrEqual(0);
        at = found + 1;
      }
    }
    // Nothing half-written: each committed task version and comment is in exactly one event.
    const after = await snapshot(cluster!.url);
    const changes = events.filter((e) => e.outcome === 'ok').flatMap((e) => e.changes ?? []);
    const committed: string[] = [];
    for (const task of after.tasks.values())
      for (let v = (before.tasks.get(task.id)?.version ?? 0) + 1; v <= task.version; v++)
        committed.push(`${task.id}@${v}`);
    const recordedVersions = changes.filter((c) => c.kind === 'task').map((c) => `${c.id}@${c.afterVersion}`);
    expect(recordedVersions.sort()).toEqual(committed.sort());
    // …and went in whole: its history row and its audit comment (each sent in one statement with
    // the task, or with the key's ledger row) are there exactly once, and nothing else is.
    const added = new Set(before.history);
    expect(after.history.filter((h) => !added.has(h)).sort()).toEqual(committed.sort());
    const auditComments = (snap: typeof after) =>
      snap.comments.filter((c) => AUDIT_COMMENT.test(c.body)).length;
    expect(auditComments(after) - auditComments(before)).toBe(recordedVersions.length);
    const own = after.comments.filter((c) => !AUDIT_COMMENT.test(c.body)).map((c) => c.id);
    expect(own.sort()).toEqual(
      changes
        .filter((c) => c.kind === 'comment')
        .map((c) => c.id)
        .sort(),
    );
    return report;
  } finally {
    await store.close();
  }
}

const summary = (calls: readonly FaultCall[]) => {
  const counts: Record<string, number> = {};
  for (const c of calls) counts[c.state] = (counts[c.state] ?? 0) + 1;
  return counts;
};

/**
 * One fault under load: inject, hold the outage, recover, then check. `expectOutage` says
 * whether the database was out long enough that calls in the window must have got 503.
 */
async function underLoad(
  name: string,
  inject: () => Promise<void>,
  recover: () => Promise<void>,
  expectOutage: boolean,
) {
  const load = startFaultLoad(serverUrl, keys, refs);
  try {
    await load.ready;
    await sleep(700);
    const t0 = Date.now();
    await inject();
    let probed: Awaited<ReturnType<typeof probeOutage>> | undefined;
    if (expectOutage) {
      await sleep(300);
      probed = await probeOutage();
    }
    await sleep(Math.max(0, t0 + (expectOutage ? OUTAGE_MS : 500) - Date.now()));
    const t1 = Date.now();
    await recover();
    await until('ready again', async () => (await timed('/readyz')).status === 200, 20_000);
    const t2 = Date.now();
    // Serving again: every client gets a result after the database came back.
    await until(
      'serving every client again',
      () => load.clients.every((c) => c.calls.some((call) => call.started >= t2 && call.state === 'ok')),
      15_000,
    );
    load.stop();
    await load.done;

    expect(child && alive(child), 'the server process is alive').toBe(true);
    const all = load.clients.flatMap((c) => c.calls);
    const during = load.between(t0, t1);
    const slowest = Math.max(...all.map((c) => c.ms ?? Number.POSITIVE_INFINITY));
    // Every call answered, within the timeout, with a result or with 503: never a hang or a 500.
    expect(all.filter((c) => c.state === 'failed' || c.state === 'pending').map((c) => c.error)).toEqual([]);
    expect(slowest).toBeLessThan(ANSWER_WITHIN_MS);
    if (expectOutage) {
      expect(during.filter((c) => c.state === 'unavailable').length).toBeGreaterThan(0);
      expect(during.filter((c) => c.state === 'tool_error')).toEqual([]);
      expect(probed!.health.status).toBe(200);
      for (const answer of [probed!.ready, probed!.login, probed!.register]) {
        expect(answer.status).toBe(503);
        expect(answer.retryAfter).toMatch(/^\d+$/);
        expect(answer.ms).toBeLessThan(ANSWER_WITHIN_MS);
      }
      expect(probed!.login.text).toContain('Temporarily unavailable');
      expect(JSON.parse(probed!.register.text)).toMatchObject({ error: 'temporarily_unavailable' });
    }
    const report = await expectAuditIntact(load);
    process.stderr.write(
      `fault [${name}]: during ${JSON.stringify(summary(during))}, all ${JSON.stringify(summary(all))}, ` +
        `slowest answer ${slowest} ms, ready ${t2 - t1} ms after recovery, ${report.events} events verified\n`,
    );
  } finally {
    load.stop();
    await load.done;
  }
}

describe.skipIf(!privatePostgresAvailable())('PostgreSQL faults under load [private cluster]', () => {
  it('keeps serving 503 through a fast shutdown, and serves again when PostgreSQL restarts', async () => {
    await underLoad(
      'stop fast',
      () => cluster!.stop('fast'),
      () => cluster!.start(),
      true,
    );
  }, 60_000);

  it('keeps serving 503 through an immediate shutdown (a crash), and serves again after recovery', async () => {
    await underLoad(
      'stop immediate',
      () => cluster!.stop('immediate'),
      () => cluster!.start(),
      true,
    );
  }, 60_000);

  it('survives pg_terminate_backend of its connections (57P01) and goes on serving', async () => {
    let terminated = 0;
    await underLoad(
      'terminate backends',
      async () => {
        terminated = await cluster!.terminateBackends();
      },
      async () => undefined,
      false,
    );
    expect(terminated).toBeGreaterThan(0);
  }, 60_000);

  it('answers 503 within the timeout while PostgreSQL is paused, and serves again when it resumes', async () => {
    await underLoad(
      'pause',
      async () => cluster!.pause(),
      async () => cluster!.resume(),
      true,
    );
  }, 60_000);
});
