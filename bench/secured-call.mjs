#!/usr/bin/env node
/**
 * A secured call against the SDK example, both stores, one interleaved run
 * (`npm run bench:secured-call`; needs `npm run build` first) — the table of issue 17:
 *
 *   sdk              the SDK v1 stateless example's `resources/read` (the faster of its calls)
 *   sqlite-get       Taskgate on SQLite, `get_task` (key check, scopes, durable audit row)
 *   sqlite-get-2026  the same with protocol 2026-07-28 (the SDK's modern path)
 *   sqlite-create    Taskgate on SQLite, `create_task` (tier none in the demo: a real write)
 *   pg-get           Taskgate on PostgreSQL (a fresh schema), `get_task`
 *   pg-create        Taskgate on PostgreSQL, `create_task`
 *
 * Each server runs once, in its own process on 127.0.0.1, for the whole run; autocannon
 * (pipelining 1) runs here. For each round, each connection count, each row: a warm-up, then
 * a measured run, so a trend in the shared machine's load hits every row alike. Every
 * Taskgate cell uses a fresh key (its own limit windows) and is checked for one audit row per
 * request. Also measured: server CPU per request (/proc, all threads; PostgreSQL's backends
 * apart), RSS after the run (right after the last cell, and after --settle seconds idle), and
 * start-up of `serve` on the existing database to a 200 from `/readyz`. Medians over rounds go
 * to docs/benchmarks.md between the secured-call markers.
 *
 * Flags: --rounds <n> (3), --duration <s> (5), --warmup <s> (2), --connections <list>
 * (1,8,32), --settle <s> (90), --only <row ids>, --pg-url <url>
 * (postgres://postgres@127.0.0.1:5432/test), --no-write (print only; a partial run never writes).
 */
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, platform, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server';
import {
  expect,
  fail,
  loadSummary,
  log,
  positiveInteger,
  roundSettings,
  settled,
  stopsTargets,
} from './lib/children.mjs';
import { writeDocSection } from './lib/doc-section.mjs';
import { pkgVersion } from './lib/net.mjs';
import { rssMb, totalCpuMs } from './lib/proc.mjs';
import { SDK_EXAMPLE_URL, SDK_RESOURCE_BODY, startSdkExample } from './lib/sdk-example.mjs';
import { toolCall as call, MCP_HEADERS as HEADERS, startTaskgate } from './lib/taskgate-target.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const GET_TASK = call('get_task', { task: 'APO-1' });
const CREATE_TASK = call('create_task', { project: 'APO', title: 'bench' });
// A 2026-07-28 request carries its protocol version, capabilities and client in `_meta` and
// names its method and tool in headers; without the envelope the SDK answers -32602.
const GET_TASK_2026 = call(
  'get_task',
  { task: 'APO-1' },
  {
    [PROTOCOL_VERSION_META_KEY]: '2026-07-28',
    [CLIENT_CAPABILITIES_META_KEY]: {},
    [CLIENT_INFO_META_KEY]: { name: 'bench-secured-call', version: '1.0.0' },
  },
);
const HEADERS_2026 = {
  ...HEADERS,
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': 'tools/call',
  'mcp-name': 'get_task',
};
const ROWS = [
  {
    id: 'sdk',
    label: 'SDK v1 stateless example, `resources/read`',
    target: 'sdk',
    body: SDK_RESOURCE_BODY,
    marker: 'Hello, world!',
  },
  {
    id: 'sqlite-get',
    label: 'Taskgate SQLite `get_task`',
    target: 'sqlite',
    body: GET_TASK,
    marker: 'Freeze',
  },
  {
    id: 'sqlite-get-2026',
    label: 'Taskgate SQLite `get_task`, 2026-07-28',
    target: 'sqlite',
    body: GET_TASK_2026,
    headers: HEADERS_2026,
    // Only the modern path answers with `resultType`: proof the request took it.
    marker: '"resultType":"complete"',
  },
  {
    id: 'sqlite-create',
    label: 'Taskgate SQLite `create_task`',
    target: 'sqlite',
    body: CREATE_TASK,
    marker: 'Created',
  },
  {
    id: 'pg-get',
    label: 'Taskgate PostgreSQL `get_task`',
    target: 'postgres',
    body: GET_TASK,
    marker: 'Freeze',
  },
  {
    id: 'pg-create',
    label: 'Taskgate PostgreSQL `create_task`',
    target: 'postgres',
    body: CREATE_TASK,
    marker: 'Created',
  },
];

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '1,8,32' },
    settle: { type: 'string', default: '90' },
    only: { type: 'string', default: ROWS.map((r) => r.id).join(',') },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    'no-write': { type: 'boolean', default: false },
  },
});
const settings = {
  ...roundSettings(values),
  connections: values.connections.split(',').map((c) => positiveInteger(c.trim(), 'connections')),
  settle: positiveInteger(values.settle, 'settle'),
};
const only = new Set(values.only.split(',').map((s) => s.trim()));
for (const id of only) if (!ROWS.some((r) => r.id === id)) fail(`--only: unknown row ${id}`);
const rows = ROWS.filter((r) => only.has(r.id));
const write = !values['no-write'] && rows.length === ROWS.length;
if (!existsSync(join(ROOT, 'dist', 'main.js'))) fail('dist/main.js is missing: npm run build');

