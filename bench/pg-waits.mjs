#!/usr/bin/env node
/**
 * What the PostgreSQL backends serving Taskgate wait on during a flood (issue 17): `demo` on a
 * fresh schema, one `full` key, autocannon on one call; meanwhile `pg_stat_activity` is
 * sampled every 20 ms. Prints, per state / wait event / statement, how many backends were in
 * it on average. A lock that many backends wait on while its holder is "idle in transaction"
 * (waiting for Node's next statement) is a critical section made of round trips.
 *
 *   npm run build && npm run bench:pg-waits -- [--row create|get] [--connections 32] [--duration 8]
 *     [--workers 2]   (that many `node:cluster` workers on one port: bench/lib/cluster-launch.mjs)
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { positiveInteger } from './lib/children.mjs';
import { startTaskgate } from './lib/taskgate-target.mjs';

const { values } = parseArgs({
  options: {
    row: { type: 'string', default: 'create' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '8' },
    workers: { type: 'string', default: '1' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const CALLS = {
  get: { name: 'get_task', arguments: { task: 'APO-1' } },
  create: { name: 'create_task', arguments: { project: 'APO', title: 'bench' } },
};
const params = CALLS[values.row];
if (!params) throw new Error(`--row: one of ${Object.keys(CALLS).join(', ')}`);
const connections = positiveInteger(values.connections, 'connections');
const duration = positiveInteger(values.duration, 'duration');
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params });

const workers = positiveInteger(values.workers, 'workers');
const target = await startTaskgate('.', values['pg-url'], { workers });
const sampler = new pg.Client({ connectionString: values['pg-url'] });
try {
  const key = await target.newKey();
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-11-25',
    authorization: `Bearer ${key.secret}`,
  };
  await target.waitForLimits(headers, body);
  await sampler.connect();
  const load = new Promise((resolve, reject) =>
    autocannon({ url: target.url, method: 'POST', headers, body, connections, duration }, (error, result) =>
      error ? reject(error) : resolve(result),
    ),
  );
  // Skip the first second (pool warming up) and stop before the load does.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const counts = new Map();
  let samples = 0;
  for (const stopAt = Date.now() + (duration - 2) * 1000; Date.now() < stopAt; samples++) {
    const { rows } = await sampler.query(
      `select state, coalesce(wait_event_type, '-') || ':' || coalesce(wait_event, '-') as wait,
         left(regexp_replace(query, '\\s+', ' ', 'g'), 70) as query
       from pg_stat_activity
       where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()`,
    );
    for (const row of rows) {
      const what = `${row.state} | ${row.wait}${row.state === 'active' ? ` | ${row.query}` : ''}`;
      counts.set(what, (counts.get(what) ?? 0) + 1);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const result = await load;
  console.log(
    `${values.row} at ${connections} connections: ${Math.round(result.requests.average)} req/s, ${samples} samples`,
  );
  console.log('backends (average) | state | wait event | statement');
  for (const [what, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`${(n / samples).toFixed(2).padStart(6)} | ${what}`);
} finally {
  await sampler.end().catch(() => undefined);
  await target.close();
}
