/**
 * `audit verify`: recomputes every chain from the stored rows and checks every checkpoint.
 * It names the first bad sequence number of a chain and the kind of damage:
 * - `modified`: a row's content no longer matches its hash (or a checkpoint's hash);
 * - `missing`: a sequence number is absent (a row was deleted);
 * - `reordered`: a row links to a row that is not its predecessor (rows were swapped);
 * - `truncated`: rows after a checkpoint (or after the recorded head) are gone;
 * - `bad_signature`: a checkpoint's signature does not verify with a trusted audit key;
 * - `missing_checkpoint`: a checkpoint does not link to the one before it, or more events (or
 *   more time) than the cadence allows go without one — what deleting checkpoints leaves;
 * - `anchor_mismatch`: the log no longer holds, or does not extend, a checkpoint an anchor
 *   file (`--anchor`, kept outside the database) pins.
 * Pruned chains start right after a checkpoint, which anchors their first row.
 * An intact chain is confirmed in bulk by storage (`summarizeChain`: on SQLite in SQL and
 * worker threads); only a chain that is not gets read row by row here to name the damage.
 */
import { CHAIN_HASH, CHAIN_PREV_HASH, CHAIN_SEQ, GENESIS_HASH, scannedRowIntact } from '../chain/index.js';
import type { AuditCheckpoint, Store, StoredChainHead } from '../storage/index.js';
import { type Anchor, checkAnchored } from './anchor.js';
import { checkCadence, checkLinks, checkSignatures, type KeyUse } from './checkpoint-checks.js';
import type { AuditSigner } from './signer.js';
import { type TrustedKey, trustedKeys } from './signing-keys.js';

export const DAMAGE_KINDS = [
  'modified',
  'missing',
  'reordered',
  'truncated',
  'bad_signature',
  'missing_checkpoint',
  'anchor_mismatch',
] as const;
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
  /** Which key signed which checkpoints, and why it is trusted. */
  readonly keys: readonly KeyUse[];
}

export interface VerifyOptions {
  readonly chain?: string;
  /** An anchor file's checkpoints, and the file's name for the report. */
  readonly anchor?: { readonly file: string; readonly anchor: Anchor };
}

/** The `chain` of a problem with the audit table itself rather than with one chain. */
export const AUDIT_TABLE = 'audit_events';
const PAGE = 5000;

export async function verifyAudit(
  store: Pick<Store, 'audit'>,
  signer: AuditSigner,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const keys = await trustedKeys(store, signer);
  for (const cp of options.anchor?.anchor.checkpoints ?? [])
    if (!keys.has(cp.keyId)) keys.set(cp.keyId, { keyId: cp.keyId, x: cp.publicKey, source: 'anchor' });
  const uses = new Map<string, KeyUse>();
  const heads = await store.audit.heads(options.chain);
  const allCheckpoints = await store.audit.checkpoints(options.chain);
  const anchored = (options.anchor?.anchor.checkpoints ?? []).filter(
    (cp) => options.chain === undefined || cp.chain === options.chain,
  );
  const chains = [
    ...new Set([
      ...heads.map((h) => h.chain),
      ...allCheckpoints.map((c) => c.chain),
      ...anchored.map((c) => c.chain),
    ]),
  ].sort();
  const problems: ChainProblem[] = [];
  const tableDamage = await store.audit.tableDamage();
  if (tableDamage) problems.push({ chain: AUDIT_TABLE, seq: 0, kind: 'modified', detail: tableDamage });
  let events = 0;
  for (const chain of chains) {
    const checkpoints = allCheckpoints.filter((c) => c.chain === chain);
    const head = heads.find((h) => h.chain === chain);
    const trust = { keys, instanceKeyId: signer.keyId, uses };
    const result = await verifyChain(store, trust, chain, checkpoints, head);
    events += result.events;
    const anchorProblems = anchored
      .filter((cp) => cp.chain === chain)
      .flatMap((cp) => {
        const detail = checkAnchored(cp, checkpoints, head, options.anchor!.file);
        return detail ? [{ chain, seq: cp.seq, kind: 'anchor_mismatch' as const, detail }] : [];
      });
    // A broken anchor is named first: it is the proof the operator kept outside the database.
    const first = anchorProblems[0] ?? result.problem;
    if (first) problems.push(first);
  }
  return {
    ok: problems.length === 0,
    chains: chains.length,
    events,
    checkpoints: allCheckpoints.length,
    problems,
    keys: [...uses.values()],
  };
}

interface Trust {
  readonly keys: ReadonlyMap<string, TrustedKey>;
  readonly instanceKeyId: string;
  readonly uses: Map<string, KeyUse>;
}

async function verifyChain(
  store: Pick<Store, 'audit'>,
  trust: Trust,
  chain: string,
  checkpoints: readonly AuditCheckpoint[],
  head: StoredChainHead | undefined,
): Promise<{ events: number; problem: ChainProblem | null }> {
  const headSeq = head?.seq ?? 0;
  const found: ChainProblem[] = [];
  const problem = (seq: number, kind: Damage, detail: string) => found.push({ chain, seq, kind, detail });
  const pinned = new Map(checkpoints.map((c) => [c.seq, c]));
  // The bulk check runs (in worker threads on SQLite) while the signatures are checked here.
  const regular = regularRows(store, chain, pinned);

  await checkSignatures(checkpoints, trust.keys, trust.instanceKeyId, trust.uses, problem);
  checkLinks(checkpoints, problem);

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
  if (head) await checkCadence(store, head, checkpoints, problem);
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
  store: Pick<Store, 'audit'>,
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
  store: Pick<Store, 'audit'>,
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