const { default: autocannon } = await import('autocannon');
const targets = {};
const cleanup = stopsTargets(targets);

const cells = [];
const after = {};
try {
  const needs = new Set(rows.map((r) => r.target));
  if (needs.has('sdk')) targets.sdk = { child: await startSdkExample(ROOT), url: SDK_EXAMPLE_URL };
  if (needs.has('sqlite')) targets.sqlite = await startTaskgate(ROOT, 'sqlite');
  if (needs.has('postgres')) targets.postgres = await startTaskgate(ROOT, values['pg-url']);
  for (const row of rows) await probe(row);
  for (let round = 1; round <= settings.rounds; round++)
    for (const connections of settings.connections)
      for (const row of rows) cells.push(await measureCell(row, connections, round));
  const servers = ['sqlite', 'postgres'].filter((kind) => targets[kind]);
  for (const kind of servers) after[kind] = { rss: rssMb(targets[kind].child.pid) };
  // Right after the flood the heap is as large as the load left it; V8's memory reducer gives it
  // back once the process has been idle for a while (docs/benchmarks.md, session 21).
  log(
    `RSS right after: ${servers.map((k) => `${k} ${after[k].rss.toFixed(0)} MB`).join(', ')}; idle ${settings.settle} s`,
  );
  await new Promise((r) => setTimeout(r, settings.settle * 1000));
  for (const kind of servers) {
    after[kind].settled = rssMb(targets[kind].child.pid);
    log(`${kind}: RSS ${after[kind].settled.toFixed(0)} MB idle; timing start-up on the existing database`);
    after[kind].startup = await targets[kind].startupTimes(3);
  }
} finally {
  await cleanup();
}

const section = render();
process.stdout.write(`\n${section}\n`);
if (write) {
  await writeDocSection(DOC, 'secured-call', section);
  log(`wrote ${DOC}`);
} else log('docs/benchmarks.md not written (--no-write or --only)');

/** One real request per row before any load: the answer must be the call's real result. */
async function probe(row) {
  const target = targets[row.target];
  let headers = row.headers ?? HEADERS;
  if (row.target !== 'sdk') {
    const key = await target.newKey();
    headers = { ...headers, authorization: `Bearer ${key.secret}` };
    await target.waitForLimits(headers, GET_TASK);
  }
  const res = await fetch(target.url, { method: 'POST', headers, body: row.body });
  const text = await res.text();
  expect(
    res.status === 200 && text.includes(row.marker),
    `${row.id}: HTTP ${res.status} ${text.slice(0, 300)}`,
  );
}

