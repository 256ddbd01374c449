#!/usr/bin/env node
/**
 * Does a second event loop buy throughput on this machine? (`npm run bench:second-event-loop`;
 * needs `npm run build`.) Issue 17's 2× target needs more than one Node.js main thread can give
 * (docs/benchmarks.md, session 15), so this runs Taskgate's `get_task` as one process and as
 * two `node:cluster` workers on one database and one port (bench/lib/cluster-launch.mjs), on
 * both stores, beside the SDK example; the one-process rows at 16 connections show what each of
 * two workers sees when 32 connections are split between them.
 *
 * Per cell: a fresh key, a warm-up, a measured autocannon run (pipelining 1); req/s, p50/p99,
 * the server's CPU per request (every process and thread; PostgreSQL's backends apart) and its
 * main threads' share, and one audit row per request. Rows interleave in each round; medians
 * go to docs/benchmarks.md between the second-event-loop markers.
 *
 * Flags: --rounds <n> (3), --duration <s> (5), --warmup <s> (2),
 * --pg-url <url> (postgres://postgres@127.0.0.1:5432/test), --no-write.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { expect, fail, loadSummary, log, roundSettings, settled, stopsTargets } from './lib/children.mjs';
import { writeDocSection } from './lib/doc-section.mjs';
import { pkgVersion } from './lib/net.mjs';
import { cpuMs, totalCpuMs } from './lib/proc.mjs';
import { SDK_EXAMPLE_URL, SDK_RESOURCE_BODY, startSdkExample } from './lib/sdk-example.mjs';
import { MCP_HEADERS as HEADERS, startTaskgate, toolCall } from './lib/taskgate-target.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const GET_TASK = toolCall('get_task', { task: 'APO-1' });
const CELLS = [
  { id: 'sdk', label: 'SDK v1 stateless example, one process', target: 'sdk', connections: 32 },
  { id: 'sqlite-1p-16', label: 'SQLite, one process', target: 'sqlite1', connections: 16 },
  { id: 'sqlite-1p-32', label: 'SQLite, one process', target: 'sqlite1', connections: 32 },
  { id: 'sqlite-2w-32', label: 'SQLite, two cluster workers', target: 'sqlite2', connections: 32 },
  { id: 'pg-1p-16', label: 'PostgreSQL, one process', target: 'pg1', connections: 16 },
  { id: 'pg-1p-32', label: 'PostgreSQL, one process', target: 'pg1', connections: 32 },
  { id: 'pg-2w-32', label: 'PostgreSQL, two cluster workers', target: 'pg2', connections: 32 },
];

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    'no-write': { type: 'boolean', default: false },
  },
});
const settings = roundSettings(values);
if (!existsSync(join(ROOT, 'dist', 'main.js'))) fail('dist/main.js is missing: npm run build');

const { default: autocannon } = await import('autocannon');
const targets = {};
const cleanup = stopsTargets(targets);

/** The CPU of each process's main thread (its thread id is its pid), in ms. */
const mainThreadsCpuMs = (pids) => pids.reduce((sum, pid) => sum + (cpuMs(pid, pid) ?? 0), 0);

const results = [];
try {
  targets.sdk = {
    child: await startSdkExample(ROOT),
    url: SDK_EXAMPLE_URL,
    pids: () => [targets.sdk.child.pid],
  };
  targets.sqlite1 = await startTaskgate(ROOT, 'sqlite');
  targets.sqlite2 = await startTaskgate(ROOT, 'sqlite', { workers: 2 });
  targets.pg1 = await startTaskgate(ROOT, values['pg-url']);
  targets.pg2 = await startTaskgate(ROOT, values['pg-url'], { workers: 2 });
  for (const [name, target] of Object.entries(targets)) {
    if (name === 'sdk') continue;
    const key = await target.newKey();
    const headers = { ...HEADERS, authorization: `Bearer ${key.secret}` };
    await target.waitForLimits(headers, GET_TASK);
  }
  for (let round = 1; round <= settings.rounds; round++)
    for (const cell of CELLS) results.push(await measure(cell, round));
} finally {
  await cleanup();
}

