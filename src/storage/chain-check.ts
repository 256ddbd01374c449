/**
 * The bulk half of `audit verify`: whether a stretch of a hash chain is regular — each row's
 * seq one more than its predecessor's, its prev_hash its predecessor's hash, its hash its
 * content's — summed up as a count, the first and last link and the hashes at pinned seqs.
 * Stretches are checked separately (on SQLite in worker threads) and joined in order; any
 * irregular row makes the whole answer "not regular", and the verifier then reads the chain
 * row by row to say where and how it is broken. So this code only ever has to be right about
 * intact chains, and it can stop at the first doubt.
 */
import type { ChainSummary } from './ports.js';

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

/**
 * Checks rows given in seq order. Self-contained (no outside names): worker threads run it
 * from its source text.
 */
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
