/**
 * SECURITY: the checks a write passed before its transaction, made again inside it on what
 * it read once it held its locks (`writeUsage.lockForWrite`). A write can wait (behind the
 * key's earlier writes, in a group, on a busy database) while someone revokes or narrows the
 * key, removes its member or freezes the workspace. Whatever committed before the write's
 * locks were granted is read under them, and whatever comes after waits for the write's
 * commit (on PostgreSQL by those locks; SQLite runs one write transaction at a time). So once
 * `keys revoke`, `freeze`, `incident contain` or a narrowing returns, no write they stopped
 * commits after it. docs/safe-writes.md, "Changed while it waited".
 */
import { AppError } from '../core/index.js';
import { keyRefusal, principalOf } from '../credentials/index.js';
import type { Actor } from '../domain/index.js';
import type { ConfirmationTier } from '../model/index.js';
import type { WriterState } from '../storage/index.js';
import { assertReason } from './audit-comment.js';
import type { CallContext } from './call-context.js';
import { type EffectivePolicy, effectivePolicy, tierRank } from './policy.js';
import { missingScopes } from './steps/authorize.js';
import type { WriteArgs, WriteSpec } from './write-spec.js';

export interface Recheck {
  /** The actor as the key and its member stand now (role, projects), for the change itself. */
  readonly actor: Actor;
  /** The workspace policy as it stands now (its budget counts). */
  readonly policy: EffectivePolicy;
}

const nothingDone = (name: string, why: string) =>
  new AppError('forbidden', `key ${name} ${why} while this write waited; nothing was done`, {
    detail: { reason: 'changed_while_waiting' },
  });

/** Judges what the write's transaction read under its locks; throws if the write may no longer run. */
export function recheckWrite(
  state: WriterState,
  call: CallContext,
  actor: Actor,
  spec: Pick<WriteSpec, 'name' | 'scopes'>,
  args: WriteArgs,
  now: Date,
): Recheck {
  const was = call.principal.credential;
  const { owned } = state;
  if (!owned || owned.workspace.id !== call.principal.workspace.id)
    throw nothingDone(was.name, 'was deleted or its member removed');
  const refusal = keyRefusal(owned.key, owned.workspace, now.getTime());
  if (refusal) throw nothingDone(was.name, `can no longer act (${refusal.message})`);
  const fresh = principalOf(owned.key, owned.workspace, owned.member);
  const credential = {
    ...fresh.credential,
    // An OAuth access token's own scopes still cut its connection's.
    scopes: fresh.credential.scopes.filter((scope) => was.scopes.includes(scope)),
  };
  if (credential.dryRunOnly) throw nothingDone(was.name, 'was made dry-run only');
  const lost = missingScopes(credential.scopes, spec.scopes);
  if (lost.length) throw nothingDone(was.name, `lost ${lost.join(' ')}, which ${spec.name} needs,`);
  const policy = effectivePolicy(owned.workspace, state.policy, now);
  const { freeze } = policy;
  if (freeze.frozen)
    throw new AppError(
      'forbidden',
      `workspace ${policy.workspace.slug} was frozen while this write waited (${freeze.until ? `until ${freeze.until}` : 'until unfrozen'}): writes are stopped; nothing was done`,
      { detail: { reason: 'changed_while_waiting', until: freeze.until } },
    );
  if (policy.requireOauth && owned.key.kind === 'api_key')
    throw nothingDone(
      was.name,
      `is an API key, and workspace ${policy.workspace.slug} came to accept OAuth connections only`,
    );
  assertReason(args.reason, policy.requireReason);
  return { actor: { ...actor, role: fresh.member.role, projectIds: credential.projectIds }, policy };
}

/**
 * The tier the policy asks now for this change's risk class, against the one it was cleared
 * at (`none` for a write that ran at once, the action's for a confirmed one). Tightened in
 * between, the write does not run on the older, weaker confirmation.
 */
export function assertTierHolds(
  policy: EffectivePolicy,
  spec: Pick<WriteSpec, 'risk'>,
  args: WriteArgs,
  cleared: ConfirmationTier,
): void {
  const risk = spec.risk(args);
  const required = policy.tiers[risk];
  if (tierRank(required) <= tierRank(cleared)) return;
  throw new AppError(
    'forbidden',
    `the workspace policy came to ask for ${required} on ${risk} changes while this write waited (it was cleared at ${cleared}); nothing was done: call again`,
    { detail: { reason: 'changed_while_waiting', required, cleared } },
  );
}
