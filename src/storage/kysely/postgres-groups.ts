/**
 * PostgreSQL: write transactions that would queue on the same lock anyway share one database
 * transaction. A credential's writes take its budget lock first and hold it to their commit,
 * so on any number of connections they run one at a time, each paying its own BEGIN, its own
 * COMMIT (a WAL flush) and a pool connection that sits blocked on the lock. Transactions given
 * the same `group` key (ports.ts) instead queue in this process: the first runs at once, and
 * those that arrive while it runs form the next group — one transaction, each in its own
 * savepoint, run one after the other, a failed one rolled back to its savepoint alone, and one
 * COMMIT. Every caller's promise settles only after that commit returned: nothing is reported
 * done before it is durable. If the group itself fails (its commit, a lost connection, a
 * rollback PostgreSQL refused), every transaction in it fails with it: none of them was stored.
 *
 * Other instances' transactions of the same key still queue on the lock in PostgreSQL, as
 * before; a group is only this process's share of that queue.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { ChainHead } from '../checkpoint-ports.js';
import type { Database } from '../schema.js';
import { lockHeads } from './audit-batch.js';
import type { HeadHints } from './audit-known-head.js';

/**
 * Upper bound on transactions per group. Savepoints are not released (a round trip each), so
 * each member is an open subtransaction: PostgreSQL caches 64 per backend before every
 * snapshot in the cluster gets slower (`PGPROC_MAX_CACHED_SUBXIDS`).
 */
export const MAX_PG_GROUP = 32;

/**
 * What a group's transaction has done so far that its members' repositories use (store.ts):
 * the audit heads its events moved, and the credentials whose budget lock it holds — taken by
 * an earlier member that was not rolled back, so a later one need not ask PostgreSQL again.
 * A member rolled back to its savepoint takes its own entries out of both.
 */
export interface GroupScope {
  readonly moved: ChainHead[];
  readonly locked: Set<string>;
}

export type GroupWork<T> = (trx: Transaction<Database>, scope: GroupScope) => Promise<T>;

interface Queued {
  readonly work: GroupWork<unknown>;
  /** Times this write was chosen as a deadlock's victim and queued again. */
  retries: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Settled =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

/**
 * How often a write chosen as a deadlock's victim runs again. With the head taken first, two
 * groups never deadlock; a write that is not grouped (a person's edit in the console or the
 * CLI) still locks its rows before the head, and when it holds a row a group waits for,
 * PostgreSQL ends the cycle after `deadlock_timeout` by failing one of them. A grouped write
 * failed that way changed nothing (rolled back to its savepoint, or with its transaction), so
 * it runs again, after the group it was in.
 */
const DEADLOCK_RETRIES = 3;

const isDeadlock = (error: unknown): boolean =>
  error instanceof Error &&
  ((error as { code?: unknown }).code === '40P01' || (error.cause !== error && isDeadlock(error.cause)));

export function createKeyedGroups(db: Kysely<Database>, hints: HeadHints) {
  const queues = new Map<string, Queued[]>();
  const again = (q: Queued, error: unknown) => isDeadlock(error) && q.retries++ < DEADLOCK_RETRIES;

  /** Runs `group` in one transaction; returns the writes to run again (deadlock victims). */
  async function runGroup(chain: string, group: readonly Queued[]): Promise<Queued[]> {
    const settled = new Map<Queued, Settled>();
    const retry: Queued[] = [];
    const scope: GroupScope = { moved: [], locked: new Set() };
    const { moved, locked } = scope;
    try {
      await db.transaction().execute(async (trx) => {
        // SECURITY (availability): the chain's head first, before any row. Each write locks
        // its rows in its own order and the head last; a group holds every member's rows to
        // its commit, so two groups taking rows in opposite orders would deadlock. Taken
        // first, the head makes the workspace's groups run one after another; the head read
        // here is where the first member's event goes (one statement, store.ts).
        const head = (await lockHeads(trx, [chain])).get(chain);
        if (head) moved.push({ chain, ...head });
        const [only] = group;
        if (group.length === 1 && only) {
          // Alone, a failure rolls the whole transaction back: no savepoint needed.
          settled.set(only, { ok: true, value: await only.work(trx, scope) });
          return;
        }
        for (const q of group) {
          const mark = moved.length;
          const before = [...locked];
          // Never released (a round trip saved): each member's savepoint nests in the last one.
          await sql`savepoint tg_group`.execute(trx);
          try {
            settled.set(q, { ok: true, value: await q.work(trx, scope) });
          } catch (error) {
            if (again(q, error)) retry.push(q);
            else settled.set(q, { ok: false, error });
            // Rolling back to the savepoint undoes its events and releases the locks it took.
            moved.length = mark;
            locked.clear();
            for (const name of before) locked.add(name);
            await sql`rollback to savepoint tg_group`.execute(trx);
          }
        }
      });
    } catch (error) {
      const [only] = group;
      if (group.length === 1 && only && !settled.has(only) && again(only, error)) return [only];
      for (const q of group) {
        const own = settled.get(q);
        q.reject(own && !own.ok ? own.error : error);
      }
      return [];
    }
    // Only once committed: a rolled-back event moved no head.
    for (const head of moved) hints.committed(head);
    for (const [q, own] of settled) {
      if (own.ok) q.resolve(own.value);
      else q.reject(own.error);
    }
    return retry;
  }

  async function drain(key: string, chain: string, queue: Queued[]) {
    // Whatever queued while a group ran forms the next one.
    while (queue.length > 0) queue.unshift(...(await runGroup(chain, queue.splice(0, MAX_PG_GROUP))));
    queues.delete(key);
  }

  /** `work` in the next group of `key`, whose writes all record their events on `chain`. */
  return <T>(key: string, chain: string, work: GroupWork<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const entry = { work, retries: 0, resolve: resolve as (value: unknown) => void, reject };
      const queue = queues.get(key);
      if (queue) {
        queue.push(entry);
        return;
      }
      const fresh = [entry];
      queues.set(key, fresh);
      void drain(key, chain, fresh);
    });
}
