/**
 * The workspace safe-write policy as the pipeline reads it: which confirmation tier each
 * risk class needs, whether a reason or a prior read is required, who approves, the write
 * budgets and the freeze switch. Pure: the stored record (or none) plus the environment's
 * defaults and the current time in, one frozen EffectivePolicy out.
 */
import type { Environment } from '../config/index.js';
import { AppError } from '../core/index.js';
import {
  type Approver,
  CONFIRMATION_TIERS,
  type ConfirmationTier,
  DEFAULT_BUDGET_WINDOW_MINUTES,
  DEFAULT_DELETE_BUDGET,
  DEFAULT_WRITE_BUDGET,
  RISK_CLASSES,
  type RiskClass,
  type Workspace,
  type WorkspacePolicyRecord,
} from '../model/index.js';

export type TierSource = 'default' | 'workspace';

/**
 * The tiers a workspace gets until it sets its own (DESIGN §3 "Safe writes"). Production
 * puts a human in front of every write and the browser in front of deletes and bulk changes.
 */
export const DEFAULT_TIERS: Readonly<Record<Environment, Readonly<Record<RiskClass, ConfirmationTier>>>> =
  Object.freeze({
    production: Object.freeze({ create: 'elicit', update: 'elicit', delete: 'approve', bulk: 'approve' }),
    staging: Object.freeze({ create: 'none', update: 'none', delete: 'token', bulk: 'token' }),
    development: Object.freeze({ create: 'none', update: 'none', delete: 'none', bulk: 'none' }),
  });

export interface FreezeState {
  readonly frozen: boolean;
  /** The fields below are null unless `frozen`. */
  readonly since: string | null;
  /** `null` while frozen: until someone unfreezes. */
  readonly until: string | null;
  /** The member who froze it; `null` for the command line. */
  readonly by: string | null;
  readonly reason: string | null;
}

export interface EffectivePolicy {
  readonly workspace: {
    readonly id: string;
    readonly slug: string;
    readonly environment: Environment;
  };
  readonly tiers: Readonly<Record<RiskClass, ConfirmationTier>>;
  readonly tierSource: Readonly<Record<RiskClass, TierSource>>;
  readonly requireReason: boolean;
  readonly requireReadFirst: boolean;
  /** API keys are refused in this workspace; OAuth connections only. */
  readonly requireOauth: boolean;
  readonly approver: Approver;
  /** Per credential: at most `writes` writes, of which `deletes` deletes, per `windowMinutes`. */
  readonly budget: { readonly writes: number; readonly deletes: number; readonly windowMinutes: number };
  readonly freeze: FreezeState;
  /** When and by whom the stored policy last changed; null when the workspace has none. */
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
}

const NOT_FROZEN: FreezeState = Object.freeze({
  frozen: false,
  since: null,
  until: null,
  by: null,
  reason: null,
});

/** A freeze with an `until` that has passed is over, whether or not anyone unfroze it. */
export function freezeState(record: WorkspacePolicyRecord | undefined, now: Date): FreezeState {
  if (!record || record.frozenAt === null) return NOT_FROZEN;
  if (record.frozenUntil !== null && Date.parse(record.frozenUntil) <= now.getTime()) return NOT_FROZEN;
  return Object.freeze({
    frozen: true,
    since: record.frozenAt,
    until: record.frozenUntil,
    by: record.frozenBy,
    reason: record.frozenReason,
  });
}

export function effectivePolicy(
  workspace: Pick<Workspace, 'id' | 'slug' | 'environment'>,
  record: WorkspacePolicyRecord | undefined,
  now: Date,
): EffectivePolicy {
  const defaults = DEFAULT_TIERS[workspace.environment];
  const tiers = {} as Record<RiskClass, ConfirmationTier>;
  const tierSource = {} as Record<RiskClass, TierSource>;
  for (const risk of RISK_CLASSES) {
    const own = record?.tiers[risk] ?? null;
    tiers[risk] = own ?? defaults[risk];
    tierSource[risk] = own === null ? 'default' : 'workspace';
  }
  return Object.freeze({
    workspace: Object.freeze({ id: workspace.id, slug: workspace.slug, environment: workspace.environment }),
    tiers: Object.freeze(tiers),
    tierSource: Object.freeze(tierSource),
    requireReason: record?.requireReason ?? false,
    requireReadFirst: record?.requireReadFirst ?? false,
    requireOauth: record?.requireOauth ?? false,
    approver: record?.approver ?? 'member',
    budget: Object.freeze({
      writes: record?.writeBudget ?? DEFAULT_WRITE_BUDGET,
      deletes: record?.deleteBudget ?? DEFAULT_DELETE_BUDGET,
      windowMinutes: record?.budgetWindowMinutes ?? DEFAULT_BUDGET_WINDOW_MINUTES,
    }),
    freeze: freezeState(record, now),
    updatedAt: record?.updatedAt ?? null,
    updatedBy: record?.updatedBy ?? null,
  });
}

/**
 * Throws `forbidden` while the workspace is frozen. The write pipeline calls it before it
 * plans anything, so a frozen workspace answers every write the same way; reads never call it.
 */
export function assertWritesAllowed(policy: EffectivePolicy): void {
  const { freeze } = policy;
  if (!freeze.frozen) return;
  throw new AppError(
    'forbidden',
    `workspace ${policy.workspace.slug} is frozen since ${freeze.since} (${freeze.until ? `until ${freeze.until}` : 'until unfrozen'}): writes are stopped; reads go on`,
    { detail: { reason: 'frozen', until: freeze.until } },
  );
}

/** How much a tier asks of a human: none < token < elicit < approve. */
export const tierRank = (tier: ConfirmationTier): number => CONFIRMATION_TIERS.indexOf(tier);

export const strongerTier = (a: ConfirmationTier, b: ConfirmationTier): ConfirmationTier =>
  tierRank(a) >= tierRank(b) ? a : b;

/** `elicit` needs a client that can show a form; without one a human approves in the browser. */
export const reachableTier = (tier: ConfirmationTier, formElicitation: boolean): ConfirmationTier =>
  tier === 'elicit' && !formElicitation ? 'approve' : tier;
