#!/usr/bin/env node
/**
 * A tier-`none` write (`create_task`, the demo's create policy) at two builds in one interleaved
 * run: this tree's dist/ against `--base <dirs>` (comma-separated directories, each holding
 * another build's dist/, e.g. a copy taken before a change), on SQLite and PostgreSQL. Per cell: req/s, server CPU per
 * request (all threads; PostgreSQL's backends apart) and SQL statements per request, counted
 * by the preload `lib/count-statements.cjs` (main thread and audit writer alike). The machine
 * is shared: compare CPU and statements per request, not req/s across runs.
 *
 * Flags: --base <dirs> (required), --rounds <n> (2), --duration <s> (5), --warmup <s> (2),
 * --connections <list> (1,32), --stores <list> (sqlite,postgres), --pg-url <url>.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { expect, fail, log, positiveInteger } from './lib/children.mjs';
import { totalCpuMs } from './lib/proc.mjs';
import { startTaskgate } from './lib/taskgate-target.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    rounds: { type: 'string', default: '2' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '1,32' },
    stores: { type: 'string', default: 'sqlite,postgres' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
if (!values.base) fail('--base <dir>: a directory with the other build in dist/');
const rounds = positiveInteger(values.rounds, 'rounds');
const duration = positiveInteger(values.duration, 'duration');
const warmup = Number(values.warmup);
const connectionCounts = values.connections.split(',').map((c) => positiveInteger(c, 'connections'));
const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};
const BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'create_task', arguments: { project: 'APO', title: 'bench' } },
});

process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require ${join(ROOT, 'bench/lib/count-statements.cjs')}`;
const { default: autocannon } = await import('autocannon');
const builds = {
  ...Object.fromEntries(values.base.split(',').map((dir) => [basename(resolve(dir)), resolve(dir)])),
  this: ROOT,
};
const targets = [];
const cells = [];
try {
  for (const store of values.stores.split(','))
    for (const [build, root] of Object.entries(builds)) {
      const target = await startTaskgate(root, store === 'sqlite' ? 'sqlite' : values['pg-url']);
      targets.push(Object.assign(target, { build, store }));
    }
  for (let round = 1; round <= rounds; round++)
    for (const connections of connectionCounts)
      for (const target of targets) cells.push(await measure(target, connections));
} finally {
  for (const t of targets) await t.close().catch(() => undefined);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
console.log('\n| store | connections | build | req/s | CPU ms/req | PG CPU ms/req | statements/req |');
console.log('|---|--:|---|--:|--:|--:|--:|');
for (const store of new Set(targets.map((t) => t.store)))
  for (const connections of connectionCounts)
    for (const build of Object.keys(builds)) {
      const mine = cells.filter(
        (c) => c.store === store && c.build === build && c.connections === connections,
      );
      const m = (f) => median(mine.map(f));
      console.log(
        `| ${store} | ${connections} | ${build} | ${m((c) => c.rps).toFixed(0)} | ${m((c) => c.cpu).toFixed(2)} | ${store === 'sqlite' ? '' : m((c) => c.dbCpu).toFixed(2)} | ${m((c) => c.statements).toFixed(1)} |`,
      );
    }

async function measure(target, connections) {
  const key = await target.newKey();
  const headers = { ...HEADERS, authorization: `Bearer ${key.secret}` };
  await target.waitForLimits(headers, BODY);
  const options = { url: target.url, method: 'POST', headers, body: BODY, connections, pipelining: 1 };
  if (warmup > 0) await autocannon({ ...options, duration: warmup });
  const backends = target.backendPids ? await target.backendPids() : [];
  const s0 = await statements(target);
  const cpu0 = totalCpuMs([target.child.pid]);
  const db0 = totalCpuMs(backends);
  const result = await autocannon({ ...options, duration });
  const cpu1 = totalCpuMs([target.child.pid]);
  const db1 = totalCpuMs(backends);
  const s1 = await statements(target);
  const n = result.requests.total;
  expect(result.non2xx === 0 && result.errors === 0, `${target.store}/${target.build}: refused requests`);
  const notOk = (await target.auditNotOk(key.id)).reduce((sum, k) => sum + k.n, 0);
  expect(notOk === 0, `${target.store}/${target.build}: ${notOk} calls not ok`);
  const cell = {
    store: target.store,
    build: target.build,
    connections,
    rps: result.requests.average,
    cpu: (cpu1 - cpu0) / n,
    dbCpu: (db1 - db0) / n,
    statements: (s1 - s0) / n,
  };
  log(
    `${target.store} ${target.build} @${connections}: ${cell.rps.toFixed(0)} req/s, CPU ${cell.cpu.toFixed(2)} ms/req (+${cell.dbCpu.toFixed(2)} PG), ${cell.statements.toFixed(1)} statements/req`,
  );
  return cell;
}

/** The server's statement count over all its threads, once the preload has written it out. */
async function statements(target) {
  await new Promise((r) => setTimeout(r, 300));
  const prefix = `statements-${target.child.pid}-`;
  return readdirSync(target.dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .reduce((sum, f) => sum + Number(readFileSync(join(target.dir, f), 'utf8')), 0);
}
