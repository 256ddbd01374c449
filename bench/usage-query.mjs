#!/usr/bin/env node
/**
 * The usage report (`taskgate usage`, the console's Usage page) over a million audit events on
 * SQLite (`npm run bench:usage-query`; needs `npm run build` first):
 *
 *   1. the built CLI (in-process, `dist/cli`) creates a workspace and 50 keys in a fresh
 *      SQLite file, so the schema and the keys are the real ones;
 *   2. 1,000,000 events spread over the 50 keys and 30 days are appended to the workspace's
 *      chain directly with better-sqlite3, 50,000 per transaction, as the app stores them
 *      (`chainEntry` from `dist/chain`; loading is not what is measured); one in seven is an
 *      executed write that records its changes;
 *   3. `createUsageService(store).report(...)` from `dist/audit` is timed 20 times after 3
 *      warm-up runs: the whole workspace for 30 days (every event), one key's page (30 days),
 *      and the whole `taskgate usage` command.
 *
 * The table goes to docs/benchmarks.md between the usage-query markers; the rest of that file
 * is left alone. The target (≤ 1 s for the whole workspace, ≤ 50 ms for one key) lives here,
 * never as a timed assertion in tests.
 *
 * Flags: --events <n> (1000000), --keys <n> (50), --runs <n> (20), --no-write (print only),
 * --keep (leave the database in its temp dir and print where).
 */
import { rm, stat } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, platform, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { expect, fail, log, positiveInteger } from './lib/children.mjs';
import { writeDocSection } from './lib/doc-section.mjs';
import { benchWorkspace, distOf, timed, WARMUP_RUNS } from './lib/million-events.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const TARGET_ALL_MS = 1000;
const TARGET_KEY_MS = 50;
const CHANGES = JSON.stringify([
  {
    kind: 'task',
    op: 'update',
    id: 'tsk_01JBENCH0000000000000000000',
    ref: 'APO-1',
    before: { status: 'todo' },
    after: { status: 'done' },
    beforeVersion: 1,
    afterVersion: 2,
  },
]);

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    keys: { type: 'string', default: '50' },
    runs: { type: 'string', default: '20' },
    'no-write': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const EVENTS = positiveInteger(flags.events, 'events');
const KEYS = positiveInteger(flags.keys, 'keys');
const RUNS = positiveInteger(flags.runs, 'runs');

const dist = distOf(ROOT);

