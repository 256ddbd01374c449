#!/usr/bin/env node
/**
 * What the principal cache saves on the authentication step alone, in one process (needs
 * `npm run build` first): one app on a fresh database (SQLite file, or --db postgres://…),
 * its `full` API key authenticated --calls times, 32 at a time, by `createAuthenticator` over
 * the store (the joined lookup and the policy read on every call) and by the same
 * authenticator through `createPrincipalCache` (one epoch read per call), in alternating
 * rounds. Prints the medians; targets live here, never in tests. The whole-request numbers
 * (autocannon against `demo`, both revisions) are in docs/benchmarks.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => import(pathToFileURL(join(ROOT, 'dist', path)).href);
const { values: flags } = parseArgs({
  options: {
    calls: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
    db: { type: 'string' },
  },
});
const CALLS = Number(flags.calls);
const CONCURRENCY = 32;

const { createApp } = await dist('app.js');
const { loadConfig } = await dist('config/index.js');
const { seedDemoWorkspace } = await dist('domain/index.js');
const { systemClock, createSeededRandom } = await dist('core/index.js');
const { createAuthenticator, createPrincipalCache } = await dist('credentials/index.js');

const dir = await mkdtemp(join(tmpdir(), 'taskgate-bench-auth-'));
const schema = `bench_auth_${randomBytes(4).toString('hex')}`;
const url = flags.db
  ? `${flags.db}${flags.db.includes('?') ? '&' : '?'}schema=${schema}`
  : `sqlite:${join(dir, 't.db')}`;
const env = {
  TASKGATE_DATABASE_URL: url,
  TASKGATE_SECRET_KEY: randomBytes(32).toString('base64url'),
  TASKGATE_LOG_LEVEL: 'silent',
};
const app = await createApp(loadConfig({ env }));
await seedDemoWorkspace(app.domain, systemClock, createSeededRandom(1));
const { secret } = await app.keys.create({
  workspace: 'demo',
  name: 'bench-auth',
  environment: 'development',
  preset: 'full',
});
const deps = {
  store: app.store,
  clock: systemClock,
  requiresOauth: async (workspace) => (await app.policy.forWorkspace(workspace)).requireOauth,
};
const variants = {
  uncached: createAuthenticator(deps),
  cached: createPrincipalCache(app.store).authenticator(deps),
};

async function measure(authenticate) {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < CALLS) {
        const result = await authenticate({ token: secret, ip: '127.0.0.1' });
        if (!result.ok) throw new Error(result.error.message);
      }
    }),
  );
  return CALLS / (Number(process.hrtime.bigint() - started) / 1e9);
}

const results = { uncached: [], cached: [] };
for (const authenticate of Object.values(variants)) await measure(authenticate); // warm-up
for (let round = 0; round < Number(flags.rounds); round++) {
  for (const [name, authenticate] of Object.entries(variants))
    results[name].push(await measure(authenticate));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const [u, c] = [median(results.uncached), median(results.cached)];
console.log(
  JSON.stringify({
    database: app.store.kind,
    calls: CALLS,
    uncachedPerSecond: Math.round(u),
    cachedPerSecond: Math.round(c),
    ratio: Number((c / u).toFixed(2)),
    rounds: results,
  }),
);
await app.close();
if (flags.db) {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: flags.db });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
}
await rm(dir, { recursive: true, force: true });
