#!/usr/bin/env node
/**
 * `taskgate audit verify` over a million chained audit events on SQLite
 * (`npm run bench:audit-verify`; needs `npm run build` first):
 *
 *   1. the built CLI (in-process, `dist/cli`) creates a workspace in a fresh SQLite file, so
 *      the schema, the instance secret and the first events are the real ones;
 *   2. 1,000,000 events are appended to the workspace's chain directly with better-sqlite3,
 *      50,000 per transaction: seq, prev_hash, hash and the stored body come from
 *      `chainEntry` in `dist/chain` (the app's own chain rule), the head is moved in
 *      `audit_heads`, and every 1,000 events a checkpoint is signed with the app's key
 *      (`createAuditSigner(deriveKey(secret, 'audit-signing'))`), as the server's
 *      checkpointer would (loading is not measured);
 *   3. `verifyAudit(store, signer)` from `dist/audit` — what `audit verify` runs — is timed
 *      over every chain, 3 runs after 1 warm-up, and the whole `runCli(['audit', 'verify'])`
 *      command once (open, migrate-check, verify, print, close).
 *
 * The table goes to docs/benchmarks.md between the audit-verify markers; the rest of that
 * file is left alone. The target (≥ 500,000 events/s) lives here, never as a timed assertion
 * in tests.
 *
 * Flags: --events <n> (1000000), --runs <n> (3), --no-write (print only), --keep (leave the
 * database in its temp dir and print where), --reuse <dir> (a dir kept by --keep: skip loading).
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, platform, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { expect, fail, log, positiveInteger } from './lib/children.mjs';
import { writeDocSection } from './lib/doc-section.mjs';
import { ulid } from './lib/million-events.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const TARGET_PER_S = 500_000;
const WARMUP_RUNS = 1;
const BATCH = 50_000;
const CHECKPOINT_EVERY = 1000;
// 50 ms apart: a busy server's pace, whose 1,000 events come well inside the 60 s signing
// cadence that `audit verify` holds a log to (a stretch spanning longer is missing_checkpoint).
const EVENT_EVERY_MS = 50;
const READS = ['get_task', 'list_tasks', 'search_tasks', 'list_projects'];
const WRITES = ['update_task', 'create_task', 'add_comment', 'delete_task'];
const TITLES = [
  'Fix login redirect',
  'Überprüfung der Rechnungen',
  'リリースノートを書く',
  'Ship "v2" — finally',
  'Budget 2027 💶 review',
  'Tab\tseparated\nand multi-line',
  'Ça marche ? Oui.',
];

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    'no-write': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
  },
});
const EVENTS = positiveInteger(flags.events, 'events');
const RUNS = positiveInteger(flags.runs, 'runs');

const dist = (path) => import(pathToFileURL(join(ROOT, 'dist', path)).href);

async function main() {
  await readFile(join(ROOT, 'dist', 'main.js')).catch(() => fail('dist/main.js is missing: npm run build'));
  const { runCli } = await dist('cli/index.js');
  const { openStore } = await dist('storage/index.js');
  const { chainEntry } = await dist('chain/index.js');
  const { checkpointHash, createAuditSigner, verifyAudit } = await dist('audit/index.js');
  const { deriveKey } = await dist('core/index.js');
  const { default: Database } = await import('better-sqlite3');

  const dir = flags.reuse ? resolve(flags.reuse) : await mkdtemp(join(tmpdir(), 'taskgate-bench-verify-'));
  const file = join(dir, 'taskgate.db');
  const dataDir = join(dir, 'data');
  const url = `sqlite:${file}`;
  const cli = async (...argv) => {
    let out = '';
    let err = '';
    const code = await runCli([...argv, '--db', url], {
      env: { TASKGATE_DATA_DIR: dataDir },
      stdout: { write: (s) => (out += s) },
      stderr: { write: (s) => (err += s) },
    });
    if (code !== 0) fail(`taskgate ${argv.join(' ')} exited ${code}: ${err.trim()}`);
    return out;
  };

  try {
    let loadSeconds = null;
    if (!flags.reuse) {
      log(`creating the workspace in ${dir}`);
      await cli('init', '--workspace', 'bench', '--owner', 'ops@bench.test', '--env', 'development');
    }
    // The CLI generated the instance secret here; the checkpoints must be signed with its key.
    const secret = (await readFile(join(dataDir, 'secret.key'), 'utf8')).trim();
    const signer = createAuditSigner(deriveKey(secret, 'audit-signing'));

    const sqlite = new Database(file);
    if (!flags.reuse) {
      const loadStart = performance.now();
      insertEvents(sqlite, chainEntry, signer, checkpointHash);
      loadSeconds = (performance.now() - loadStart) / 1000;
    }
    const total = sqlite.prepare('SELECT count(*) AS n FROM audit_events').get().n;
    const checkpoints = sqlite.prepare('SELECT count(*) AS n FROM audit_checkpoints').get().n;
    // What one hash covers: prev_hash and the stored canonical JSON, in UTF-8 bytes.
    const bytes = sqlite
      .prepare('SELECT avg(length(CAST(prev_hash || body AS BLOB))) FROM audit_events WHERE seq % 100 = 0')
      .pluck()
      .get();
    sqlite.close();
    const size = (await stat(file)).size;
    log(
      `${total} events, ${checkpoints} checkpoints${loadSeconds ? `, loaded in ${loadSeconds.toFixed(1)} s` : ''}`,
    );

    const loadBefore = loadavg()[0];
    const store = await openStore(url);
    const runs = await timed(async () => {
      const report = await verifyAudit(store, signer);
      expect(report.ok && report.events === total && report.checkpoints === checkpoints, 'verify report');
    });
    await store.close();
    const commandStart = performance.now();
    const out = JSON.parse(await cli('audit', 'verify', '--json'));
    const command = performance.now() - commandStart;
    expect(out.ok === true && out.events === total, 'command output');

    const section = render({ total, checkpoints, loadSeconds, size, bytes, runs, command, loadBefore });
    process.stdout.write(`${section}\n`);
    if (flags['no-write']) log('docs/benchmarks.md not written (--no-write)');
    else await writeDocSection(DOC, 'audit-verify', section);
  } finally {
    if (flags.keep || flags.reuse) log(`database kept at ${dir} (--reuse ${dir})`);
    else await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A million events appended to the bench workspace's chain, as the app would have written
 * them: mostly tool calls, writes with before/after changes, denials with a reason, key and
 * sign-in events with details, unicode and control characters in free text.
 */
