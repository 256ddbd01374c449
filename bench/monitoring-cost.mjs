#!/usr/bin/env node
/**
 * What the request limits cost a secured call, in one run (needs `npm run build` first):
 * two apps on fresh SQLite files in this process, one with the limits (memory counters, the
 * single-instance deployment) and one without (`withoutRateLimits`, a benchmark-only
 * override), each answering the same `tools/call whoami` with the same API key through its
 * Hono app (no network), one call at a time: 200 warm-up calls, then --calls measured, twice,
 * alternating. Prints the median and p95 per call of each and the difference. With
 * --db postgres://… both apps use that database (counters in PostgreSQL), with --redis
 * redis://… the limited one counts in Redis. Targets live here, never in tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => import(pathToFileURL(join(ROOT, 'dist', path)).href);
const { values: flags } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    db: { type: 'string' },
    redis: { type: 'string' },
  },
});
const CALLS = Number(flags.calls);

const body = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'whoami', arguments: {} },
});

async function start(limited) {
  const { createApp } = await dist('app.js');
  const { loadConfig } = await dist('config/index.js');
  const { seedDemoWorkspace } = await dist('domain/index.js');
  const { systemClock, createSeededRandom } = await dist('core/index.js');
  const dir = await mkdtemp(join(tmpdir(), 'taskgate-bench-limits-'));
  const env = {
    TASKGATE_DATABASE_URL: flags.db ?? `sqlite:${join(dir, 'taskgate.db')}`,
    TASKGATE_SECRET_KEY: 'b'.repeat(40),
    TASKGATE_LOG_LEVEL: 'silent',
    ...(limited && flags.redis && { TASKGATE_REDIS_URL: flags.redis }),
  };
  const app = await createApp(loadConfig({ env }), { withoutRateLimits: !limited });
  if (!(await app.store.workspaces.findBySlug('demo')))
    await seedDemoWorkspace(app.domain, systemClock, createSeededRandom(1));
  // Far above what the run makes: the limits are counted and checked, never refuse.
  await app.monitoring.rateLimits.tune(
    'demo',
    { keyReadsPerMinute: 100000, memberReadsPerMinute: 100000, ipReadsPerMinute: 100000 },
    null,
  );
  const { secret } = await app.keys.create({
    workspace: 'demo',
    name: `bench-${limited ? 'limited' : 'plain'}-${Date.now()}`,
    environment: 'development',
    preset: 'full',
  });
  const call = async () => {
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
  await measure(plain.call, 200);
  await measure(limited.call, 200);
  const samples = { plain: [], limited: [] };
  for (let round = 0; round < 2; round += 1) {
    samples.plain.push(...(await measure(plain.call, CALLS / 2)));
    samples.limited.push(...(await measure(limited.call, CALLS / 2)));
  }
  const a = stats(samples.plain);
  const b = stats(samples.limited);
  const store = flags.redis ? 'redis' : flags.db ? 'postgres' : 'memory';
  console.log(`secured whoami, ${CALLS} calls each, counters in ${store}`);
  console.log(`without limits: median ${a.median.toFixed(3)} ms, p95 ${a.p95.toFixed(3)} ms`);
  console.log(`with limits:    median ${b.median.toFixed(3)} ms, p95 ${b.p95.toFixed(3)} ms`);
  console.log(`cost per call:  median +${(b.median - a.median).toFixed(3)} ms`);
} finally {
  await limited.close();
  await plain.close();
}
