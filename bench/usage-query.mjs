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
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, platform, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const BEGIN = '<!-- usage-query:begin -->';
const END = '<!-- usage-query:end -->';
const TARGET_ALL_MS = 1000;
const TARGET_KEY_MS = 50;
const WARMUP_RUNS = 3;
const BATCH = 50_000;
const SPAN_MS = 30 * 86_400_000;
const TOOLS = [
  'get_task',
  'list_tasks',
  'search_tasks',
  'update_task',
  'create_task',
  'add_comment',
  'delete_task',
];
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
const OUTCOMES = ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'denied', 'error', 'dry_run'];

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    keys: { type: 'string', default: '50' },
    runs: { type: 'string', default: '20' },
    'no-write': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const EVENTS = positive(flags.events, 'events');
const KEYS = positive(flags.keys, 'keys');
const RUNS = positive(flags.runs, 'runs');

const dist = (path) => import(pathToFileURL(join(ROOT, 'dist', path)).href);

async function main() {
  await readFile(join(ROOT, 'dist', 'main.js')).catch(() => fail('dist/main.js is missing: npm run build'));
  const { runCli } = await dist('cli/index.js');
  const { openStore } = await dist('storage/index.js');
  const { chainEntry } = await dist('chain/index.js');
  const { createUsageService } = await dist('audit/index.js');
  const { default: Database } = await import('better-sqlite3');

  const dir = await mkdtemp(join(tmpdir(), 'taskgate-bench-usage-'));
  const file = join(dir, 'taskgate.db');
  const url = `sqlite:${file}`;
  const cli = async (...argv) => {
    let out = '';
    let err = '';
    const code = await runCli([...argv, '--db', url], {
      env: { TASKGATE_DATA_DIR: join(dir, 'data') },
      stdout: { write: (s) => (out += s) },
      stderr: { write: (s) => (err += s) },
    });
    if (code !== 0) fail(`taskgate ${argv.join(' ')} exited ${code}: ${err.trim()}`);
    return out;
  };

  try {
    log(`setting up ${KEYS} keys in ${dir}`);
    await cli('init', '--workspace', 'bench', '--owner', 'ops@bench.test', '--env', 'development');
    for (let k = 0; k < KEYS; k++) {
      // The secret is discarded: nothing here ever authenticates with it.
      await cli(
        'keys',
        'create',
        '--workspace',
        'bench',
        '--name',
        keyName(k),
        '--env',
        'development',
        '--json',
      );
    }

    const sqlite = new Database(file);
    const workspace = sqlite.prepare('SELECT id FROM workspaces WHERE slug = ?').get('bench');
    const member = sqlite.prepare('SELECT id FROM members WHERE workspace_id = ?').get(workspace.id);
    const keys = sqlite
      .prepare('SELECT id, name FROM api_keys WHERE workspace_id = ? ORDER BY name')
      .all(workspace.id);
    const loadStart = performance.now();
    insertEvents(sqlite, { workspaceId: workspace.id, memberId: member.id, keys, chainEntry });
    const loadSeconds = (performance.now() - loadStart) / 1000;
    const total = sqlite.prepare('SELECT count(*) AS n FROM audit_events').get().n;
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
      check(
        report.calls.total >= EVENTS - 2 * (EVENTS / 30) && report.byKey.length === KEYS,
        'whole workspace',
      );
    });
    const key = await timed(async () => {
      const report = await usage.forKey({ workspace: 'bench', key: target.name, days: 30 });
      check(report.byKey.length === 1 && report.calls.total > 0, 'one key');
    });
    await store.close();
    const command = await timed(async () => {
      const out = await cli('usage', '--workspace', 'bench', '--days', '30');
      check(out.includes('By') || out.includes('KEY'), 'command output');
    });

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
    else await writeSection(section);
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

const keyName = (k) => `bench-machine-${String(k).padStart(2, '0')}`;

