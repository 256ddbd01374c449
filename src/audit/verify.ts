/**
 * `audit verify`: recomputes every chain from the stored rows and checks every checkpoint.
 * It names the first bad sequence number of a chain and the kind of damage:
 * - `modified`: a row's content no longer matches its hash (or a checkpoint's hash);
 * - `missing`: a sequence number is absent (a row was deleted);
 * - `reordered`: a row links to a row that is not its predecessor (rows were swapped);
 * - `truncated`: rows after a checkpoint (or after the recorded head) are gone;
 * - `bad_signature`: a checkpoint's signature does not verify with the audit key.
 * Pruned chains start right after a checkpoint, which anchors their first row.
 */
import {
  type AuditCheckpoint,
  type ChainedRow,
  createFastEventHash,
  GENESIS_HASH,
  type Store,
} from '../storage/index.js';
import type { AuditSigner } from './signer.js';

export const DAMAGE_KINDS = ['modified', 'missing', 'reordered', 'truncated', 'bad_signature'] as const;
export type Damage = (typeof DAMAGE_KINDS)[number];

export interface ChainProblem {
  readonly chain: string;
  readonly seq: number;
  readonly kind: Damage;
  readonly detail: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly chains: number;
  readonly events: number;
  readonly checkpoints: number;
  /** The first problem of each damaged chain. */
  readonly problems: readonly ChainProblem[];
}

const PAGE = 5000;

export async function verifyAudit(
  store: Store,
  signer: AuditSigner,
  options: { chain?: string } = {},
): Promise<VerifyReport> {
  const heads = await store.audit.heads(options.chain);
  const allCheckpoints = await store.audit.checkpoints(options.chain);
  const chains = [...new Set([...heads.map((h) => h.chain), ...allCheckpoints.map((c) => c.chain)])].sort();
  const problems: ChainProblem[] = [];
  let events = 0;
  for (const chain of chains) {
    const checkpoints = allCheckpoints.filter((c) => c.chain === chain);
    const head = heads.find((h) => h.chain === chain);
    const result = await verifyChain(store, signer, chain, checkpoints, head?.seq ?? 0);
    events += result.events;
    if (result.problem) problems.push(result.problem);
  }
  return {
    ok: problems.length === 0,
    chains: chains.length,
    events,
    checkpoints: allCheckpoints.length,
    problems,
  };
}

async function verifyChain(
  store: Store,
  signer: AuditSigner,
  chain: string,
  checkpoints: readonly AuditCheckpoint[],
  headSeq: number,
): Promise<{ events: number; problem: ChainProblem | null }> {
  const hashOf = createFastEventHash();
  const found: ChainProblem[] = [];
  const problem = (seq: number, kind: Damage, detail: string) => found.push({ chain, seq, kind, detail });
  const pinned = new Map(checkpoints.map((c) => [c.seq, c]));
  const storedAt = new Map<number, string>();

  for (const cp of checkpoints) {
    if (!signer.verify(cp, cp.keyId, cp.signature)) {
      problem(cp.seq, 'bad_signature', `checkpoint at ${cp.seq} is not signed by audit key ${signer.keyId}`);
    }
  }

  let events = 0;
  let expectedSeq: number | null = null;
  let prevHash = GENESIS_HASH;
  let lastSeq = 0;
  let after = 0;
  for (;;) {
    const rows: ChainedRow[] = await store.audit.chainRows(chain, after, PAGE);
    if (!rows.length) break;
    const storedHashes = new Set(rows.map((r) => r.hash));
    for (const row of rows) {
      events++;
      if (expectedSeq === null) {
        // A pruned chain starts after a checkpoint whose hash is its first row's prev_hash.
        const anchor = pinned.get(row.seq - 1);
        expectedSeq = anchor ? row.seq : 1;
        prevHash = anchor ? anchor.hash : GENESIS_HASH;
      }
      if (row.seq > expectedSeq) {
        problem(expectedSeq, 'missing', `events ${expectedSeq}…${row.seq - 1} are missing`);
        expectedSeq = row.seq;
        prevHash = row.prev_hash;
      }
      const { hash, ...content } = row;
      const intact = hashOf(content) === hash;
      if (row.prev_hash !== prevHash) {
        const swapped = storedHashes.has(row.prev_hash);
        problem(
          row.seq,
          swapped ? 'reordered' : intact ? 'missing' : 'modified',
          swapped
            ? `event ${row.seq} links to an event that is not its predecessor`
            : `event ${row.seq} does not link to event ${row.seq - 1}`,
        );
      } else if (!intact) {
        problem(row.seq, 'modified', `event ${row.seq} does not match its hash`);
      }
      if (pinned.has(row.seq)) storedAt.set(row.seq, hash);
      prevHash = hash;
      lastSeq = row.seq;
      expectedSeq = row.seq + 1;
    }
    after = rows[rows.length - 1]!.seq;
  }

  const lastPinned = Math.max(0, ...checkpoints.map((c) => c.seq));
  if (lastPinned > lastSeq) {
    problem(
      lastSeq + 1,
      'truncated',
      `events after ${lastSeq} are gone, but a checkpoint pins event ${lastPinned}`,
    );
  } else if (headSeq > lastSeq) {
    problem(lastSeq + 1, 'truncated', `events after ${lastSeq} are gone; the chain head is at ${headSeq}`);
  }
  for (const cp of checkpoints) {
    const stored = storedAt.get(cp.seq);
    if (stored !== undefined && stored !== cp.hash) {
      problem(cp.seq, 'modified', `event ${cp.seq} is not the event its checkpoint signed`);
    }
  }
  found.sort((a, b) => a.seq - b.seq);
  return { events, problem: found[0] ?? null };
}
