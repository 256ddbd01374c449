/**
 * The SQL of the bulk chain check on SQLite (sqlite-chain-check.ts runs it). A row stores
 * the text its hash covers (`body`, migration 0010), so SQLite only hands the bytes over,
 * and it sums a group of rows up in one result row (`RowGroup`, src/chain/check.ts), so the
 * driver builds no array and no strings per row. No rule is restated here: the hash and the
 * links are checked by src/chain/, and sqlite-chain-check.test.ts proves the bytes handed
 * over are exactly those `scannedRowIntact` hashes, intact or tampered.
 */
import { GLOBAL_CHAIN } from '../chain/index.js';

/** A chain's rows: `?` the chain, `?` its workspace id (null for `*`). */
export const CHAIN_WHERE = `coalesce(workspace_id, '${GLOBAL_CHAIN}') = ? and workspace_id is ?`;
const EDGE_WHERE = `coalesce(workspace_id, '${GLOBAL_CHAIN}') = @chain and workspace_id is @workspace and seq > @after`;

/**
 * The bytes a row's hash covers — `prev_hash ‖ body` (migration 0010) — or null where the
 * JavaScript rule (`scannedRowIntact` over the row as better-sqlite3 reads it) would not call
 * the row intact. SECURITY: the bulk check may call a row intact only when that rule would:
 * - a blob in `body`, `prev_hash` or `hash`: the driver reads a Buffer, not the text the hash
 *   covers (and the columns read out of a blob `body` are no JSON). `c >= x''` is true
 *   exactly for blobs (blobs sort after every other value) and costs no function call;
 * - `hash` and `prev_hash` must be 64 bytes, so that the hashes of a group, back to back,
 *   line up with its rows (`checkGroups`).
 */
export const CHAIN_TEXT_SQL = `case when body >= x'' or prev_hash >= x'' or hash >= x''
    or octet_length(hash) != 64 or octet_length(prev_hash) != 64 then null
    else prev_hash || body end`;

/** What a chain scan adds to a row's values for `scannedRowIntact`: the hashed bytes. */
export const CHAIN_HASHED_SQL = `case when typeof(body) = 'text' and typeof(prev_hash) = 'text'
    then cast(prev_hash || body as blob) end`;

/**
 * One `RowGroup`: the rows of the chain `?` (workspace id `?`) with max(`?`, `?`) < seq ≤ `?`,
 * along the chain index. The order the rows come in is not trusted: `checkGroups` checks
 * the seqs as read.
 */
export const CHAIN_GROUP_SQL = `select count(*), min(seq), group_concat(seq),
      cast(group_concat(hash, '') as blob), cast(group_concat(prev_hash, '') as blob),
      cast(group_concat(text, char(1)) as blob)
    from (select seq, hash, prev_hash, ${CHAIN_TEXT_SQL} as text
      from audit_events where ${CHAIN_WHERE} and seq > max(?, ?) and seq <= ?)`;

/** The first and the last seq of a chain after seq @after, in one snapshot. */
export const CHAIN_EDGES_SQL = `select
    (select seq from audit_events where ${EDGE_WHERE} order by seq limit 1),
    (select seq from audit_events where ${EDGE_WHERE} order by seq desc limit 1)`;