async function main() {
  const { openStore } = await dist('storage/index.js');
  const { createUsageService } = await dist('audit/index.js');
  const { dir, file, url, cli, sqlite, workspace, keys, loadSeconds, total } = await benchWorkspace({
    root: ROOT,
    prefix: 'taskgate-bench-usage-',
    events: EVENTS,
    keys: KEYS,
    extra: (i, outcome) => ({ changes: i % 7 === 3 && outcome === 'ok' ? CHANGES : null }),
    fail,
    log,
  });
  try {
    const target = keys[Math.floor(keys.length / 2)];
    const perKey = sqlite
      .prepare('SELECT count(*) AS n FROM audit_events WHERE workspace_id = ? AND credential_id = ?')
      .get(workspace.id, target.id).n;
    const plans = {
      all: planOf(sqlite, workspace.id, null),
      key: planOf(sqlite, workspace.id, target.id),
    };
    sqlite.close();
    const size = (await stat(file)).size;
    log(`${total} events (${perKey} for ${target.name}) loaded in ${loadSeconds.toFixed(1)} s`);
    log(`plans: ${JSON.stringify(plans)}`);

    const loadBefore = loadavg()[0];
    const store = await openStore(url);
    const usage = createUsageService({ store, clock: { now: () => new Date() } });
    const all = await timed(async () => {
      const report = await usage.report({ workspace: 'bench', days: 30 });
      expect(
        report.calls.total >= EVENTS - 2 * (EVENTS / 30) && report.byKey.length === KEYS,
        'whole workspace',
      );
    }, RUNS);
    const key = await timed(async () => {
      const report = await usage.forKey({ workspace: 'bench', key: target.name, days: 30 });
      expect(report.byKey.length === 1 && report.calls.total > 0, 'one key');
    }, RUNS);
    await store.close();
    const command = await timed(async () => {
      const out = await cli('usage', '--workspace', 'bench', '--days', '30');
      expect(out.includes('By') || out.includes('KEY'), 'command output');
    }, RUNS);

    const section = render({
      total,
      perKey,
      target,
      loadSeconds,
      size,
      plans,
      all,
      key,
      command,
      loadBefore,
    });
    process.stdout.write(`${section}\n`);
    if (flags['no-write']) log('docs/benchmarks.md not written (--no-write)');
    else {
      await writeDocSection(DOC, 'usage-query', section);
      log('docs/benchmarks.md updated');
    }
  } finally {
    if (flags.keep) log(`database kept at ${file}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

/** SQLite's plan for the query the service runs (kysely's SQL, written out). */
function planOf(sqlite, workspaceId, credentialId) {
  const byKey = credentialId === null ? '' : ' AND credential_id IN (?)';
  const args = credentialId === null ? [workspaceId] : [workspaceId, credentialId];
  return sqlite
    .prepare(
      `EXPLAIN QUERY PLAN SELECT substr(occurred_at, 1, 10) AS day, credential_id, tool, outcome,
         CASE WHEN changes IS NULL THEN 0 ELSE 1 END AS wrote, count(*) AS n
       FROM audit_events WHERE workspace_id = ? AND occurred_at >= '2000-01-01' AND occurred_at < '2100-01-01'
         AND action IN ('mcp.tool_called', 'mcp.request') AND credential_id IS NOT NULL${byKey}
       GROUP BY 1, 2, 3, 4, 5`,
    )
    .all(...args)
    .map((r) => r.detail)
    .join('; ');
}

function render({ total, perKey, target, loadSeconds, size, plans, all, key, command, loadBefore }) {
  const f = (ms) => ms.toFixed(1);
  const row = (what, t) => `| ${what} | ${f(t.median)} | ${f(t.p95)} | ${f(t.max)} |`;
  const met = all.p95 <= TARGET_ALL_MS && key.p95 <= TARGET_KEY_MS;
  return [
    '## Usage report',
    '',
    `Machine: ${availableParallelism()} CPUs (\`nproc\`), ${cpus()[0]?.model.trim() ?? '?'}, ${platform()} ${release()}; Node.js ${process.version}; run on ${new Date().toISOString().slice(0, 10)}.`,
    `Method: \`npm run bench:usage-query\` (\`bench/usage-query.mjs\`). The built CLI creates a workspace and ${KEYS} keys in a fresh SQLite file (WAL); ${EVENTS.toLocaleString('en-US')} \`mcp.tool_called\` events (${total.toLocaleString('en-US')} with the keys' own \`key.created\`) spread at random over the keys and evenly over the last 30 days, one in seven an executed write with its changes, are appended to the workspace's chain as the app stores them (${loadSeconds.toFixed(1)} s, file ${(size / 2 ** 20).toFixed(0)} MiB). The key asked for, \`${target.name}\`, has ${perKey.toLocaleString('en-US')} events. Each row is ${RUNS} timed runs after ${WARMUP_RUNS} warm-up runs, in-process, on a warm page cache; no \`ANALYZE\`.`,
    '',
    '| what one run does | median ms | p95 ms | max ms |',
    '| --- | --: | --: | --: |',
    row(
      '`createUsageService(store).report({workspace, days: 30})` — the Usage page as an owner sees it: every event of the 30 days counted by day, key, tool, outcome and write, folded into day series',
      all,
    ),
    row("`forKey({workspace, key, days: 30})` — a key's page: the same for one key's events", key),
    row(
      "the whole command in-process: `runCli(['usage', '--workspace', …, '--days', '30'])` — open the database, report, print, close",
      command,
    ),
    '',
    `SQLite plans: whole workspace \`${plans.all}\`; one key \`${plans.key}\`.`,
    '',
    `Target (≤ ${TARGET_ALL_MS} ms for a whole workspace's 30 days over 1M events, ≤ ${TARGET_KEY_MS} ms for one key): **${met ? 'met' : 'not met'}** (p95 ${f(all.p95)} ms, ${f(key.p95)} ms). System load (1-minute average, ${availableParallelism()} CPUs, before → after the timed runs): ${loadBefore.toFixed(1)} → ${loadavg()[0].toFixed(1)}; a p95 far above the median means other work shared the machine.`,
  ].join('\n');
}

await main();
