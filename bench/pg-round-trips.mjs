#!/usr/bin/env node
/**
 * Statements and CPU per PostgreSQL call, A/B between builds (issue 17): each root's
 * `dist/main.js demo` on a fresh PostgreSQL schema, with a preload counting every statement
 * pg sends (bench/lib/count-pg-statements.mjs). For each round, connection count, row and
 * root in turn: a fresh key, a warm-up, a measured autocannon run; reported per request:
 * statements, server CPU (all threads) and the CPU of the PostgreSQL backends serving it.
 * Statement counts and CPU per request are what a shared machine measures reliably.
 *
 *   node bench/pg-round-trips.mjs --roots /tmp/base,. [--connections 1,32] [--rows get,create]
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { log, positiveInteger, settled } from './lib/children.mjs';
import { totalCpuMs } from './lib/proc.mjs';
import { startTaskgate } from './lib/taskgate-target.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const PRELOAD = join(HERE, 'lib', 'count-pg-statements.mjs');
const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};
const call = (name, args) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
const BODIES = {
  get: call('get_task', { task: 'APO-1' }),
  create: call('create_task', { project: 'APO', title: 'bench' }),
};

const { values } = parseArgs({
  options: {
    roots: { type: 'string', default: '.' },
    rounds: { type: 'string', default: '2' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '1,32' },
    rows: { type: 'string', default: 'get,create' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    verbose: { type: 'boolean', default: false },
  },
});
const roots = values.roots.split(',').map((r) => resolve(r));
const rows = values.rows.split(',');
const conns = values.connections.split(',').map((c) => positiveInteger(c, 'connections'));
const { default: autocannon } = await import('autocannon');

const counts = (pid) => {
  try {
    return JSON.parse(readFileSync(`/tmp/taskgate-pg-statements-${pid}.json`, 'utf8'));
  } catch {
    return {};
  }
};
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const targets = [];
const cells = [];
try {
  for (const root of roots)
    targets.push(await startTaskgate(root, values['pg-url'], { nodeFlags: ['--import', PRELOAD] }));
  for (const t of targets) {
    const key = await t.newKey();
    await t.waitForLimits({ ...HEADERS, authorization: `Bearer ${key.secret}` }, BODIES.get);
  }
  for (let round = 1; round <= positiveInteger(values.rounds, 'rounds'); round++)
    for (const connections of conns)
      for (const row of rows)
        for (const [i, t] of targets.entries()) {
          const key = await t.newKey();
          const options = {
            url: t.url,
            method: 'POST',
            headers: { ...HEADERS, authorization: `Bearer ${key.secret}` },
            body: BODIES[row],
            connections,
            pipelining: 1,
          };
          await autocannon({ ...options, duration: Number(values.warmup) });
          await pause(700);
          const rows0 = await settled(() => t.auditRows(key.id));
          const backends = await t.backendPids();
          const s0 = counts(t.child.pid);
          const cpu0 = totalCpuMs([t.child.pid]);
          const db0 = totalCpuMs(backends);
          const result = await autocannon({ ...options, duration: Number(values.duration) });
          // Per request served: autocannon drops the requests in flight when it stops, the
          // server still answers them (one audit row each).
          const n = (await settled(() => t.auditRows(key.id))) - rows0;
          const cpu1 = totalCpuMs([t.child.pid]);
          const db1 = totalCpuMs(backends);
          await pause(700);
          const s1 = counts(t.child.pid);
          const per = {};
          for (const [text, c] of Object.entries(s1)) {
            const d = c - (s0[text] ?? 0);
            if (d > 0) per[text] = d / n;
          }
          const statements = Object.values(per).reduce((a, b) => a + b, 0);
          const cell = {
            root: i,
            row,
            connections,
            round,
            rps: result.requests.average,
            bad: result.non2xx + result.errors + result.timeouts,
            cpu: (cpu1 - cpu0) / n,
            db: (db1 - db0) / n,
            statements,
          };
          cells.push(cell);
          log(
            `round ${round} ${row}@${connections} root ${i}: ${cell.rps.toFixed(0)} req/s, ` +
              `${cell.cpu.toFixed(2)} + ${cell.db.toFixed(2)} ms CPU, ${statements.toFixed(2)} statements/req, bad ${cell.bad}`,
          );
          if (values.verbose)
            for (const [text, c] of Object.entries(per).sort((a, b) => b[1] - a[1]))
              if (c >= 0.01) log(`    ${c.toFixed(2)}  ${text}`);
        }
} finally {
  for (const t of targets) await t.close().catch(() => undefined);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log('\n| root | call | conns | req/s | CPU ms/req node + PostgreSQL | statements/req |');
console.log('| --- | --- | --: | --: | --: | --: |');
for (const row of rows)
  for (const connections of conns)
    for (const [i] of roots.entries()) {
      const mine = cells.filter((c) => c.root === i && c.row === row && c.connections === connections);
      const m = (f) => median(mine.map(f));
      console.log(
        `| ${i} | ${row} | ${connections} | ${m((c) => c.rps).toFixed(0)} | ${m((c) => c.cpu).toFixed(2)} + ${m((c) => c.db).toFixed(2)} | ${m((c) => c.statements).toFixed(1)} |`,
      );
    }
