/**
 * The SQL of the bulk chain check on SQLite (sqlite-chain-check.ts runs it). SQLite writes
 * each row's canonical JSON itself — `json_object` over the columns in canonical key order
 * writes text, null and safe integers exactly as `JSON.stringify` does (a unit test holds it
 * to that over every code point) — and sums a group of rows up in one result row
 * (`RowGroup`, chain-check.ts), so the driver builds no array and no strings per row.
 */
import type SQLite from 'better-sqlite3';
import { CHAIN_HASH, CHAIN_SCAN_COLUMNS, GLOBAL_CHAIN } from './audit-chain.js';

const SAFE = '9007199254740991';
const CONTENT = CHAIN_SCAN_COLUMNS.slice(0, CHAIN_HASH);

/** A chain's rows: `?` the chain, `?` its workspace id (null for `*`). */
export const CHAIN_WHERE = `coalesce(workspace_id, '${GLOBAL_CHAIN}') = ? and workspace_id is ?`;
const EDGE_WHERE = `coalesce(workspace_id, '${GLOBAL_CHAIN}') = @chain and workspace_id is @workspace and seq > @after`;

/**
 * prev_hash ‖ canonical JSON of a row, or null where SQLite's text could differ from the
 * text the JavaScript rule (`chainValuesHash` over the row as better-sqlite3 reads it)
 * hashes. SECURITY: the bulk check may call a row intact only when the JavaScript rule
 * would, and whoever can write the table can also store a hash of SQLite's text — so every
 * case where the two texts differ must get no text, not just cases that could match the
 * originally hashed one:
 * - a blob (in any column): the driver reads a Buffer, which `JSON.stringify` writes as
 *   `{"type":"Buffer",…}`, while `json_object` fails on it or, if it is valid JSONB, writes
 *   the JSON inside — the original text, say. `c >= x''` is true exactly for blobs (blobs
 *   sort after every other value) and, unlike `typeof(c)`, costs no function call;
 * - a real: `json_object` always writes a decimal point (`5.0`, `1.0e+21`, `0.0` for -0),
 *   JavaScript does not (`5`, `1e+21`, `0`);
 * - an integer past ±(2^53 − 1): SQLite writes it exactly, the driver rounds it.
 * A column of TEXT affinity holds no numbers (SQLite stores numbers given to it as text), so
 * it needs only the blob test; which columns those are is read from the table as declared.
 * `hash` and `prev_hash` must be 64 bytes, so that the hashes of a group, back to back, line
 * up with its rows (`checkGroups`), and `hash` no blob (the driver would read a Buffer).
 */
export function chainTextSql(connection: SQLite.Database): string {
  const declared = new Map(
    (connection.pragma('table_info(audit_events)') as { name: string; type: string }[]).map((c) => [
      c.name,
      c.type,
    ]),
  );
  // SQLite's affinity rules (https://sqlite.org/datatype3.html#determination_of_column_affinity).
  const textAffinity = (type: string) => !/INT/i.test(type) && /CHAR|CLOB|TEXT/i.test(type);
  const unwritable = CONTENT.map((c) =>
    textAffinity(declared.get(c) ?? '')
      ? `${c} >= x''`
      : `typeof(${c}) in ('real', 'blob') or (typeof(${c}) = 'integer' and ${c} not between -${SAFE} and ${SAFE})`,
  );
  unwritable.push(`hash >= x''`, 'octet_length(hash) != 64', 'octet_length(prev_hash) != 64');
  return `case when ${unwritable.join(' or ')} then null
    else prev_hash || json_object(${CONTENT.map((c) => `'${c}', ${c}`).join(', ')}) end`;
}

/**
 * One `RowGroup`: the rows of the chain `?` (workspace id `?`) with max(`?`, `?`) < seq ≤ `?`,
 * along the chain index. The order the rows come in is not trusted: `checkGroups` checks
 * the seqs as read.
 */
export function chainGroupSql(connection: SQLite.Database): string {
  return `select count(*), min(seq), group_concat(seq),
      cast(group_concat(hash, '') as blob), cast(group_concat(prev_hash, '') as blob),
      cast(group_concat(text, char(1)) as blob)
    from (select seq, hash, prev_hash, ${chainTextSql(connection)} as text
      from audit_events where ${CHAIN_WHERE} and seq > max(?, ?) and seq <= ?)`;
}

/** The first and the last seq of a chain after seq @after, in one snapshot. */
export const CHAIN_EDGES_SQL = `select
    (select seq from audit_events where ${EDGE_WHERE} order by seq limit 1),
    (select seq from audit_events where ${EDGE_WHERE} order by seq desc limit 1)`;
