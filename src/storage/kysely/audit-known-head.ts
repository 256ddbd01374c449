/**
 * The group commit's common case on PostgreSQL in one statement: a batch of one chain whose
 * head this process saw committed. The head moves only if it is still there (compare-and-set
 * on its seq and hash), and the rows go in only if it moved — one autocommitted statement
 * where the locked path (audit-batch.ts) sends BEGIN, a locked read, the insert and COMMIT.
 *
 * SECURITY: the head row stays the chain's lock. The UPDATE waits for any writer holding it
 * and, once that one commits, re-reads the row (READ COMMITTED): if the head moved, nothing
 * matches, nothing is inserted, and the caller takes the locked path. A known head is a
 * guess that saves round trips; the database decides where rows go.
 */
import { type Kysely, sql } from 'kysely';
import { AUDIT_COLUMNS, type ChainedRow, chainEntry, chainOf } from '../../chain/index.js';
import type { AuditEvent } from '../../model/index.js';
import type { ChainHead } from '../checkpoint-ports.js';
import type { Database } from '../schema.js';
import { toAuditRow } from './audit.js';
import { precompiled } from './precompiled.js';

/** How long a chain another writer just moved goes the locked way (a miss costs a statement). */
const CONTENDED_MS = 1000;

export type Head = { readonly seq: number; readonly hash: string };

/** The newest head this process saw committed, per chain. */
export interface HeadHints {
  known(chain: string): Head | undefined;
  /** A head this process committed (a batch, or an event recorded in a transaction). */
  committed(head: ChainHead): void;
  /** The compare-and-set found the head moved by another writer. */
  missed(chain: string): void;
}

export function createHeadHints(now: () => number = Date.now, maxChains = 10_000): HeadHints {
  const heads = new Map<string, Head>();
  const contended = new Map<string, number>();
  return {
    known(chain) {
      const until = contended.get(chain);
      if (until !== undefined) {
        if (now() < until) return undefined;
        contended.delete(chain);
      }
      return heads.get(chain);
    },
    committed({ chain, seq, hash }) {
      // Commits of one process finish in any order: the highest seq is the newest head.
      const seen = heads.get(chain);
      if (seen && seen.seq >= seq) return;
      if (!seen && heads.size >= maxChains) heads.clear();
      heads.set(chain, { seq, hash });
    },
    missed(chain) {
      heads.delete(chain);
      if (contended.size >= maxChains) contended.clear();
      contended.set(chain, now() + CONTENDED_MS);
    },
  };
}

const COLUMNS = sql.join(AUDIT_COLUMNS.map((column) => sql.ref(column)));
const HEADS = sql.table('audit_heads');
const EVENTS = sql.table('audit_events');

/** The head a move leaves (`seq`, `hash`), its chain, the head it must find, and the rows. */
type HeadMove = [seq: number, hash: string, chain: string, was: number, wasHash: string, rows: string];

/**
 * Two data-modifying WITH queries for a statement: `moved` moves `chain`'s head from
 * (`was`, `wasHash`) to (`seq`, `hash`) only if it is still there, and `rows` go in only if it
 * moved. The rows travel as one JSON parameter, typed by the table's own row type, so the text
 * is the same for any number of them.
 */
const moveHeadAndAppend = (...[seq, hash, chain, was, wasHash, rows]: HeadMove) => sql`moved as (
    update ${HEADS} set seq = ${seq}, hash = ${hash}
    where chain = ${chain} and seq = ${was} and hash = ${wasHash}
    returning chain
  ), appended as (
    insert into ${EVENTS} (${COLUMNS})
    select ${COLUMNS} from json_populate_recordset(null::${EVENTS}, ${rows}::json)
    where exists (select 1 from moved)
  )`;

/** Whether the head moved, so the rows went in: for the statement holding `moveHeadAndAppend`. */
const PLACED = sql<boolean>`exists (select 1 from moved)`;

/** Prepared once per connection and never rebuilt: the group commit's batch of one chain. */
const insertIfHeadMoves = precompiled(6, (db: Kysely<Database>, ...move: HeadMove) => ({
  compile: () =>
    sql<{ placed: boolean }>`with ${moveHeadAndAppend(...move)}
      select ${PLACED} as placed`.compile(db),
}));

/**
 * `events` (all of `chain`) chained after `head`, in order: the WITH queries that append them
 * if `head` is still the chain's head, for a statement to return `placedIf` of (false if
 * another writer moved it); the same as a statement of its own; and where each one lands.
 */
export function appendAfterHead(chain: string, head: Head, events: readonly AuditEvent[]) {
  const rows: ChainedRow[] = [];
  let last = head;
  for (const event of events) {
    if (chainOf(event.workspaceId) !== chain)
      throw new Error(`event of chain ${chainOf(event.workspaceId)} in a batch of ${chain}`);
    const { row } = chainEntry(toAuditRow(event), last);
    rows.push(row);
    last = { seq: row.seq, hash: row.hash };
  }
  const move: HeadMove = [last.seq, last.hash, chain, head.seq, head.hash, JSON.stringify(rows)];
  return {
    ctes: moveHeadAndAppend(...move),
    placedIf: PLACED,
    compiled: (db: Kysely<Database>) => insertIfHeadMoves(db, ...move),
    placed: rows.map((row): ChainHead => ({ chain, seq: row.seq, hash: row.hash })),
  };
}

/**
 * Appends `events` (all of `chain`) after `head`, in order, if `head` is still the chain's
 * head; returns where each landed, or `undefined` (nothing written) if another writer moved it.
 */
export async function appendAfterKnownHead(
  db: Kysely<Database>,
  chain: string,
  head: Head,
  events: readonly AuditEvent[],
): Promise<ChainHead[] | undefined> {
  const append = appendAfterHead(chain, head, events);
  const { rows } = await db.executeQuery(append.compiled(db));
  // One statement: every row went in with the head, or none did.
  return rows[0]?.placed ? append.placed : undefined;
}
