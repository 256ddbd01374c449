/**
 * The cluster drill (issue 18): under load from SDK clients through HAProxy, a rolling restart
 * (SIGTERM each instance in turn, start it again), then kill -9 of one instance; then a key
 * revoked through one instance, a rate limit and a write budget spread over every instance,
 * a scheduled notification that must arrive once, and the audit chain. It returns a report of
 * what happened; test/cluster/cluster-drill.test.ts holds it to the claims and
 * `node scripts/cluster.mjs --drill` prints it.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';
import { startCluster } from './cluster.mjs';
import { call, consoleSession, mcpClient, startLoad } from './cluster-load.mjs';

const OWNER = 'ada@example.com';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A webhook receiver counting deliveries by notice id (scheduled jobs must run once). */
async function startReceiver() {
  const received = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ id: req.headers['webhook-id'], body });
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    received,
    hostPort: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/hooks`,
    close: () => new Promise((r) => server.close(r)),
  };
}

/** Fires `n` calls at once; counts answers by HTTP status (and by instance reached). */
async function burst(cluster, key, n, name, args) {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name, arguments: args },
  });
  const statuses = await Promise.all(
    Array.from({ length: n }, async () => {
      const res = await fetch(`${cluster.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
        },
        body,
      });
      const text = await res.text();
      if (res.status !== 200) return String(res.status);
      return JSON.parse(text).result?.isError ? 'tool-error' : 'ok';
    }),
  );
  const counts = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

export async function runDrill({ instances = 3, steadyMs = 4000 } = {}) {
  const receiver = await startReceiver();
  const cluster = await startCluster({ instances, env: { TASKGATE_WEBHOOK_TEST_HOSTS: receiver.hostPort } });
  const db = new pg.Client({ connectionString: cluster.databaseUrl });
  try {
    await db.connect();
    const report = await drill(cluster, db, receiver, steadyMs);
    report.logs = cluster.dir;
    return report;
  } finally {
    await db.end().catch(() => undefined);
    await cluster.destroy();
    await receiver.close();
  }
}

async function drill(cluster, db, receiver, steadyMs) {
  const { cli } = cluster;
  const report = { instances: cluster.instances.length, phases: {} };
  // A flood of calls from one key is the load here, not an attack: the rules that would stop it
  // are off, and the budget is wide until the budget check narrows it.
  await cli([
    'alerts',
    'rules',
    'set',
    '--workspace',
    'demo',
    'callBurst.enabled=false',
    'destructiveBurst.enabled=false',
  ]);
  await cli([
    'policy',
    'set',
    '--workspace',
    'demo',
    '--write-budget',
    '10000',
    '--delete-budget',
    '10000',
    '--budget-window',
    '1m',
  ]);
  await setLimits(cli, 100_000);
  const password = `drill ${randomBytes(12).toString('base64url')}`;
  await cli(
    ['members', 'set-password', '--workspace', 'demo', '--email', OWNER, '--password-stdin'],
    password,
  );
  await cli(['webhooks', 'add', '--workspace', 'demo', '--url', receiver.url]);
  const newKey = async (name) =>
    cli([
      'keys',
      'create',
      '--workspace',
      'demo',
      '--name',
      name,
      '--env',
      'development',
      '--preset',
      'full',
    ]);
  const loadKey = await newKey('drill-load');
  const session = await consoleSession(cluster.url, cluster.url, OWNER, password);
  const reader = await mcpClient(cluster.url, loadKey.key);
  const { tasks } = await call(reader, 'list_tasks', { project: 'APO' });
  await reader.close();

  let phase = 'steady';
  const load = startLoad({
    url: cluster.url,
    key: loadKey.key,
    tasks: tasks.map((t) => t.key),
    console: session,
    phase: () => phase,
  });
  await sleep(steadyMs);

  phase = 'rolling-restart';
  report.phases.rollingRestart = [];
  for (const instance of cluster.instances) {
    const started = Date.now();
    const ended = await instance.stop('SIGTERM');
    await instance.start('serve');
    await cluster.waitForStatus(instance.name, 'UP');
    report.phases.rollingRestart.push({
      instance: instance.name,
      exit: ended.code,
      signal: ended.signal,
      ms: Date.now() - started,
    });
  }
  await sleep(1000);

  phase = 'kill-9';
  const victim = cluster.instances[1];
  const killedAt = Date.now();
  await victim.stop('SIGKILL');
  await cluster.waitForStatus(victim.name, 'DOWN');
  const downAfterMs = Date.now() - killedAt;
  await sleep(2000);
  phase = 'after-kill';
  await victim.start('serve');
  await cluster.waitForStatus(victim.name, 'UP');
  await sleep(1000);
  await load.stop();
  report.phases.kill = { instance: victim.name, markedDownAfterMs: downAfterMs };
  report.outcomes = summarize(load.outcomes);
  report.failures = load.outcomes.filter((o) => !o.ok);
  report.acknowledged = { ...(await checkAcknowledged(db, load.created)), updates: load.updates.count };
  report.audit = await auditConsistency(db, loadKey.id);

  report.revocation = await revocationAcrossInstances(cluster, session, newKey);
  report.rateLimit = await rateLimitAcrossInstances(cluster, newKey);
  report.budget = await budgetAcrossInstances(cluster, db, newKey);
  report.webhooks = await webhookDeliveredOnce(db, receiver);
  report.verify = await cli(['audit', 'verify', '--workspace', 'demo']).catch((error) => ({
    error: error.message,
  }));
  // One chain per workspace (plus the instance-wide one), whichever instance appended.
  report.chains = (await db.query('SELECT chain, seq FROM audit_heads ORDER BY chain')).rows;
  report.workspaces = Number((await db.query('SELECT count(*) AS n FROM workspaces')).rows[0].n);
  return report;
}