/** A million rows in big transactions; ids are time-sortable like the app's (ULID layout). */
function insertEvents(sqlite, { workspaceId, memberId, keys, chainEntry }) {
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = OFF'); // loading only; the measured reads do not depend on it
  // As the app writes a row on SQLite: chained, the columns read out of `body` (migration 0010).
  const insert = sqlite.prepare('INSERT INTO audit_events (body, prev_hash, hash) VALUES (?, ?, ?)');
  let head = sqlite.prepare('SELECT seq, hash FROM audit_heads WHERE chain = ?').get(workspaceId) ?? {
    seq: 0,
    hash: '0'.repeat(64),
  };
  const moveHead = sqlite.prepare(
    `INSERT INTO audit_heads (chain, seq, hash) VALUES (?, ?, ?)
     ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`,
  );
  const start = Date.now() - SPAN_MS;
  const step = SPAN_MS / EVENTS;
  let seed = 0x2545f491;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const load = sqlite.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      const time = Math.floor(start + i * step);
      const key = keys[Math.floor(random() * keys.length)];
      const tool = TOOLS[i % TOOLS.length];
      const outcome = OUTCOMES[i % OUTCOMES.length];
      const { row, body } = chainEntry(
        {
          id: `evt_${ulid(time, i)}`,
          workspace_id: workspaceId,
          occurred_at: new Date(time).toISOString(),
          action: 'mcp.tool_called',
          tool,
          outcome,
          error_code: outcome === 'denied' ? 'forbidden' : outcome === 'error' ? 'internal' : null,
          member_id: memberId,
          credential_id: key.id,
          credential_name: key.name,
          environment: 'development',
          params: JSON.stringify({ task: `APO-${i % 5000}`, fields: ['title', 'status'] }),
          result: outcome === 'ok' ? JSON.stringify({ ok: true, count: i % 17 }) : null,
          ip: `203.0.113.${i % 250}`,
          user_agent: 'cursor/1.2.0 (darwin; arm64)',
          client_name: 'cursor',
          client_version: '1.2.0',
          request_id: `req_${ulid(time, i + 7)}`,
          duration_ms: i % 90,
          detail: null,
          changes: i % 7 === 3 && outcome === 'ok' ? CHANGES : null,
          reason: null,
          confirmation: null,
        },
        head,
      );
      insert.run(body, row.prev_hash, row.hash);
      head = row;
    }
    moveHead.run(workspaceId, head.seq, head.hash);
  });
  for (let from = 0; from < EVENTS; from += BATCH) load(from, Math.min(EVENTS, from + BATCH));
}

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
function ulid(time, counter) {
  let head = '';
  let t = time;
  for (let i = 0; i < 10; i++) {
    head = ALPHABET[t % 32] + head;
    t = Math.floor(t / 32);
  }
  let tail = '';
  let c = counter;
  for (let i = 0; i < 16; i++) {
    tail = ALPHABET[c % 32] + tail;
    c = Math.floor(c / 32);
  }
  return head + tail;
}

async function timed(run) {
  for (let i = 0; i < WARMUP_RUNS; i++) await run();
  const ms = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await run();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const at = (q) => ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)];
  return {
    median: (ms[Math.floor((ms.length - 1) / 2)] + ms[Math.ceil((ms.length - 1) / 2)]) / 2,
    p95: at(0.95),
    max: ms.at(-1),
  };
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

async function writeSection(section) {
  let text = await readFile(DOC, 'utf8').catch(() => '# Benchmarks\n');
  const block = `${BEGIN}\n${section}\n${END}`;
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin !== -1 && end > begin) text = text.slice(0, begin) + block + text.slice(end + END.length);
  else text = `${text.trimEnd()}\n\n${block}\n`;
  await writeFile(DOC, text);
  log('docs/benchmarks.md updated');
}

function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
}

function positive(value, name) {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) fail(`--${name}: must be a positive whole number`);
  return n;
}

function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}

function fail(message) {
  log(message);
  process.exit(1);
}

await main();