async function measureCell(row, connections, round) {
  const target = targets[row.target];
  let headers = row.headers ?? HEADERS;
  let key;
  if (row.target !== 'sdk') {
    key = await target.newKey();
    headers = { ...headers, authorization: `Bearer ${key.secret}` };
  }
  const options = { url: target.url, method: 'POST', headers, body: row.body, connections, pipelining: 1 };
  const name = `round ${round}, ${connections} conn, ${row.id}`;
  if (settings.warmup > 0) await autocannon({ ...options, duration: settings.warmup });
  // Count around the measured run only, after the warm-up's requests have landed.
  const auditBefore = key ? await settled(() => target.auditRows(key.id)) : 0;
  const backends = target.backendPids ? await target.backendPids() : [];
  const cpu0 = totalCpuMs([target.child.pid]);
  const db0 = totalCpuMs(backends);
  const load0 = loadavg()[0];
  const result = await autocannon({ ...options, duration: settings.duration });
  const cpu1 = totalCpuMs([target.child.pid]);
  const db1 = totalCpuMs(backends);
  const load1 = loadavg()[0];
  const completed = result.requests.total;
  const cell = {
    row: row.id,
    connections,
    round,
    ...loadSummary(result),
    cpu: (cpu1 - cpu0) / completed,
    dbCpu: backends.length ? (db1 - db0) / completed : undefined,
    load: [load0, load1],
  };
  if (key) {
    const added = (await settled(() => target.auditRows(key.id))) - auditBefore;
    cell.audit = {
      added,
      completed,
      sent: result.requests.sent,
      oneEach: added >= completed && added <= result.requests.sent,
    };
    cell.notOkKinds = await target.auditNotOk(key.id);
    cell.notOk = cell.notOkKinds.reduce((n, k) => n + k.n, 0);
  }
  log(
    `${name}: ${cell.rps.toFixed(0)} req/s, p50 ${cell.p50} ms, p99 ${cell.p99} ms, CPU ${cell.cpu.toFixed(2)} ms/req${cell.dbCpu === undefined ? '' : ` + ${cell.dbCpu.toFixed(2)} in PostgreSQL`}, non-2xx ${cell.bad}${cell.audit ? `, audit +${cell.audit.added} (${cell.audit.oneEach ? 'one per request' : 'MISMATCH'}), not ok ${cell.notOk}${kinds(cell.notOkKinds)}` : ''}`,
  );
  return cell;
}

function kinds(list) {
  const each = (k) =>
    `${k.n} × ${k.action}${k.tool ? ` ${k.tool}` : ''} ${k.outcome}${k.error_code ? ` ${k.error_code}` : ''}`;
  return list.length ? ` (${list.map(each).join(', ')})` : '';
}

/** The not-ok audit rows of every cell, summed over rounds per row and connection count. */
function notOkByCell() {
  const sums = new Map();
  for (const c of cells)
    for (const k of c.notOkKinds ?? []) {
      const kind = { ...k, action: `${c.row}@${c.connections}: ${k.action}` };
      const id = JSON.stringify({ ...kind, n: 0 });
      sums.set(id, { ...kind, n: (sums.get(id)?.n ?? 0) + k.n });
    }
  return [...sums.values()];
}