function insertEvents(sqlite, chainEntry, signer, checkpointHash) {
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = OFF'); // loading only; the measured reads do not depend on it
  const workspace = sqlite.prepare('SELECT id FROM workspaces WHERE slug = ?').get('bench');
  const member = sqlite.prepare('SELECT id FROM members WHERE workspace_id = ?').get(workspace.id);
  const head = sqlite.prepare('SELECT seq, hash FROM audit_heads WHERE chain = ?').get(workspace.id) ?? {
    seq: 0,
    hash: '0'.repeat(64),
  };
  // As the app writes a row on SQLite: the columns are read out of `body` (migration 0010).
  const insert = sqlite.prepare('INSERT INTO audit_events (body, prev_hash, hash) VALUES (?, ?, ?)');
  const moveHead = sqlite.prepare(
    `INSERT INTO audit_heads (chain, seq, hash) VALUES (?, ?, ?)
     ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`,
  );
  const checkpoint = sqlite.prepare(
    `INSERT INTO audit_checkpoints (chain, seq, hash, at, key_id, signature, prev_checkpoint_hash)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  // Checkpoints form a chain: each signs the hash of the one before (the CLI's own, at first).
  const lastCheckpoint = sqlite
    .prepare('SELECT * FROM audit_checkpoints WHERE chain = ? ORDER BY seq DESC LIMIT 1')
    .get(workspace.id);
  let prevCheckpoint = lastCheckpoint
    ? checkpointHash({
        chain: lastCheckpoint.chain,
        seq: lastCheckpoint.seq,
        hash: lastCheckpoint.hash,
        at: lastCheckpoint.at,
        keyId: lastCheckpoint.key_id,
        prevCheckpointHash: lastCheckpoint.prev_checkpoint_hash,
        signature: lastCheckpoint.signature,
      })
    : '0'.repeat(64);
  const keys = Array.from({ length: 20 }, (_, k) => ({
    id: `key_${ulid(Date.now(), 1000 + k)}`,
    name: `bench-machine-${String(k).padStart(2, '0')}`,
  }));
  const start = Date.now() - EVENTS * EVENT_EVERY_MS;
  const step = EVENT_EVERY_MS;
  let seed = 0x2545f491;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  let last = head;
  const load = sqlite.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      const time = Math.floor(start + i * step);
      const event = eventAt(i, time, random, keys);
      const { row, body } = chainEntry(
        {
          id: `evt_${ulid(time, i)}`,
          workspace_id: workspace.id,
          occurred_at: new Date(time).toISOString(),
          member_id: member.id,
          environment: 'development',
          ip: `203.0.113.${i % 250}`,
          user_agent: 'cursor/1.2.0 (darwin; arm64)',
          client_name: 'cursor',
          client_version: '1.2.0',
          request_id: `req_${ulid(time, i + 7)}`,
          duration_ms: i % 90,
          ...event,
        },
        last,
      );
      insert.run(body, row.prev_hash, row.hash);
      last = { seq: row.seq, hash: row.hash };
      if (row.seq % CHECKPOINT_EVERY === 0) {
        const claim = {
          chain: workspace.id,
          seq: row.seq,
          hash: row.hash,
          at: row.occurred_at,
          prevCheckpointHash: prevCheckpoint,
        };
        const signature = signer.sign(claim);
        checkpoint.run(claim.chain, claim.seq, claim.hash, claim.at, signer.keyId, signature, prevCheckpoint);
        prevCheckpoint = checkpointHash({ ...claim, keyId: signer.keyId, signature });
      }
    }
    moveHead.run(workspace.id, last.seq, last.hash);
  });
  for (let from = 0; from < EVENTS; from += BATCH) load(from, Math.min(EVENTS, from + BATCH));
}

/** The action-specific columns of the i-th event; every column of the row is set. */
function eventAt(i, time, random, keys) {
  const key = keys[Math.floor(random() * keys.length)];
  const title = TITLES[i % TITLES.length];
  const task = `APO-${i % 5000}`;
  const base = {
    action: 'mcp.tool_called',
    tool: null,
    outcome: 'ok',
    error_code: null,
    credential_id: key.id,
    credential_name: key.name,
    params: null,
    result: null,
    detail: null,
    changes: null,
    reason: null,
    confirmation: null,
  };
  const kind = i % 20;
  if (kind < 14) {
    const tool = READS[i % READS.length];
    return {
      ...base,
      tool,
      params: JSON.stringify({ task, fields: ['title', 'status'] }),
      result: JSON.stringify({ ok: true, count: i % 17 }),
    };
  }
  if (kind < 18) {
    const before = { title, status: 'todo', version: i % 9 };
    const after = { title: `${title} (edited)`, status: 'in_progress', version: (i % 9) + 1 };
    return {
      ...base,
      tool: WRITES[i % WRITES.length],
      params: JSON.stringify({ task, title: after.title, status: after.status }),
      result: JSON.stringify({ ok: true, task }),
      changes: JSON.stringify([{ type: 'task', id: `tsk_${ulid(time, i + 3)}`, before, after }]),
    };
  }
  if (kind === 18) {
    return {
      ...base,
      tool: 'delete_task',
      outcome: 'denied',
      error_code: 'forbidden',
      params: JSON.stringify({ task, token: 'hmac-sha256:9f1c0e7b6a3d5f2e8c4b1a0d9e7f6c5b' }),
      reason: `policy: deletes need approval — "${title}"`,
    };
  }
  return {
    ...base,
    action: i % 40 === 19 ? 'key.created' : 'member.sign_in_failed',
    outcome: i % 40 === 19 ? 'ok' : 'denied',
    error_code: i % 40 === 19 ? null : 'unauthenticated',
    detail: JSON.stringify({ name: key.name, scopes: ['tasks:read', 'tasks:write'], note: title }),
  };
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
  return {
    all: ms,
    median: (ms[Math.floor((ms.length - 1) / 2)] + ms[Math.ceil((ms.length - 1) / 2)]) / 2,
  };
}

function render({ total, checkpoints, loadSeconds, size, bytes, runs, command, loadBefore }) {
  const rate = (ms) => Math.round(total / (ms / 1000));
  const n = (x) => x.toLocaleString('en-US');
  const median = rate(runs.median);
  const ratio = median / TARGET_PER_S;
  return [
    '## Audit verify',
    '',
    `Machine: ${availableParallelism()} CPUs (\`nproc\`), ${cpus()[0]?.model.trim() ?? '?'}, ${platform()} ${release()}; Node.js ${process.version}; run on ${new Date().toISOString().slice(0, 10)}.`,
    `Method: \`npm run bench:audit-verify\` (\`bench/audit-verify.mjs\`). The built CLI creates a workspace in a fresh SQLite file (WAL); ${n(EVENTS)} events are appended to its chain with better-sqlite3 (${n(BATCH)} per transaction${loadSeconds === null ? '' : `, ${loadSeconds.toFixed(1)} s`}), each chained and stored as the app stores it (\`chainEntry\`: the hashed text, the other columns read out of it) — 70% reads, 20% writes carrying before/after \`changes\`, 5% denials with a reason, 5% key and sign-in events with a detail; free text has quotes, tabs, newlines, accents, CJK and emoji; one hash covers ${Math.round(bytes)} bytes on average (prev_hash and the canonical JSON) — and a checkpoint signed with the app's Ed25519 key every ${n(CHECKPOINT_EVERY)} events. In all ${n(total)} events and ${n(checkpoints)} checkpoints, file ${(size / 2 ** 20).toFixed(0)} MiB. Runs are in-process, on a warm page cache, ${RUNS} timed after ${WARMUP_RUNS} warm-up.`,
    '',
    '| what one run does | median s | runs s | events/s (median) |',
    '| --- | --: | --- | --: |',
    `| \`verifyAudit(store, signer)\` from \`dist/audit\` — what \`audit verify\` runs: every hash recomputed, every link and checkpoint signature checked, over every chain | ${(runs.median / 1000).toFixed(2)} | ${runs.all.map((ms) => (ms / 1000).toFixed(2)).join(', ')} | ${n(median)} |`,
    `| the whole command once, in-process: \`runCli(['audit', 'verify', '--json'])\` from \`dist/cli\` — open and migrate-check the database, verify, print, close | ${(command / 1000).toFixed(2)} | | ${n(rate(command))} |`,
    '',
    `Target (≥ ${n(TARGET_PER_S)} events/s for \`audit verify\` on SQLite): **${ratio >= 1 ? 'met' : 'not met'}** (${n(median)} events/s, ${ratio.toFixed(2)}× the target). System load (1-minute average, ${availableParallelism()} CPUs, before → after the timed runs): ${loadBefore.toFixed(1)} → ${loadavg()[0].toFixed(1)}; other work on the machine slows the runs down.`,
  ].join('\n');
}

await main();
