/**
 * The bulk half of `audit verify`: whether a stretch of a hash chain is regular — each row's
 * seq one more than its predecessor's, its prev_hash its predecessor's hash, its hash its
 * content's — summed up as a count, the first and last link and the hashes at pinned seqs.
 * Stretches are checked separately (on SQLite in worker threads) and joined in order; any
 * irregular row makes the whole answer "not regular", and the verifier then reads the chain
 * row by row to say where and how it is broken. So this code only ever has to be right about
 * intact chains, and it can stop at the first doubt.
 */

/** A regular stretch of a chain in brief (see `AuditRepository.summarizeChain`). */
export interface ChainSummary {
  /** How many rows; 0 when there are none (then `first` and `last` are null). */
  readonly count: number;
  readonly first: { readonly seq: number; readonly prevHash: string } | null;
  readonly last: { readonly seq: number; readonly hash: string } | null;
  /** The stored hash of each asked-for seq that has a row. */
  readonly hashesAt: ReadonlyMap<number, string>;
}

/** What one stretch of rows looked like; plain data, so it crosses a worker boundary. */
export interface ChunkCheck {
  readonly regular: boolean;
  readonly count: number;
  readonly firstSeq: number;
  readonly firstPrevHash: unknown;
  readonly lastSeq: number;
  readonly lastHash: unknown;
  readonly hashesAt: readonly (readonly [number, string])[];
}

export interface ChunkColumns {
  readonly seq: number;
  readonly prevHash: number;
  readonly hash: number;
}

/** Checks rows given in seq order, one by one (PostgreSQL; SQLite sums rows up: `checkGroups`). */
export function checkChunk(
  rows: Iterable<readonly unknown[]>,
  columns: ChunkColumns,
  pinned: ReadonlySet<number>,
  intact: (row: readonly unknown[]) => boolean,
): ChunkCheck {
  let regular = true;
  let count = 0;
  let firstSeq = 0;
  let firstPrevHash: unknown = null;
  let lastSeq = 0;
  let lastHash: unknown = null;
  const hashesAt: [number, string][] = [];
  for (const row of rows) {
    const seq = row[columns.seq] as number;
    const hash = row[columns.hash];
    if (count === 0) {
      firstSeq = seq;
      firstPrevHash = row[columns.prevHash];
    } else if (seq !== lastSeq + 1 || row[columns.prevHash] !== lastHash) {
      regular = false;
    }
    if (!regular || typeof hash !== 'string' || !intact(row)) {
      regular = false;
      break; // closes the row iterator
    }
    if (pinned.has(seq)) hashesAt.push([seq, hash]);
    count++;
    lastSeq = seq;
    lastHash = hash;
  }
  return { regular, count, firstSeq, firstPrevHash, lastSeq, lastHash, hashesAt };
}

/**
 * A group of consecutive rows as SQLite sums it up (storage/sqlite-chain-sql.ts): how many, the
 * least seq, the seqs joined by commas, the stored hashes and prev_hashes back to back (as
 * bytes), and the texts to hash — prev_hash ‖ canonical JSON per row — separated by a 0x01
 * byte, which canonical JSON never holds (it escapes every control character).
 */
export type RowGroup = readonly [
  count: number,
  leastSeq: unknown,
  seqs: unknown,
  hashes: unknown,
  prevHashes: unknown,
  texts: unknown,
];

/**
 * `checkChunk` for groups of rows: the same verdict from one result row per group instead
 * of one per row. A group is regular when its seqs are consecutive in the order read, each
 * text hashes to the stored hash at its place and each prev_hash is the hash before it.
 * Stored hashes are compared as latin1 (one character per byte), so matching a hex digest
 * means every byte is that hex digit — the string the driver would read; the SQL gives a
 * row whose hash or prev_hash is not 64 bytes no text, so the places line up. Stops at the
 * first doubt.
 */
