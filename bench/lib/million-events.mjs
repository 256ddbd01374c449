/**
 * What the audit benchmarks over a million events share: a workspace with its keys made by the
 * built CLI (so the schema and the keys are the real ones), a million `mcp.tool_called` events
 * appended to its chain with better-sqlite3 as the app stores them, and the timing of a query.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

export const BATCH = 50_000;
export const SPAN_MS = 30 * 86_400_000;
export const WARMUP_RUNS = 3;
const TOOLS = [
  'get_task',
  'list_tasks',
  'search_tasks',
  'update_task',
  'create_task',
  'add_comment',
  'delete_task',
];
const OUTCOMES = ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'denied', 'error', 'dry_run'];

export const keyName = (k) => `bench-machine-${String(k).padStart(2, '0')}`;

/** A module of the build, e.g. `dist('audit/index.js')`. */
export const distOf = (root) => (path) => import(pathToFileURL(join(root, 'dist', path)).href);

/**
 * A fresh SQLite file with workspace `bench`, `keys` keys and `events` events; `extra(i, outcome)`
 * adds columns to event i (e.g. the changes of an executed write). The caller closes `sqlite`
 * and removes `dir`.
 */
export async function benchWorkspace({ root, prefix, events, keys, extra = () => ({}), fail, log }) {
  const dist = distOf(root);
  await readFile(join(root, 'dist', 'main.js')).catch(() => fail('dist/main.js is missing: npm run build'));
  const { runCli } = await dist('cli/index.js');
  const { chainEntry } = await dist('chain/index.js');
  const { default: Database } = await import('better-sqlite3');
  const dir = await mkdtemp(join(tmpdir(), prefix));
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
  log(`setting up ${keys} keys in ${dir}`);
  await cli('init', '--workspace', 'bench', '--owner', 'ops@bench.test', '--env', 'development');
  for (let k = 0; k < keys; k++) {
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
  const keyRows = sqlite
    .prepare('SELECT id, name FROM api_keys WHERE workspace_id = ? ORDER BY name')
    .all(workspace.id);
  const loadStart = performance.now();
  insertEvents(sqlite, {
    workspaceId: workspace.id,
    memberId: member.id,
    keys: keyRows,
    chainEntry,
    events,
    extra,
  });
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const total = sqlite.prepare('SELECT count(*) AS n FROM audit_events').get().n;
  return { dir, file, url, cli, sqlite, workspace, keys: keyRows, loadSeconds, total };
}

/** A million rows in big transactions; ids are time-sortable like the app's (ULID layout). */
function insertEvents(sqlite, { workspaceId, memberId, keys, chainEntry, events, extra }) {
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
  const step = SPAN_MS / events;
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
          changes: null,
          reason: null,
          confirmation: null,
          ...extra(i, outcome),
        },
        head,
      );
      insert.run(body, row.prev_hash, row.hash);
      head = row;
    }
    moveHead.run(workspaceId, head.seq, head.hash);
  });
  for (let from = 0; from < events; from += BATCH) load(from, Math.min(events, from + BATCH));
}

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** A time-sortable id in the app's ULID layout, made from a time and a counter. */
export function ulid(time, counter) {
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

/** `runs` timed runs after the warm-up: median, p95 and max in milliseconds. */
export async function timed(run, runs) {
  for (let i = 0; i < WARMUP_RUNS; i++) await run();
  const ms = [];
  for (let i = 0; i < runs; i++) {
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