function summarize(outcomes) {
  const byPhase = {};
  for (const o of outcomes) {
    byPhase[o.phase] ??= { ok: 0, failed: 0, retried: 0, byOp: {} };
    const p = byPhase[o.phase];
    if (o.retried) p.retried++;
    else if (o.ok) p.ok++;
    else p.failed++;
    p.byOp[o.op] = (p.byOp[o.op] ?? 0) + 1;
  }
  return byPhase;
}

/** Every acknowledged write is in the database as acknowledged; an unknown one either way. */
async function checkAcknowledged(db, created) {
  const keys = [...created.keys()];
  const { rows } = await db.query(
    `SELECT p.key || '-' || t.number AS key, t.title, t.deleted_at FROM tasks t JOIN projects p ON p.id = t.project_id
     WHERE p.key || '-' || t.number = ANY($1::text[])`,
    [keys],
  );
  const found = new Map(rows.map((r) => [r.key, r]));
  const lost = [];
  for (const [key, state] of created) {
    const row = found.get(key);
    if (!row) lost.push({ key, why: 'acknowledged create is missing' });
    else if (!state.titles.has(row.title))
      lost.push({ key, why: `title ${row.title} is none of ${[...state.titles]}` });
    else if (state.deleted === 'yes' && row.deleted_at === null)
      lost.push({ key, why: 'acknowledged delete is missing' });
    else if (state.deleted === 'no' && row.deleted_at !== null)
      lost.push({ key, why: 'deleted without an acknowledgement' });
  }
  return {
    creates: keys.length,
    deletes: [...created.values()].filter((s) => s.deleted === 'yes').length,
    lost,
  };
}

/**
 * No orphaned audit event: every task the load made has its `create_task` event and every
 * such event its task (an instance killed mid-write commits both or neither); the chain's
 * sequence has no gap and no repeat whichever instance appended.
 */
async function auditConsistency(db, keyId) {
  const events = await db.query(
    `SELECT count(*) AS n FROM audit_events WHERE credential_id = $1 AND tool = 'create_task' AND outcome = 'ok'`,
    [keyId],
  );
  const tasks = await db.query(`SELECT count(*) AS n FROM tasks WHERE title LIKE 'drill w%'`);
  const seq = await db.query(
    `SELECT workspace_id, count(*) AS n, count(DISTINCT seq) AS distinct_seq, min(seq) AS lo, max(seq) AS hi
     FROM audit_events GROUP BY workspace_id`,
  );
  return {
    createEvents: Number(events.rows[0].n),
    drillTasks: Number(tasks.rows[0].n),
    sequences: seq.rows.map((r) => ({
      workspace: r.workspace_id,
      events: Number(r.n),
      gapless: Number(r.n) === Number(r.distinct_seq) && Number(r.hi) - Number(r.lo) + 1 === Number(r.n),
    })),
  };
}