function median(xs) {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Medians over rounds for one row at one connection count. */
function stats(rowId, connections) {
  const mine = cells.filter((c) => c.row === rowId && c.connections === connections);
  if (!mine.length) return undefined;
  const m = (f) => median(mine.map(f).filter((v) => v !== undefined));
  const s = {
    rps: m((c) => c.rps),
    p50: m((c) => c.p50),
    p99: m((c) => c.p99),
    cpu: m((c) => c.cpu),
    dbCpu: m((c) => c.dbCpu),
    bad: mine.reduce((n, c) => n + c.bad, 0),
    rounds: mine.map((c) => c.rps),
  };
  const sdk = rowId === 'sdk' ? s : stats('sdk', connections);
  s.ratio = sdk ? s.rps / sdk.rps : undefined;
  return s;
}

function render() {
  const fmt = (n, digits = 0) => (n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(digits));
  const conns = settings.connections;
  const cpuText = (s) => `${fmt(s?.cpu, 2)}${s?.dbCpu === undefined ? '' : ` + ${fmt(s.dbCpu, 2)}`}`;
  const table = rows.map((row) => {
    const per = conns.map((c) => stats(row.id, c));
    const cols = per.flatMap((s) => [fmt(s?.rps), `${fmt(s?.p50)} / ${fmt(s?.p99)}`, fmt(s?.ratio, 2)]);
    const bad = per.reduce((n, s) => n + (s?.bad ?? 0), 0);
    return `| ${row.label} | ${cols.join(' | ')} | ${per.map(cpuText).join(' / ')} | ${bad} |`;
  });
  const cpuModel = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  const taskgateCells = cells.filter((c) => c.audit);
  const mismatched = taskgateCells.filter((c) => !c.audit.oneEach);
  const notOk = taskgateCells.reduce((n, c) => n + c.notOk, 0);
  const loads = [];
  for (let round = 1; round <= settings.rounds; round++)
    for (const c of conns) {
      const these = cells.filter((x) => x.round === round && x.connections === c);
      loads.push(
        `- round ${round}, ${c} conn: ${these.map((x) => `${x.row} ${x.load[0].toFixed(1)} → ${x.load[1].toFixed(1)}`).join(', ')}`,
      );
    }
  const startup = (kind) => median(after[kind]?.startup ?? []);
  const peakLoad = Math.max(...cells.flatMap((c) => c.load));
  return [
    '## A secured call: SDK example, SQLite and PostgreSQL',
    '',
    `Machine: ${availableParallelism()} CPUs (\`nproc\`), ${cpuModel}, ${platform()} ${release()}; Node.js ${process.version}; run on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    `Method: \`npm run bench:secured-call\` (\`bench/secured-call.mjs\`) starts each server once, in its own process on 127.0.0.1, and drives it with autocannon ${pkgVersion(ROOT, 'autocannon')} from the bench process, pipelining 1. ${settings.rounds} rounds; in each, for ${conns.join(', ')} connections, every row in turn: ${settings.warmup} s warm-up, ${settings.duration} s measured. Values are medians over the rounds; p50/p99 are autocannon's latency percentiles (whole ms); × sdk is the row's req/s over the SDK example's at the same connection count. CPU is the server process's user + system time (all threads, from /proc) over the measured run divided by the requests completed; for PostgreSQL, "+ n" is the CPU of the backends serving its pool. non-2xx counts non-2xx answers, socket errors and timeouts over every measured run of the row.`,
    `Targets: the SDK example (@modelcontextprotocol/sdk ${pkgVersion(ROOT, '@modelcontextprotocol/sdk')}, \`resources/read\` of its greeting: a new McpServer and transport per request, SSE answer). Taskgate (@modelcontextprotocol/server ${pkgVersion(ROOT, '@modelcontextprotocol/server')}): \`dist/main.js demo\` on a fresh SQLite file or a fresh PostgreSQL schema, a fresh \`full\` development key per measured cell; request limits raised to ${targets.sqlite?.limit ?? targets.postgres?.limit ?? '?'}/min (the CLI's maximum), the anomaly rules \`callBurst\`, \`destructiveBurst\` and \`budgetOverrun\` off and a write budget of 10000 per minute, so the flood is served rather than refused. \`get_task\` \`{task: "APO-1"}\`; \`create_task\` \`{project: "APO", title: "bench"}\` (tier none in the demo: the task, its history and its audit event in one transaction). Requests send \`mcp-protocol-version: 2025-11-25\`, except the 2026-07-28 row (its \`_meta\` envelope and \`mcp-method\`/\`mcp-name\` headers). PostgreSQL as the product leaves it (no \`ANALYZE\`).`,
    '',
    `| call | ${conns.map((c) => `${c} conn req/s | p50 / p99 ms | × sdk`).join(' | ')} | CPU ms/request (${conns.join(' / ')} conn) | non-2xx |`,
    `| --- | ${conns.map(() => '--: | --: | --:').join(' | ')} | --: | --: |`,
    ...table,
    '',
    `Every round's req/s at ${conns.at(-1)} connections: ${rows.map((r) => `${r.id} ${stats(r.id, conns.at(-1))?.rounds.map(Math.round).join(', ')}`).join('; ')}.`,
    `RSS after the run, ${settings.settle} s idle (V8 gives the flood's heap back within about a minute): SQLite server ${fmt(after.sqlite?.settled)} MB, PostgreSQL server ${fmt(after.postgres?.settled)} MB; read right after the last measured cell: ${fmt(after.sqlite?.rss)} and ${fmt(after.postgres?.rss)} MB. Start-up of \`serve\` on the existing database, spawn to the first 200 from \`/readyz\` (polled every 10 ms), median of 3: SQLite ${fmt(startup('sqlite'))} ms (${(after.sqlite?.startup ?? []).map(Math.round).join(', ')}), PostgreSQL ${fmt(startup('postgres'))} ms (${(after.postgres?.startup ?? []).map(Math.round).join(', ')}).`,
    `Audit: ${taskgateCells.length} measured Taskgate cells; ${mismatched.length ? `MISMATCH in ${mismatched.map((c) => `${c.row}@${c.connections} round ${c.round} (+${c.audit.added} rows, ${c.audit.completed} completed, ${c.audit.sent} sent)`).join(', ')}` : 'in each, the `mcp.tool_called` rows its key added during the measured run lie between the requests completed and sent: one row per request'}. Rows of those keys with an outcome other than ok (warm-up included; autocannon drops the requests in flight when it stops): ${notOk}${kinds(notOkByCell())}.`,
    '',
    `System load (1-minute average before → after each measured run, ${availableParallelism()} CPUs; the bench itself keeps about 2 busy${peakLoad > availableParallelism() + 1 ? `; it reached ${peakLoad.toFixed(1)}: other work shared the machine, so req/s and latencies are well below what it gives alone and only the ratios within this run compare` : ''}):`,
    '',
    ...loads,
    '',
    '### Targets (issue 17)',
    '',
    ...evaluate(startup),
  ].join('\n');
}

function evaluate(startup) {
  const at = (id, c) => stats(id, c);
  const verdict = (ok) => (ok === undefined ? '**n/a**' : ok ? '**met**' : '**not met**');
  const check = (value, test) => (value === undefined ? undefined : test(value));
  const x = (v) => (v === undefined ? 'n/a' : `${v.toFixed(2)}×`);
  const ms = (v) => (v === undefined ? 'n/a' : `${Math.round(v)} ms`);
  const sg32 = at('sqlite-get', 32)?.ratio;
  const p99at8 = at('sqlite-get', 8)?.p99;
  const p99at1 = at('sqlite-get', 1)?.p99;
  const modern = settings.connections.map((c) => {
    const a = at('sqlite-get-2026', c)?.rps;
    const b = at('sqlite-get', c)?.rps;
    return { c, share: a !== undefined && b !== undefined ? a / b : undefined };
  });
  const modern32 = modern.find((m) => m.c === 32)?.share;
  const rss = [after.sqlite?.settled, after.postgres?.settled].filter((v) => v !== undefined);
  const mb = (kind) =>
    after[kind] ? `${after[kind].settled.toFixed(0)} MB (${after[kind].rss.toFixed(0)} right after)` : 'n/a';
  const starts = [startup('sqlite'), startup('postgres')].filter((v) => v !== undefined);
  return [
    `- SQLite \`get_task\` ≥ 2.0× the SDK example at 32 connections: ${verdict(check(sg32, (v) => v >= 2))} (${x(sg32)}).`,
    `- SQLite \`get_task\` p99 ≤ 15 ms at 8 connections: ${verdict(check(p99at8, (v) => v <= 15))} (${ms(p99at8)}); ≤ 5 ms at 1: ${verdict(check(p99at1, (v) => v <= 5))} (${ms(p99at1)}).`,
    `- PostgreSQL \`get_task\` ≥ 1.0× at 32 connections: ${verdict(check(at('pg-get', 32)?.ratio, (v) => v >= 1))} (${x(at('pg-get', 32)?.ratio)}).`,
    `- SQLite \`create_task\` ≥ 0.6× at 32 connections: ${verdict(check(at('sqlite-create', 32)?.ratio, (v) => v >= 0.6))} (${x(at('sqlite-create', 32)?.ratio)}).`,
    `- PostgreSQL \`create_task\` ≥ 0.3× at 32 connections: ${verdict(check(at('pg-create', 32)?.ratio, (v) => v >= 0.3))} (${x(at('pg-create', 32)?.ratio)}).`,
    `- The 2026-07-28 path within 10 % of the 2025-era path (judged at 32 connections): ${verdict(check(modern32, (v) => v >= 0.9))} (${modern.map((m) => `${m.share === undefined ? 'n/a' : `${(100 * m.share).toFixed(0)} %`} at ${m.c}`).join(', ')} of its req/s).`,
    `- RSS after the benchmark ≤ 200 MB, read after ${settings.settle} s idle: ${verdict(rss.length ? rss.every((v) => v <= 200) : undefined)} (SQLite ${mb('sqlite')}, PostgreSQL ${mb('postgres')}).`,
    `- Start-up to a ready \`/readyz\` ≤ 1 s on an existing database: ${verdict(starts.length ? starts.every((v) => v <= 1000) : undefined)} (SQLite ${ms(startup('sqlite'))}, PostgreSQL ${ms(startup('postgres'))}).`,
    '',
    'One run on a shared 2-CPU machine: compare ratios within this run, not absolute numbers across runs. The bench process (autocannon) shares the CPUs with the server it drives.',
  ];
}
