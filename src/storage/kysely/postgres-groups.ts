/**
 * PostgreSQL: write transactions that would queue on the same lock anyway share one database
 * transaction. A credential's writes take its budget lock first and hold it to their commit,
 * so on any number of connections they run one at a time, each paying its own BEGIN, its own
 * COMMIT and a pool connection that sits blocked on the lock. Transactions given the same
 * `group` key (ports.ts) instead queue in this process: the first runs at once, and those that
 * arrive while it runs form the next group — one transaction, each in its own savepoint, run
 * one after the other, a failed one rolled back to its savepoint alone, and one COMMIT. Every
 * caller's promise settles only after that commit returned: nothing is reported done before
 * it is durable. If the group itself fails (its commit, a lost connection, a rollback
 * PostgreSQL refused), every transaction in it fails with it: none of them was stored.
 *
 * SECURITY (availability): a group never waits for long while it holds anything. Each write
 * alone takes its rows in one order (tasks by id) and its chain's head last, so it never waits
 * for a row while holding the head. A group holds every member's rows, and the head from its
 * first event on, to its commit: its next member taking rows in the order of its own call
 * could close a cycle with another group or with a write that is not grouped (a person's edit
 * in the console), which PostgreSQL would break only after `deadlock_timeout` by failing
 * either side. So every member after the first waits for a lock at most `lock_timeout`, set
 * well below `deadlock_timeout`: if it would wait longer it is rolled back to its savepoint,
 * having changed nothing, the group commits what it has, which lets the other side go on, and
 * that member leads the next group, where it waits like a write that runs alone.
 * (docs/storage.md, "PostgreSQL write groups"; docs/benchmarks.md, sessions 20 and 25.)
 *
 * Other instances' transactions of the same key still queue on the lock in PostgreSQL, as
 * before; a group is only this process's share of that queue.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { ChainHead } from '../checkpoint-ports.js';
import type { Database } from '../schema.js';
import type { WriterState } from '../write-usage-ports.js';
import type { HeadHints } from './audit-known-head.js';
import { answerCommitted, answerFailed, type Caller, type Outcome } from './group-outcomes.js';

/**
 * Upper bound on transactions per group. Savepoints are not released (a round trip each), so
 * each member is an open subtransaction: PostgreSQL caches 64 per backend before every
 * snapshot in the cluster gets slower (`PGPROC_MAX_CACHED_SUBXIDS`).
 */
export const MAX_PG_GROUP = 32;

/**
 * What a group's transaction has done so far that its members' repositories use (store.ts):
 * the audit heads its events moved, the chains whose head it found moved by someone else, and
 * the credentials whose write locks it holds, with what was read under them (`lockForWrite`)
 * — taken by an earlier member that was not rolled back, so a later one need not ask
 * PostgreSQL again. A member rolled back to its savepoint takes its own entries out of
 * `moved` and `locked`.
 */
export interface GroupScope {
  readonly moved: ChainHead[];
  readonly stale: Set<string>;
  readonly locked: Map<string, WriterState>;
}

export const newScope = (): GroupScope => ({ moved: [], stale: new Set(), locked: new Map() });

export type GroupWork<T> = (trx: Transaction<Database>, scope: GroupScope) => Promise<T>;

interface Queued extends Caller {
  readonly work: GroupWork<unknown>;
}

/**
 * The longest a member after the first waits for a lock: 50 ms, or a quarter of the server's
 * `deadlock_timeout` if that is shorter, so that the group always gives way before PostgreSQL
 * picks a deadlock's victim. Sent with the second member's savepoint, in one round trip.
 */
const BOUND_LOCK_WAITS = sql.raw(`select set_config('lock_timeout', greatest(1, least(50,
    (select setting::int from pg_settings where name = 'deadlock_timeout') / 4))::text, true);
  savepoint tg_group`);
const SAVEPOINT = sql.raw('savepoint tg_group');

/** PostgreSQL's `lock_not_available`: a lock not granted within `lock_timeout`. */
const isLockTimeout = (error: unknown): boolean =>
  error instanceof Error &&
  ((error as { code?: unknown }).code === '55P03' || (error.cause !== error && isLockTimeout(error.cause)));

export function createKeyedGroups(db: Kysely<Database>, hints: HeadHints) {
  const queues = new Map<string, Queued[]>();

  /** Runs `group` in one transaction; returns the members it gave way with, to run next. */
  async function runGroup(group: readonly Queued[]): Promise<Queued[]> {
    const settled = new Map<Queued, Outcome>();
    let rest: Queued[] = [];
    const scope = newScope();
    const { moved, locked } = scope;
    try {
      await db.transaction().execute(async (trx) => {
        const [only] = group;
        if (group.length === 1 && only) {
          // Alone, a failure rolls the whole transaction back: no savepoint needed.
          settled.set(only, { ok: true, value: await only.work(trx, scope) });
          return;
        }
        for (const [i, q] of group.entries()) {
          const mark = moved.length;
          const before = new Map(locked);
          // Never released (a round trip saved): each member's savepoint nests in the last one.
          await (i === 1 ? BOUND_LOCK_WAITS : SAVEPOINT).execute(trx);
          try {
            settled.set(q, { ok: true, value: await q.work(trx, scope) });
          } catch (error) {
            // Rolling back to the savepoint undoes its events and releases the locks it took.
            moved.length = mark;
            locked.clear();
            for (const [name, state] of before) locked.set(name, state);
            await sql`rollback to savepoint tg_group`.execute(trx);
            if (i > 0 && isLockTimeout(error)) {
              rest = group.slice(i);
              return;
            }
            settled.set(q, { ok: false, error });
          }
        }
      });
    } catch (error) {
      answerFailed(group, settled, error);
      return [];
    }
    // Only once committed: a rolled-back event moved no head.
    for (const head of moved) hints.committed(head);
    // Those it gave way with have no outcome yet: they run in the next group.
    answerCommitted(settled);
    return rest;
  }

  async function drain(key: string, queue: Queued[]) {
    // Whatever queued while a group ran forms the next one, after those it gave way with.
    while (queue.length > 0) queue.unshift(...(await runGroup(queue.splice(0, MAX_PG_GROUP))));
    queues.delete(key);
  }

  /** `work` in the next group of `key`. */
  return <T>(key: string, work: GroupWork<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const entry: Queued = { work, resolve: resolve as (value: unknown) => void, reject };
      const queue = queues.get(key);
      if (queue) {
        queue.push(entry);
        return;
      }
      const fresh = [entry];
      queues.set(key, fresh);
      void drain(key, fresh);
    });
}
