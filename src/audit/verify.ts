/**
 * `audit verify`: recomputes every chain from the stored rows and checks every checkpoint.
 * It names the first bad sequence number of a chain and the kind of damage:
 * - `modified`: a row's content no longer matches its hash (or a checkpoint's hash);
 * - `missing`: a sequence number is absent (a row was deleted);
 * - `reordered`: a row links to a row that is not its predecessor (rows were swapped);
 * - `truncated`: rows after a checkpoint (or after the recorded head) are gone;
 * - `bad_signature`: a checkpoint's signature does not verify with the audit key.
 * Pruned chains start right after a checkpoint, which anchors their first row.
 * An intact chain is confirmed in bulk by storage (`summarizeChain`: on SQLite in SQL and
 * worker threads); only a chain that is not gets read row by row here to name the damage.
 */
import {
  type AuditCheckpoint,
  CHAIN_HASH,
  CHAIN_PREV_HASH,
  CHAIN_SEQ,
  GENESIS_HASH,
  type Store,
  scannedRowIntact,
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

/** The `chain` of a problem with the audit table itself rather than with one chain. */
export const AUDIT_TABLE = 'audit_events';
const PAGE = 5000;
const SIGNATURES_PER_TURN = 50;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function verifyAudit(
  store: Store,
  signer: AuditSigner,
  options: { chain?: string } = {},
): Promise<VerifyReport> {
  const heads = await store.audit.heads(options.chain);
  const allCheckpoints = await store.audit.checkpoints(options.chain);
  const chains = [...new Set([...heads.map((h) => h.chain), ...allCheckpoints.map((c) => c.chain)])].sort();
  const problems: ChainProblem[] = [];
  const tableDamage = await store.audit.tableDamage();
  if (tableDamage) problems.push({ chain: AUDIT_TABLE, seq: 0, kind: 'modified', detail: tableDamage });
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
  const found: ChainProblem[] = [];
  const problem = (seq: number, kind: Damage, detail: string) => found.push({ chain, seq, kind, detail });
  const pinned = new Map(checkpoints.map((c) => [c.seq, c]));
  // The bulk check runs (in worker threads on SQLite) while the signatures are checked here.
  const regular = regularRows(store, chain, pinned);

  for (const [i, cp] of checkpoints.entries()) {
    // A few at a time: the bulk check's workers need this thread to hand them their work.
    if (i % SIGNATURES_PER_TURN === 0) await nextTurn();
    if (!signer.verify(cp, cp.keyId, cp.signature)) {
      problem(cp.seq, 'bad_signature', `checkpoint at ${cp.seq} is not signed by audit key ${signer.keyId}`);
    }
  }

  const { events, lastSeq, storedAt } = (await regular) ?? (await checkRows(store, chain, pinned, problem));

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

interface RowsSeen {
  readonly events: number;
  readonly lastSeq: number;
  /** The stored hash of each row a checkpoint pins. */
  readonly storedAt: ReadonlyMap<number, string>;
}

/**
 * The fast answer for an intact chain: storage checks every link and hash in bulk. Null when
 * anything is off (then `checkRows` finds what and where), so it never has to name damage.
 */
async function regularRows(
  store: Store,
  chain: string,
  pinned: ReadonlyMap<number, AuditCheckpoint>,
): Promise<RowsSeen | null> {
  const summary = await store.audit.summarizeChain(chain, 0, [...pinned.keys()]);
  if (!summary) return null;
  if (!summary.first || !summary.last) return { events: 0, lastSeq: 0, storedAt: new Map() };
  // Where `checkRows` would start: after an anchoring checkpoint (pruned), else at 1 from genesis.
  const anchor = pinned.get(summary.first.seq - 1);
  const starts = anchor
    ? summary.first.prevHash === anchor.hash
    : summary.first.seq === 1 && summary.first.prevHash === GENESIS_HASH;
  return starts ? { events: summary.count, lastSeq: summary.last.seq, storedAt: summary.hashesAt } : null;
}

/** Row by row: names the first bad sequence number and the kind of damage. */
async function checkRows(
  store: Store,
  chain: string,
  pinned: ReadonlyMap<number, AuditCheckpoint>,
  problem: (seq: number, kind: Damage, detail: string) => void,
): Promise<RowsSeen> {
  const storedAt = new Map<number, string>();
  let events = 0;
  let expectedSeq: number | null = null;
  let prevHash = GENESIS_HASH;
  let lastSeq = 0;
  await store.audit.scanChain(chain, 0, PAGE, (rows) => {
    // Which hashes a page holds is asked only when a link is broken: never on an intact chain.
    let storedHashes: Set<unknown> | undefined;
    for (const row of rows) {
      const seq = row[CHAIN_SEQ] as number;
      const rowPrev = row[CHAIN_PREV_HASH] as string;
      const hash = row[CHAIN_HASH] as string;
      events++;
      if (expectedSeq === null) {
        // A pruned chain starts after a checkpoint whose hash is its first row's prev_hash.
        const anchor = pinned.get(seq - 1);
        expectedSeq = anchor ? seq : 1;
        prevHash = anchor ? anchor.hash : GENESIS_HASH;
      }
      if (seq > expectedSeq) {
        problem(expectedSeq, 'missing', `events ${expectedSeq}…${seq - 1} are missing`);
        expectedSeq = seq;
        prevHash = rowPrev;
      }
      const intact = scannedRowIntact(row);
      if (rowPrev !== prevHash) {
        storedHashes ??= new Set(rows.map((r) => r[CHAIN_HASH]));
        const swapped = storedHashes.has(rowPrev);
        problem(
          seq,
          swapped ? 'reordered' : intact ? 'missing' : 'modified',
          swapped
            ? `event ${seq} links to an event that is not its predecessor`
            : `event ${seq} does not link to event ${seq - 1}`,
        );
      } else if (!intact) {
        problem(seq, 'modified', `event ${seq} does not match its hash`);
      }
      if (pinned.has(seq)) storedAt.set(seq, hash);
      prevHash = hash;
      lastSeq = seq;
      expectedSeq = seq + 1;
    }
  });
  return { events, lastSeq, storedAt };
}
