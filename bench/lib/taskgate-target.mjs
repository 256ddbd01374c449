/**
 * A Taskgate server under load: `dist/main.js demo` on a fresh database (SQLite file or a
 * fresh PostgreSQL schema), set up so a benchmark flood is measured rather than refused —
 * request limits at their maximum, the anomaly rules that act on a flood off, a write budget
 * that does not refuse — plus keys, audit counts, and start-up timing on the same database.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, log, runJson, startChild, stop } from './children.mjs';
import { freePort } from './net.mjs';
import { localPortsTo, processTree } from './proc.mjs';

/** What an MCP client sends with each call to a Taskgate (or the SDK example's) `/mcp`. */
export const MCP_HEADERS = Object.freeze({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
});

/** A `tools/call` request body (`meta`, if given, becomes its `_meta`). */
export const toolCall = (name, args, meta) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name, arguments: args, ...(meta && { _meta: meta }) },
  });

/** Rules that would alert on, suspend or contain a key making thousands of calls a minute. */
const FLOOD_RULES = ['callBurst', 'destructiveBurst', 'budgetOverrun'];
/** A key's tool-call audit rows: one per request is the contract. */
const TOOL_ROWS = `SELECT count(*) AS n FROM audit_events WHERE credential_id = $1 AND action = 'mcp.tool_called'`;
/** A key's audit rows whose outcome is not ok, by kind: a flood must be served, not refused. */
const NOT_OK = `SELECT action, tool, outcome, error_code, count(*) AS n FROM audit_events
  WHERE credential_id = $1 AND outcome <> 'ok' GROUP BY action, tool, outcome, error_code`;
const LIMIT_FLAGS = ['key-reads', 'key-writes', 'member-reads', 'member-writes', 'ip-reads', 'ip-writes'];

/**
 * `store` is `sqlite` or a PostgreSQL URL (the bench adds a fresh `?schema=`); `nodeFlags` go
 * to the demo server's Node.js (e.g. `--cpu-prof`); `workers` > 1 runs that many `node:cluster`
 * workers on one port (./cluster-launch.mjs). `target.pids()` is the server's process tree.
 */
