/**
 * PostgreSQL: a group's calls folded into the baselines this instance committed last and
 * written by one compare-and-set statement (`keyBaselines.swap`), instead of a locked
 * transaction of four (BEGIN, lock and read, write, COMMIT).
 *
 * A swap writes a credential's row only if its stored state is still the text this instance
 * wrote and its workspace's rules are still the text it read; another instance's write, or a
 * rules change from the console or the CLI, makes it miss, and those calls take the locked
 * path, which reads both afresh. A state never comes back (`calls` only grows), so an equal
 * text means nobody wrote in between. A credential whose calls find anything takes the locked
 * path too: an alert, its audit event and a suspension belong in its synced transaction.
 */
import type { KeyBaselineRepository } from '../storage/index.js';
import { type Baseline, type CallObservation, evaluate } from './anomaly-evaluate.js';
import { ANOMALY_RULES, type AnomalyRules } from './anomaly-rules.js';

/** What a commit left in a credential's row: the stored text, and the rules it was judged by. */
export interface Committed {
  readonly credentialId: string;
  readonly workspaceId: string;
  readonly state: string;
  readonly baseline: Baseline;
  /** The workspace's rules as stored (`null`: none, the defaults), and as read. */
  readonly settings: string | null;
  readonly rules: AnomalyRules;
}

/** Credentials remembered at most, the longest unused forgotten first. */
export const MAX_KNOWN_BASELINES = 10_000;

export interface BaselineSwaps {
  /** After a commit: what it wrote, so the credential's next group can swap from it. */
  learn(committed: Committed): void;
  /** Writes by swap what it can of `observed`; resolves with the calls left for the locked path. */
  apply<T extends { readonly call: CallObservation; readonly at: number }>(
    observed: readonly T[],
  ): Promise<readonly T[]>;
}

export function createBaselineSwaps(swap: NonNullable<KeyBaselineRepository['swap']>): BaselineSwaps {
  const known = new Map<string, Committed>();
  const learn = (committed: Committed) => {
    known.delete(committed.credentialId);
    known.set(committed.credentialId, committed);
    const oldest = known.keys().next();
    if (known.size > MAX_KNOWN_BASELINES && !oldest.done) known.delete(oldest.value);
  };

  return {
    learn,
    async apply(observed) {
      // Per credential, its calls in observed order folded into what it committed last;
      // `null` once unknown or once a call finds something.
      const folded = new Map<string, { from: Committed; baseline: Baseline; at: number } | null>();
      for (const { call, at } of observed) {
        const id = call.credential.id;
        const current = folded.get(id);
        if (current === null) continue;
        const from = current?.from ?? known.get(id);
        if (!from) {
          folded.set(id, null);
          continue;
        }
        const next = evaluate(current?.baseline ?? from.baseline, call, from.rules, at);
        folded.set(id, next.findings.length > 0 ? null : { from, baseline: next.baseline, at });
      }
      const rows = [...folded.values()].flatMap((f) =>
        f
          ? [
              {
                ...f,
                state: JSON.stringify(f.baseline),
                lastSeenAt: new Date(f.at).toISOString(),
              },
            ]
          : [],
      );
      if (rows.length === 0) return observed;
      const written = await swap(
        rows.map(({ from, state, lastSeenAt }) => ({
          workspaceId: from.workspaceId,
          credentialId: from.credentialId,
          state,
          lastSeenAt,
          previous: from.state,
          settings: from.settings,
        })),
        ANOMALY_RULES.name,
        // Written or not, the locked path decides (were it committed and the answer lost, those
        // calls would count twice: derived state, in a rare fault).
      ).catch(() => new Set<string>());
      for (const { from, state, baseline } of rows) {
        if (written.has(from.credentialId)) learn({ ...from, state, baseline });
        else known.delete(from.credentialId);
      }
      return observed.filter((o) => !written.has(o.call.credential.id));
    },
  };
}
