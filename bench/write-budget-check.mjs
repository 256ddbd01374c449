#!/usr/bin/env node
/**
 * What a write's budget check costs as the window fills (`node bench/write-budget-check.mjs`,
 * after `npm run build`): the ledger's running totals (two index seeks, migration 0022)
 * against the sum over the window that came before, on one credential's ledger of N rows, on
 * SQLite and PostgreSQL (a fresh schema). Wall time per check on this connection, median of
 * five batches; the budget a deployment sets bounds N (10,000 at most).
 *
 * Flags: --rows <list> (100,1000,10000), --checks <n> (300), --pg-url <url>, --stores <list>.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { openStore, openDatabase } = await import(join(ROOT, 'dist/storage/index.js'));
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100,1000,10000' },
    checks: { type: 'string', default: '300' },
    stores: { type: 'string', default: 'sqlite,postgres' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const checks = Number(values.checks);
const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log('| store | rows in window | sum over the window (µs) | running totals (µs) |');
console.log('|---|--:|--:|--:|');
for (const kind of values.stores.split(',')) {
  const dir = await mkdtemp(join(tmpdir(), 'taskgate-budget-'));
  const schema = `bench_budget_${process.pid}`;
  const url =
    kind === 'sqlite' ? `sqlite:${join(dir, 'taskgate.db')}` : `${values['pg-url']}?schema=${schema}`;
  const store = await openStore(url);
  const raw = await openDatabase(url);
  try {
    let written = 0;
    for (const rows of values.rows.split(',').map(Number)) {
      await store.transaction(async (repos) => {
        await repos.writeUsage.lockCredential('key_bench');
        for (; written < rows; written++)
          await repos.writeUsage.insert({
            id: `wus_${written}`,
            workspaceId: 'wsp_bench',
            credentialId: 'key_bench',
            writes: 1,
            deletes: written % 7 ? 0 : 1,
            at: new Date(T0 + written * 10).toISOString(),
          });
      });
      const since = new Date(T0 - 1).toISOString();
      const oldSum = () =>
        sql`select coalesce(sum(writes), 0) as writes, coalesce(sum(deletes), 0) as deletes
          from write_usage where credential_id = ${'key_bench'} and at > ${since}`.execute(raw.db);
      const totals = () => store.writeUsage.sumSince('key_bench', since);
      const time = async (check) => {
        const batches = [];
        for (let b = 0; b < 5; b++) {
          const start = performance.now();
          for (let i = 0; i < checks / 5; i++) await check();
          batches.push(((performance.now() - start) * 1000) / (checks / 5));
        }
        return median(batches);
      };
      await time(oldSum);
      await time(totals);
      const [a, b] = [await time(oldSum), await time(totals)];
      console.log(`| ${kind} | ${rows} | ${a.toFixed(0)} | ${b.toFixed(0)} |`);
    }
  } finally {
    await raw.close();
    if (kind !== 'sqlite') {
      const handle = await openDatabase(values['pg-url']);
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(handle.db);
      await handle.close();
    }
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