export async function startTaskgate(root, store, { nodeFlags = [], workers = 1 } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'taskgate-secured-'));
  const schema = store === 'sqlite' ? undefined : `bench_${process.pid}_${Date.now().toString(36)}`;
  const db = schema ? `${store}?schema=${schema}` : `sqlite:${join(dir, 'taskgate.db')}`;
  // A clean environment: nothing from the caller's TASKGATE_* leaks in; NODE_OPTIONS does,
  // so experiments can preload a patch.
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TASKGATE_DATA_DIR: dir,
    ...(process.env.NODE_OPTIONS && { NODE_OPTIONS: process.env.NODE_OPTIONS }),
  };
  const main = join(root, 'dist', 'main.js');
  const cli = (...args) =>
    runJson(process.execPath, [main, ...args, '--json', '--db', db], { cwd: root, env });
  const audit = schema ? await postgresAudit(store, schema) : undefined;
  const target = { kind: schema ? 'postgres' : 'sqlite', dir, db, schema };

  const demo = [main, 'demo', '--port', '0', '--json', '--db', db];
  const launch = join(root, 'bench', 'lib', 'cluster-launch.mjs');
  target.child = startChild(
    process.execPath,
    [...nodeFlags, ...(workers > 1 ? [launch, String(workers)] : []), ...demo],
    {
      cwd: root,
      env,
    },
  );
  let limit;
  try {
    target.url = `${(await target.child.ready).url}/mcp`;
    limit = await raiseLimits(cli);
    await cli(
      'alerts',
      'rules',
      'set',
      '--workspace',
      'demo',
      ...FLOOD_RULES.map((r) => `${r}.enabled=false`),
    );
    // The demo's 60 writes per 10 minutes would refuse the measured writes within a second.
    await cli('policy', 'set', '--workspace', 'demo', '--write-budget', '10000', '--budget-window', '1m');
  } catch (error) {
    await stop(target.child);
    await audit?.drop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  target.limit = limit;
  target.pids = () => processTree(target.child.pid);

  /** A fresh `full` development key: each measured cell starts its own limit windows. */
  let keys = 0;
  target.newKey = async () => {
    keys += 1;
    const created = await cli(
      ...['keys', 'create', '--workspace', 'demo', '--name', `bench-runner-${keys}`],
      ...['--env', 'development', '--preset', 'full'],
    );
    return { id: created.id, secret: created.key };
  };
  /** Waits until the server applies the raised read limit (other processes' changes take ≤ 5 s). */
  target.waitForLimits = async (headers, body) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await fetch(target.url, { method: 'POST', headers, body });
      const policy = res.headers.get('ratelimit-policy') ?? '';
      await res.text();
      if (policy.includes(`q=${limit}`)) {
        // That answer came from one worker; every other sees the change within 5 s too.
        if (workers > 1) await new Promise((r) => setTimeout(r, 5_500));
        return;
      }
      expect(Date.now() < deadline, `${target.kind}: the raised limits did not apply (${policy})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  if (audit) {
    target.auditRows = audit.rows;
    target.auditNotOk = audit.notOk;
    /** The PostgreSQL backends serving this server's pool, to count their CPU too. */
    target.backendPids = async () => {
      const port = Number(new URL(store).port || 5432);
      const ports = target.pids().flatMap((pid) => localPortsTo(pid, port));
      const found = await audit.client.query(
        'SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1::int[])',
        [ports],
      );
      return found.rows.map((r) => r.pid);
    };
  } else {
    const { default: Database } = await import('better-sqlite3');
    const sqlite = new Database(join(dir, 'taskgate.db'), { readonly: true, fileMustExist: true });
    const rows = sqlite.prepare(TOOL_ROWS.replace('$1', '?'));
    const notOk = sqlite.prepare(NOT_OK.replace('$1', '?'));
    target.auditRows = (keyId) => rows.get(keyId).n;
    target.auditNotOk = (keyId) => notOk.all(keyId);
    target.closeAudit = () => sqlite.close();
  }

  /** Stops the demo server, then times `serve` on the same database to its first `/readyz` 200. */
  target.startupTimes = async (times) => {
    await stop(target.child);
    const ms = [];
    for (let i = 0; i < times; i++) {
      const port = await freePort();
      const started = performance.now();
      const child = startChild(
        process.execPath,
        [main, 'serve', '--port', String(port), '--json', '--db', db],
        {
          cwd: root,
          env,
          stdout: 'ignore',
        },
      );
      try {
        for (;;) {
          expect(child.exitCode === null, `serve exited (${child.exitCode}): ${child.stderrTail()}`);
          expect(performance.now() - started < 30_000, 'serve was not ready within 30 s');
          const ok = await fetch(`http://127.0.0.1:${port}/readyz`)
            .then(async (res) => {
              await res.text();
              return res.status === 200;
            })
            .catch(() => false);
          if (ok) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        ms.push(performance.now() - started);
      } finally {
        await stop(child);
      }
    }
    return ms;
  };

  target.close = async () => {
    await stop(target.child);
    target.closeAudit?.();
    await audit?.drop();
    await rm(dir, { recursive: true, force: true });
  };
  return target;
}

/** The largest per-minute limit the CLI accepts: 1,000,000 if allowed, else the maximum it names. */
export async function raiseLimits(cli) {
  const set = (n) =>
    cli('limits', 'set', '--workspace', 'demo', ...LIMIT_FLAGS.flatMap((f) => [`--${f}`, String(n)]));
  try {
    await set(1_000_000);
    return 1_000_000;
  } catch (error) {
    const max = Number(/must be at most (\d+)/.exec(String(error.message))?.[1]);
    if (!max) throw error;
    await set(max);
    log(`request limits: the CLI allows at most ${max} per minute`);
    return max;
  }
}

/** Audit counts in the bench's schema, and dropping that schema when done. */
async function postgresAudit(url, schema) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const inSchema = (query) => query.replace('audit_events', `"${schema}".audit_events`);
  return {
    client,
    rows: async (keyId) => Number((await client.query(inSchema(TOOL_ROWS), [keyId])).rows[0].n),
    notOk: async (keyId) =>
      (await client.query(inSchema(NOT_OK), [keyId])).rows.map((r) => ({ ...r, n: Number(r.n) })),
    drop: async () => {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}
