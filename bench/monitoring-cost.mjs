#!/usr/bin/env node
/**
 * What watching every key costs a secured call, in one run (`npm run bench:monitoring-cost`,
 * needs `npm run build` first): two apps on fresh SQLite files in this process, one with the
 * request limits (memory counters, the single-instance deployment) and the anomaly rules
 * (a baseline read and upsert per call), one without either (`withoutMonitoring`, a
 * benchmark-only override). Each answers the same calls with its own `full` API key through
 * its Hono app (no network), one call at a time: a read (`get_task`) and a dry-run write
 * (`create_task` with `dry_run`). 200 warm-up calls, then --calls measured per call kind in
 * two alternating rounds. The medians and their ratio go to docs/benchmarks.md between the
 * monitoring-cost markers (--no-write: print only). With --db postgres://… both apps use that
 * database (counters in PostgreSQL), with --redis redis://… the watched one counts in Redis.
 * Targets live here, never in tests.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { writeDocSection } from './lib/doc-section.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => import(pathToFileURL(join(ROOT, 'dist', path)).href);
const { values: flags } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    db: { type: 'string' },
    redis: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const CALLS = Number(flags.calls);

const rpc = (name, args) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
const CALLS_MEASURED = [
  { id: 'read', label: '`get_task`', body: rpc('get_task', { task: 'APO-1' }) },
  {
    id: 'dry-run',
    label: '`create_task` dry run',
    body: rpc('create_task', { project: 'APO', title: 'bench', dry_run: true }),
  },
];

async function start(limited) {
  const { createApp } = await dist('app.js');
  const { loadConfig } = await dist('config/index.js');
  const { seedDemoWorkspace } = await dist('domain/index.js');
  const { systemClock, createSeededRandom } = await dist('core/index.js');
  const dir = await mkdtemp(join(tmpdir(), 'taskgate-bench-limits-'));
  const env = {
    TASKGATE_DATABASE_URL: flags.db ?? `sqlite:${join(dir, 'taskgate.db')}`,
    // A fresh secret per run: none is ever written down.
    TASKGATE_SECRET_KEY: randomBytes(32).toString('base64url'),
    TASKGATE_LOG_LEVEL: 'silent',
    ...(limited && flags.redis && { TASKGATE_REDIS_URL: flags.redis }),
  };
  const app = await createApp(loadConfig({ env }), { withoutMonitoring: !limited });
  if (!(await app.store.workspaces.findBySlug('demo')))
    await seedDemoWorkspace(app.domain, systemClock, createSeededRandom(1));
  // Far above what the run makes: the limits are counted and checked, never refuse.
  await app.monitoring.rateLimits.tune(
    'demo',
    {
      keyReadsPerMinute: 100000,
      memberReadsPerMinute: 100000,
      ipReadsPerMinute: 100000,
      keyWritesPerMinute: 100000,
      memberWritesPerMinute: 100000,
      ipWritesPerMinute: 100000,
    },
    null,
  );
  const { secret } = await app.keys.create({
    workspace: 'demo',
    name: `bench-${limited ? 'limited' : 'plain'}-${Date.now()}`,
    environment: 'development',
    preset: 'full',
  });
  const call = async (body) => {
    const response = await app.http.request('/mcp', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
        host: new URL(app.config.publicUrl).host,
        authorization: `Bearer ${secret}`,
      },
      body,
    });
    if (response.status !== 200)
      throw new Error(`call answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  };
  return {
    app,
    call,
    close: async () => {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function measure(call, n) {
  const times = [];
  for (let i = 0; i < n; i += 1) {
    const t = performance.now();
    await call();
    times.push(performance.now() - t);
  }
  return times;
}

const stats = (times) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], p95: sorted[Math.floor(sorted.length * 0.95)] };
};

const plain = await start(false);
const limited = await start(true);
try {
  const rows = [];
  for (const kind of CALLS_MEASURED) {
    await measure(() => plain.call(kind.body), 200);
    await measure(() => limited.call(kind.body), 200);
    const samples = { plain: [], limited: [] };
    for (let round = 0; round < 2; round += 1) {
      samples.plain.push(...(await measure(() => plain.call(kind.body), CALLS / 2)));
      samples.limited.push(...(await measure(() => limited.call(kind.body), CALLS / 2)));
    }
    const a = stats(samples.plain);
    const b = stats(samples.limited);
    rows.push(
      `| ${kind.label} | ${a.median.toFixed(2)} | ${b.median.toFixed(2)} | +${(b.median - a.median).toFixed(2)} | ${(b.median / a.median).toFixed(2)} | ${a.p95.toFixed(2)} / ${b.p95.toFixed(2)} |`,
    );
  }
  const store = flags.redis ? 'Redis' : flags.db ? 'PostgreSQL' : 'memory';
  const section = [
    '### What watching every key costs a secured call (`npm run bench:monitoring-cost`)',
    '',
    `One run, ${new Date().toISOString().slice(0, 10)}, ${availableParallelism()} CPUs, load ${loadavg()[0].toFixed(1)}; ` +
      `two apps in one process on fresh SQLite files, one call at a time through the Hono app, ${CALLS} calls of each kind ` +
      `per app in two alternating rounds. "Watched": request limits (counters in ${store}) and the anomaly rules; ` +
      '"plain": neither (`withoutMonitoring`). Medians in ms; the ratio is the one to quote.',
    '',
    '| call | plain | watched | cost | ratio | p95 plain / watched |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
  console.log(section);
  if (!flags['no-write'])
    await writeDocSection(join(ROOT, 'docs', 'benchmarks.md'), 'monitoring-cost', section);
} finally {
  await limited.close();
  await plain.close();
}