async function measure(cell, round) {
  const target = targets[cell.target];
  let headers = HEADERS;
  let key;
  if (cell.target !== 'sdk') {
    key = await target.newKey();
    headers = { ...headers, authorization: `Bearer ${key.secret}` };
  }
  const body = cell.target === 'sdk' ? SDK_RESOURCE_BODY : GET_TASK;
  const options = {
    url: target.url,
    method: 'POST',
    headers,
    body,
    connections: cell.connections,
    pipelining: 1,
  };
  if (settings.warmup > 0) await autocannon({ ...options, duration: settings.warmup });
  const auditBefore = key ? await settled(() => target.auditRows(key.id)) : 0;
  const pids = target.pids();
  expect(pids.length === (cell.target.endsWith('2') ? 3 : 1), `${cell.id}: processes ${pids.join(', ')}`);
  const backends = target.backendPids ? await target.backendPids() : [];
  const [cpu0, main0, db0, load0] = [
    totalCpuMs(pids),
    mainThreadsCpuMs(pids),
    totalCpuMs(backends),
    loadavg()[0],
  ];
  const result = await autocannon({ ...options, duration: settings.duration });
  const [cpu1, main1, db1, load1] = [
    totalCpuMs(pids),
    mainThreadsCpuMs(pids),
    totalCpuMs(backends),
    loadavg()[0],
  ];
  const completed = result.requests.total;
  const out = {
    id: cell.id,
    round,
    ...loadSummary(result),
    cpu: (cpu1 - cpu0) / completed,
    mainCpu: (main1 - main0) / completed,
    dbCpu: backends.length ? (db1 - db0) / completed : undefined,
    load: [load0, load1],
  };
  if (key) {
    const added = (await settled(() => target.auditRows(key.id))) - auditBefore;
    expect(
      added >= completed && added <= result.requests.sent,
      `${cell.id}: ${added} audit rows for ${completed} answered, ${result.requests.sent} sent`,
    );
  }
  log(
    `round ${round} ${cell.id}: ${out.rps.toFixed(0)} req/s, p99 ${out.p99} ms, CPU ${out.cpu.toFixed(2)} ms/req (main threads ${out.mainCpu.toFixed(2)})${out.dbCpu === undefined ? '' : ` + ${out.dbCpu.toFixed(2)} in PostgreSQL`}`,
  );
  return out;
}

const median = (xs) => {
  const s = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (n, d = 0) => (n === undefined ? 'n/a' : n.toFixed(d));

function render() {
  const of = (id) => results.filter((r) => r.id === id);
  const m = (id, f) => median(of(id).map(f));
  const sdk = m('sdk', (r) => r.rps);
  const lines = [
    '## A second event loop: one process or two cluster workers (issue 17)',
    '',
    `Run on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node.js ${process.version}, ${availableParallelism()} CPUs shared with autocannon ${pkgVersion(ROOT, 'autocannon')} (and PostgreSQL's backends).`,
    `Method: \`npm run bench:second-event-loop\` (\`bench/second-event-loop.mjs\`): \`get_task\` against \`dist/main.js demo\` as one process, and as two \`node:cluster\` workers on the same database and port (\`bench/lib/cluster-launch.mjs\`: the primary hands each connection to the next worker), on a fresh SQLite file and a fresh PostgreSQL schema, set up as in the secured-call table (limits raised, flood rules off); the SDK example beside them. Pipelining 1, ${settings.warmup} s warm-up and ${settings.duration} s measured per cell, a fresh key per cell, ${settings.rounds} interleaved rounds, medians. CPU is every process and thread of the server over the measured run per request ("main" is the processes' main threads alone; "+ n" PostgreSQL's backends). Every cell was checked for one audit row per request.`,
    '',
    '| setup | connections | req/s | × sdk | p50 / p99 ms | CPU ms/request (main) | every round req/s | not 2xx |',
    '| --- | --: | --: | --: | --: | --: | --: | --: |',
  ];
  for (const cell of CELLS) {
    const rps = m(cell.id, (r) => r.rps);
    const db = m(cell.id, (r) => r.dbCpu);
    const cpu = fmt(
      m(cell.id, (r) => r.cpu),
      2,
    );
    const main = fmt(
      m(cell.id, (r) => r.mainCpu),
      2,
    );
    const latency = `${fmt(m(cell.id, (r) => r.p50))} / ${fmt(m(cell.id, (r) => r.p99))}`;
    const rounds = of(cell.id).map((r) => fmt(r.rps));
    const bad = of(cell.id).reduce((s, r) => s + r.bad, 0);
    const cols = [cell.label, cell.connections, fmt(rps), fmt(sdk && rps / sdk, 2), latency];
    cols.push(`${cpu} (${main})${db === undefined ? '' : ` + ${fmt(db, 2)}`}`, rounds.join(', '), bad);
    lines.push(`| ${cols.join(' | ')} |`);
  }
  lines.push(
    '',
    `Load (1-minute average before → after each measured run): ${results.map((r) => `${r.id} r${r.round} ${fmt(r.load[0], 1)} → ${fmt(r.load[1], 1)}`).join('; ')}.`,
  );
  return lines.join('\n');
}

const section = render();
process.stdout.write(`\n${section}\n`);
if (!values['no-write']) {
  await writeDocSection(DOC, 'second-event-loop', section);
  log(`wrote ${DOC}`);
} else log('docs/benchmarks.md not written (--no-write)');
