/**
 * SQLite has one writer at a time, and this process writes through two connections: the
 * main one (kysely, on the event loop) and the audit writer's (a worker thread). Were they
 * left to SQLite, the main connection's BEGIN IMMEDIATE would meet the worker's lock and
 * wait in SQLite's busy handler, which sleeps on the event loop (1 ms, 2 ms, 5 ms…) and
 * stalls every request. So this process takes turns first, without blocking anything: a
 * write transaction or an audit batch starts only once the other has finished. Other
 * processes (a CLI command beside the server) still meet SQLite's busy timeout as before.
 *
 * Group transactions: concurrent write transactions share one SQLite transaction — each in
 * its own savepoint, run one after the other, a failed one rolled back to its savepoint
 * alone — and one commit, so one disk sync (synchronous = FULL) is paid per group rather
 * than per transaction, and a flood of writes stops costing a sync each. Every caller's
 * promise settles only after the group's commit returned: nothing is reported done before it
 * is durable. If the group itself fails (its commit, or a rollback SQLite refused), every
 * transaction in it fails with it: none of them was stored.
 *
 * A group all of whose transactions hold derived state only (`deferSync`, see ports.ts)
 * commits at synchronous = NORMAL: no disk sync on the event loop. In WAL mode that commit is
 * as atomic and survives the process crashing; the next synced commit on the same WAL file
 * (the audit writer's, every call's) makes it durable. SQLite refuses to change the level
 * inside a transaction, so it is set before BEGIN and put back to FULL before the connection
 * is let go, and a group of any other kind sets FULL itself if that could not be done.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../schema.js';
import { answerCommitted, answerFailed, type Caller, type Outcome } from './group-outcomes.js';

/**
 * The longest a turn is waited for. Only a turn taken while another is held by the same
 * code path could wait forever (an audit batch awaited inside a write transaction); after
 * this long it goes ahead and SQLite's own busy handling decides, as it did without turns.
 */
const MAX_TURN_WAIT_MS = 2_000;
/** Upper bound on transactions per group, so one group stays short. */
export const MAX_GROUP = 64;

export interface WriteTurns {
  /** Runs `work` once no other write of this process is running. */
  run<T>(work: () => Promise<T>): Promise<T>;
}

export function createWriteTurns(): WriteTurns {
  const waiting: { go: () => void; gone: boolean }[] = [];
  let busy = false;
  const next = () => {
    let entry = waiting.shift();
    while (entry?.gone) entry = waiting.shift();
    if (entry) {
      entry.gone = true;
      entry.go();
    } else busy = false;
  };
  const take = () =>
    new Promise<boolean>((granted) => {
      if (!busy) {
        busy = true;
        return granted(true);
      }
      const timer = setTimeout(() => {
        if (entry.gone) return;
        entry.gone = true;
        granted(false);
      }, MAX_TURN_WAIT_MS);
      timer.unref();
      const entry = {
        go: () => {
          clearTimeout(timer);
          granted(true);
        },
        gone: false,
      };
      waiting.push(entry);
    });
  return {
    async run(work) {
      const held = await take();
      try {
        return await work();
      } finally {
        if (held) next();
      }
    },
  };
}

interface Queued extends Caller {
  readonly work: (trx: Transaction<Database>) => Promise<unknown>;
  readonly deferSync: boolean;
}

/** `transaction(work)` for SQLite, grouped as described above. */
export function createGroupTransactions(db: Kysely<Database>, turns: WriteTurns) {
  let queue: Queued[] = [];
  let running = false;
  // What configureSqlite set; `undefined` while unknown (a change that may not have happened).
  let level: 'full' | 'normal' | undefined = 'full';
  const setLevel = async (conn: Kysely<Database>, want: 'full' | 'normal') => {
    if (level === want) return;
    level = undefined;
    await sql.raw(`pragma synchronous = ${want}`).execute(conn);
    level = want;
  };

  async function runGroup(group: readonly Queued[]) {
    const settled = new Map<Queued, Outcome>();
    const deferred = group.every((q) => q.deferSync);
    try {
      // One connection throughout, so no other statement runs at the group's level.
      await turns.run(() =>
        db.connection().execute(async (conn) => {
          await setLevel(conn, deferred ? 'normal' : 'full');
          try {
            await conn.transaction().execute(async (trx) => {
              for (const q of group) {
                await sql`savepoint tg_group`.execute(trx);
                try {
                  settled.set(q, { ok: true, value: await q.work(trx) });
                } catch (error) {
                  settled.set(q, { ok: false, error });
                  await sql`rollback to tg_group`.execute(trx);
                }
                await sql`release tg_group`.execute(trx);
              }
            });
          } finally {
            // The group's outcome stands either way; a level left unknown is set by the next group.
            if (deferred) await setLevel(conn, 'full').catch(() => undefined);
          }
        }),
      );
    } catch (error) {
      answerFailed(group, settled, error);
      return;
    }
    answerCommitted(settled);
  }

  async function drain() {
    // Whatever queued while a group ran forms the next one.
    while (queue.length > 0) {
      const group = queue.slice(0, MAX_GROUP);
      queue = queue.slice(group.length);
      await runGroup(group);
    }
    running = false;
  }

  return <T>(work: (trx: Transaction<Database>) => Promise<T>, deferSync = false): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, deferSync, resolve: resolve as (value: unknown) => void, reject });
      if (running) return;
      running = true;
      // better-sqlite3 answers synchronously, so a group runs to its commit without yielding:
      // starting it a turn later lets the requests read in this turn of the event loop join it.
      setImmediate(drain);
    });
}
