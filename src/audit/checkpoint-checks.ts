/**
 * The checks `audit verify` makes per checkpoint (never per event): each checkpoint links to
 * the one before it, none is missing from the cadence, and each is signed by a key this
 * instance trusts. A missing checkpoint is what deleting the newest ones leaves behind
 * (after rewriting the events they pinned), so the cadence is a tripwire, not a proof:
 * docs/audit-format.md says what it catches and what only an anchor does.
 */
import { GENESIS_HASH } from '../chain/index.js';
import type { AuditCheckpoint, Store, StoredChainHead } from '../storage/index.js';
import { CHECKPOINT_EVERY_EVENTS, CHECKPOINT_EVERY_MS } from './checkpoints.js';
import { checkpointHash, keyIdOf, verifyWithKey } from './signer.js';
import type { TrustedKey } from './signing-keys.js';

/**
 * The most events a genuine log has without a checkpoint: each process signs after 1,000
 * of its own, and signing takes a moment while others keep writing — four instances'
 * worth of events on one chain is the most the cadence leaves unsigned.
 */
export const MAX_EVENTS_WITHOUT_CHECKPOINT = 4 * CHECKPOINT_EVERY_EVENTS;
/**
 * The longest stretch of time that events without a checkpoint between them span: a process
 * signs every 60 s while it serves and when it stops, and the next to start signs a crashed
 * one's tail once it is 60 s old; the rest is
 * slack for a slow signing run and clocks of several instances that disagree a little.
 */
export const MAX_UNSIGNED_SPAN_MS = 3 * CHECKPOINT_EVERY_MS;

const SIGNATURES_PER_TURN = 50;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export type Report = (seq: number, kind: 'missing_checkpoint' | 'bad_signature', detail: string) => void;

/** Each linked checkpoint signs its predecessor's hash (the first one, 64 zeros). */
export function checkLinks(checkpoints: readonly AuditCheckpoint[], report: Report): void {
  checkpoints.forEach((cp, i) => {
    // Checkpoints from before migration 0011 carry no link; the first linked one signs the last of them.
    if (cp.prevCheckpointHash === null) return;
    const before = checkpoints[i - 1];
    if (cp.prevCheckpointHash === (before ? checkpointHash(before) : GENESIS_HASH)) return;
    report(
      cp.seq,
      'missing_checkpoint',
      before
        ? `checkpoint ${cp.seq} does not link to checkpoint ${before.seq} before it: a checkpoint between them was removed or changed`
        : `checkpoint ${cp.seq} links to a checkpoint that is gone`,
    );
  });
}

/**
 * The stretches of events no checkpoint ends — from `linkedFrom` (older history predates the
 * cadence) to each checkpoint and on to the head — held to the cadence: not more events, and
 * not a longer time, than a genuine log leaves unsigned.
 */
export async function checkCadence(
  store: Pick<Store, 'audit'>,
  head: StoredChainHead,
  checkpoints: readonly AuditCheckpoint[],
  report: Report,
): Promise<void> {
  const cuts = [head.linkedFrom, ...checkpoints.map((c) => c.seq).filter((s) => s > head.linkedFrom)];
  if (head.seq > cuts[cuts.length - 1]!) cuts.push(head.seq);
  const stretches = cuts.slice(1).map((to, i) => ({ from: cuts[i]! + 1, to }));
  const times = await store.audit.eventTimes(
    head.chain,
    stretches.flatMap((s) => [s.from, s.to]),
  );
  for (const { from, to } of stretches) {
    const count = to - from + 1;
    const what = to === head.seq && !checkpoints.some((c) => c.seq === to) ? 'the head' : `checkpoint ${to}`;
    if (count > MAX_EVENTS_WITHOUT_CHECKPOINT) {
      report(
        from,
        'missing_checkpoint',
        `events ${from}…${to} (${count}) have no checkpoint before ${what}; the cadence leaves at most ${MAX_EVENTS_WITHOUT_CHECKPOINT} unsigned: checkpoints were removed`,
      );
      continue;
    }
    const first = times.get(from);
    const last = times.get(to);
    const span = first && last ? Date.parse(last) - Date.parse(first) : 0;
    if (span > MAX_UNSIGNED_SPAN_MS) {
      report(
        from,
        'missing_checkpoint',
        `events ${from}…${to} span ${Math.round(span / 1000)} s with no checkpoint before ${what}; the cadence leaves at most ${MAX_UNSIGNED_SPAN_MS / 1000} s unsigned: checkpoints were removed`,
      );
    }
  }
}

export interface KeyUse {
  readonly keyId: string;
  /** Why the key is trusted, or `untrusted`: its checkpoints are reported as bad signatures. */
  readonly source: TrustedKey['source'] | 'untrusted';
  readonly checkpoints: number;
  /** Per chain, the first and last seq it signed. */
  readonly chains: { chain: string; from: number; to: number; count: number }[];
}

/**
 * Each checkpoint's signature under the key it names, if that key is trusted; and, once this
 * instance's key has signed in a chain, no other key signs after it there.
 */
export async function checkSignatures(
  checkpoints: readonly AuditCheckpoint[],
  keys: ReadonlyMap<string, TrustedKey>,
  instanceKeyId: string,
  uses: Map<string, KeyUse>,
  report: Report,
): Promise<void> {
  let instanceSigned = false;
  for (const [i, cp] of checkpoints.entries()) {
    // A few at a time: the bulk check's workers need this thread to hand them their work.
    if (i % SIGNATURES_PER_TURN === 0) await nextTurn();
    const key = keys.get(cp.keyId);
    noteUse(uses, cp, key?.source ?? 'untrusted');
    if (!key || keyIdOf(key.x) !== cp.keyId) {
      report(
        cp.seq,
        'bad_signature',
        `checkpoint ${cp.seq} is signed by key ${cp.keyId}, which neither this instance's secret (key ${instanceKeyId}) nor an audited key change vouches for`,
      );
    } else if (!verifyWithKey(key.x, cp, cp.keyId, cp.signature)) {
      report(cp.seq, 'bad_signature', `checkpoint ${cp.seq} is not signed by audit key ${cp.keyId}`);
    } else if (instanceSigned && cp.keyId !== instanceKeyId) {
      report(
        cp.seq,
        'bad_signature',
        `checkpoint ${cp.seq} is signed by earlier key ${cp.keyId} after this instance's key ${instanceKeyId} took over`,
      );
    }
    instanceSigned ||= cp.keyId === instanceKeyId;
  }
}

function noteUse(uses: Map<string, KeyUse>, cp: AuditCheckpoint, source: KeyUse['source']): void {
  const use = uses.get(cp.keyId) ?? { keyId: cp.keyId, source, checkpoints: 0, chains: [] };
  const chain = use.chains.find((c) => c.chain === cp.chain);
  if (chain) {
    chain.from = Math.min(chain.from, cp.seq);
    chain.to = Math.max(chain.to, cp.seq);
    chain.count++;
  } else {
    use.chains.push({ chain: cp.chain, from: cp.seq, to: cp.seq, count: 1 });
  }
  uses.set(cp.keyId, { ...use, checkpoints: use.checkpoints + 1 });
}