const rpc = (name, args) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
const mcpHeaders = (key) => ({
  authorization: `Bearer ${key}`,
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
});
const whoamiOn = async (baseUrl, key) => {
  const res = await fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers: mcpHeaders(key),
    body: rpc('whoami', {}),
  });
  await res.arrayBuffer();
  return res.status;
};

/** A key each instance has just served (and cached) is revoked in the console of one: all refuse it next. */
async function revocationAcrossInstances(cluster, session, newKey) {
  const key = await newKey('drill-revoked');
  const before = await Promise.all(cluster.instances.map((i) => whoamiOn(i.url, key.key)));
  const revoked = await session.revokeKey(key.id, cluster.instances[0].url);
  const after = await Promise.all(cluster.instances.map((i) => whoamiOn(i.url, key.key)));
  return { before, revokeStatus: revoked.status, after };
}

const LIMIT_FLAGS = ['key-reads', 'key-writes', 'member-reads', 'member-writes', 'ip-reads', 'ip-writes'];
export const setLimits = (cli, n) =>
  cli(['limits', 'set', '--workspace', 'demo', ...LIMIT_FLAGS.flatMap((f) => [`--${f}`, String(n)])]);

/** Waits until every instance applies a read limit of `quota` (settings are re-read within seconds). */
async function untilApplied(cluster, probeKey, quota) {
  for (const instance of cluster.instances) {
    for (let tries = 0; ; tries++) {
      const res = await fetch(`${instance.url}/mcp`, {
        method: 'POST',
        headers: mcpHeaders(probeKey),
        body: rpc('whoami', {}),
      });
      await res.arrayBuffer();
      if ((res.headers.get('ratelimit-policy') ?? '').includes(`q=${quota};`)) break;
      if (tries > 100) throw new Error(`${instance.name} did not apply the limit ${quota}`);
      await sleep(100);
    }
  }
}

/** One key's read limit counted over every instance: of 3× the quota fired at once, the quota is served. */
async function rateLimitAcrossInstances(cluster, newKey) {
  const quota = 30;
  const probe = await newKey('drill-limit-probe');
  await cluster.cli(['limits', 'set', '--workspace', 'demo', '--key-reads', String(quota)]);
  await untilApplied(cluster, probe.key, quota);
  const key = await newKey('drill-limited');
  const counts = await burst(cluster, key.key, quota * 3, 'get_task', { task: 'APO-1' });
  await cluster.cli(['limits', 'set', '--workspace', 'demo', '--key-reads', '100000']);
  return { quota, fired: quota * 3, counts };
}

/** A write budget counted over every instance: of 15 creates at once with a budget of 5, 5 run. */
async function budgetAcrossInstances(cluster, db, newKey) {
  const budget = 5;
  await cluster.cli([
    'policy',
    'set',
    '--workspace',
    'demo',
    '--write-budget',
    String(budget),
    '--budget-window',
    '1m',
  ]);
  const key = await newKey('drill-budget');
  const counts = await burst(cluster, key.key, budget * 3, 'create_task', {
    project: 'APO',
    title: 'budget drill',
  });
  const made = await db.query(
    `SELECT count(*) AS n FROM audit_events WHERE credential_id = $1 AND tool = 'create_task' AND outcome = 'ok'`,
    [key.id],
  );
  return { budget, fired: budget * 3, counts, createEvents: Number(made.rows[0].n) };
}

/**
 * Notices are sent by scheduled jobs that every instance runs on a timer: each must reach the
 * receiver once. Waits for the dispatcher (every 30 s) to queue and deliver the notices of the
 * drill's alerts and suspension, then compares deliveries with what arrived.
 */
async function webhookDeliveredOnce(db, receiver) {
  const deadline = Date.now() + 100_000;
  let rows = [];
  for (;;) {
    rows = (
      await db.query(`SELECT notice, kind, status FROM notification_deliveries WHERE channel = 'webhook'`)
    ).rows;
    const suspended = rows.some((r) => r.kind === 'key_suspended' && r.status === 'delivered');
    if ((suspended && rows.every((r) => r.status === 'delivered')) || Date.now() > deadline) break;
    await sleep(1000);
  }
  const ids = receiver.received.map((r) => r.id);
  return {
    queued: rows.length,
    delivered: rows.filter((r) => r.status === 'delivered').length,
    kinds: [...new Set(rows.map((r) => r.kind))],
    received: ids.length,
    distinctReceived: new Set(ids).size,
  };
}