export function checkGroups(
  groups: Iterable<RowGroup>,
  pinned: ReadonlySet<number>,
  digest: (bytes: Uint8Array) => string,
): ChunkCheck {
  let count = 0;
  let firstSeq = 0;
  let firstPrevHash: unknown = null;
  let lastSeq = 0;
  let lastHash: unknown = null;
  const hashesAt: [number, string][] = [];
  const irregular = () => ({ regular: false, count, firstSeq, firstPrevHash, lastSeq, lastHash, hashesAt });
  for (const [n, first, seqs, hashBytes, prevBytes, texts] of groups) {
    if (n === 0) continue;
    if (
      typeof first !== 'number' ||
      !Number.isSafeInteger(first + n) ||
      typeof seqs !== 'string' ||
      !Buffer.isBuffer(hashBytes) ||
      !Buffer.isBuffer(prevBytes) ||
      !Buffer.isBuffer(texts)
    ) {
      return irregular();
    }
    // The seqs as read: first, first + 1, … in decimal, each as SQLite writes an integer.
    let expected = first;
    let value = 0;
    let digits = 0;
    for (let at = 0; at <= seqs.length; at++) {
      const code = at < seqs.length ? seqs.charCodeAt(at) : 44;
      if (code === 44) {
        if (digits === 0 || value !== expected++) return irregular();
        value = 0;
        digits = 0;
      } else if (code >= 48 && code <= 57 && !(digits === 1 && value === 0) && digits < 16) {
        value = value * 10 + code - 48;
        digits++;
      } else {
        return irregular();
      }
    }
    const hashes = hashBytes.toString('latin1');
    const prevHashes = prevBytes.toString('latin1');
    if (
      expected !== first + n ||
      hashes.length !== 64 * n ||
      prevHashes.length !== 64 * n ||
      prevHashes.slice(64) !== hashes.slice(0, -64) ||
      (count > 0 && (first !== lastSeq + 1 || prevHashes.slice(0, 64) !== lastHash))
    ) {
      return irregular();
    }
    let digests = '';
    let start = 0;
    for (let i = 0; i < n; i++) {
      // Exactly n texts: a row without one (see the SQL) leaves a separator short.
      const separator = texts.indexOf(1, start);
      if ((separator === -1) !== (i === n - 1)) return irregular();
      const end = separator === -1 ? texts.length : separator;
      digests += digest(new Uint8Array(texts.buffer, texts.byteOffset + start, end - start));
      start = end + 1;
    }
    if (digests !== hashes) return irregular();
    for (const seq of pinned) {
      if (seq >= first && seq < first + n)
        hashesAt.push([seq, hashes.slice(64 * (seq - first), 64 * (seq - first + 1))]);
    }
    if (count === 0) {
      firstSeq = first;
      firstPrevHash = prevHashes.slice(0, 64);
    }
    count += n;
    lastSeq = first + n - 1;
    lastHash = hashes.slice(-64);
  }
  return { regular: true, count, firstSeq, firstPrevHash, lastSeq, lastHash, hashesAt };
}

/**
 * The groups of rows lo < x ≤ hi, `groupRows` at a time (the last group may be larger than
 * a step when `groupRows` is the whole range).
 */
export function* chainGroups(
  group: (lo: number, hi: number) => RowGroup,
  lo: number,
  hi: number,
  groupRows: number,
): Generator<RowGroup> {
  for (let at = lo; at < hi; at += groupRows) yield group(at, Math.min(hi, at + groupRows));
}

/**
 * Whether the ranges after this one are worth checking: not after an irregular one, nor
 * after an empty one (its rows are missing).
 */
export const goOn = (check: ChunkCheck): boolean => check.regular && check.count > 0;

/**
 * Joins checked stretches in seq order: each must be regular, non-empty (an empty stretch
 * inside a chain is missing rows) and link to the one before.
 */
export function createChainJoin() {
  let broken = false;
  let count = 0;
  let first: { seq: number; prevHash: string } | null = null;
  let last: { seq: number; hash: string } | null = null;
  const hashesAt = new Map<number, string>();
  return {
    /** Adds the next stretch; false once the chain is known not to be regular. */
    add(chunk: ChunkCheck, mayBeEmpty = false): boolean {
      if (broken) return false;
      if (!chunk.regular || (chunk.count === 0 && !mayBeEmpty)) broken = true;
      if (broken || chunk.count === 0) return !broken;
      const linked = last
        ? chunk.firstSeq === last.seq + 1 && chunk.firstPrevHash === last.hash
        : typeof chunk.firstPrevHash === 'string';
      if (!linked) {
        broken = true;
        return false;
      }
      first ??= { seq: chunk.firstSeq, prevHash: chunk.firstPrevHash as string };
      last = { seq: chunk.lastSeq, hash: chunk.lastHash as string };
      count += chunk.count;
      for (const [seq, hash] of chunk.hashesAt) hashesAt.set(seq, hash);
      return true;
    },
    result(): ChainSummary | null {
      return broken ? null : { count, first, last, hashesAt };
    },
  };
}
