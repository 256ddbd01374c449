/**
 * Changing a workspace's safe-write policy: show, set, freeze, unfreeze. Each change is
 * validated first (nothing is written when any field is wrong) and commits together with
 * its audit event. The command line acts as `null` (the operator of the database); a
 * member must be an owner or admin. Each change reads and rewrites the whole row while it
 * holds the workspace's policy lock, so concurrent changes never overwrite each other.
 * The key rotation period is part of the policy but lives on the workspace row (every key
 * view already reads it from there); it changes under the same lock and in the same event.
 */
import { z } from 'zod';
import type { AuditLog } from '../audit/index.js';
import { AppError, type Clock, type FieldIssue, invalidInput } from '../core/index.js';
import { assertManager, resolveWorkspace, singleLine } from '../domain/index.js';
import { type EffectivePolicy, effectivePolicy, freezeState } from '../guard/index.js';
import {
  APPROVERS,
  CONFIRMATION_TIERS,
  DEFAULT_BUDGET_WINDOW_MINUTES,
  DEFAULT_DELETE_BUDGET,
  DEFAULT_WRITE_BUDGET,
  RISK_CLASSES,
  type RotationDays,
  type Workspace,
  type WorkspacePolicyRecord,
} from '../model/index.js';
import type { Repositories, Store } from '../storage/index.js';
import { isRotationDays, ROTATION_DAYS_TEXT } from './rotation-days.js';

export interface PolicyServiceDeps {
  readonly store: Pick<Store, 'workspaces' | 'policies' | 'transaction'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

export const MAX_BUDGET = 10_000;
export const MAX_BUDGET_WINDOW_MINUTES = 1440;

const TIER_VALUES = [...CONFIRMATION_TIERS, 'default'] as const;
const tier = z.enum(TIER_VALUES, { message: `must be one of ${TIER_VALUES.join(', ')}` });
const flag = z.boolean({ message: 'must be true or false' });
const whole = (max: number) =>
  z
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, `must be 1-${max}`)
    .max(max, `must be 1-${max}`);

const policyPatch = z
  .object({
    create: tier.optional(),
    update: tier.optional(),
    delete: tier.optional(),
    bulk: tier.optional(),
    requireReason: flag.optional(),
    requireReadFirst: flag.optional(),
    requireOauth: flag.optional(),
    approver: z.enum(APPROVERS, { message: `must be one of ${APPROVERS.join(', ')}` }).optional(),
    writeBudget: whole(MAX_BUDGET).optional(),
    deleteBudget: whole(MAX_BUDGET).optional(),
    budgetWindowMinutes: whole(MAX_BUDGET_WINDOW_MINUTES).optional(),
    keyRotationDays: z
      .custom<RotationDays>(isRotationDays, { message: `must be ${ROTATION_DAYS_TEXT} (days)` })
      .optional(),
  })
  .strict();

/** What `set` may change; a tier of `'default'` goes back to the environment's default. */
export type PolicyPatch = z.input<typeof policyPatch>;
export type PolicyField = keyof PolicyPatch;

const freezeInput = z
  .object({
    until: z.date({ message: 'must be a time' }).optional(),
    reason: singleLine(1, 500).optional(),
    by: z.string().nullable(),
  })
  .strict();

export type FreezeInput = z.input<typeof freezeInput>;

/** The safe-write policy with the key rotation period, as `policy show` and the console see it. */
export type WorkspacePolicy = EffectivePolicy & {
  /** Keys are due for rotation this many days after their creation (30, 60, 90 or 180). */
  readonly keyRotationDays: number;
};

const withRotation = (workspace: Workspace, policy: EffectivePolicy): WorkspacePolicy =>
  Object.freeze({ ...policy, keyRotationDays: workspace.keyRotationDays });

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.map((issue) =>
    issue.code === 'unrecognized_keys'
      ? { field: issue.keys.join(', '), message: 'is not a policy setting' }
      : { field: issue.path.length ? issue.path.join('.') : 'input', message: issue.message },
  );
  throw invalidInput(issues);
}

function blankRecord(workspaceId: string, now: string): WorkspacePolicyRecord {
  return {
    workspaceId,
    tiers: { create: null, update: null, delete: null, bulk: null },
    requireReason: false,
    requireReadFirst: false,
    requireOauth: false,
    approver: 'member',
    writeBudget: DEFAULT_WRITE_BUDGET,
    deleteBudget: DEFAULT_DELETE_BUDGET,
    budgetWindowMinutes: DEFAULT_BUDGET_WINDOW_MINUTES,
    frozenAt: null,
    frozenUntil: null,
    frozenBy: null,
    frozenReason: null,
    updatedAt: now,
    updatedBy: null,
  };
}

/** The stored value of each field of the policy row; a null tier reads as 'default'. */
function storedValue(record: WorkspacePolicyRecord, field: RecordField): unknown {
  if ((RISK_CLASSES as readonly string[]).includes(field))
    return record.tiers[field as (typeof RISK_CLASSES)[number]] ?? 'default';
  return record[field as Exclude<RecordField, (typeof RISK_CLASSES)[number]>];
}

/** The fields kept in the policy row; the rotation period is kept on the workspace. */
type RecordField = Exclude<PolicyField, 'keyRotationDays'>;

function applyPatch(
  record: WorkspacePolicyRecord,
  patch: z.output<typeof policyPatch>,
): WorkspacePolicyRecord {
  const tiers = { ...record.tiers };
  for (const risk of RISK_CLASSES) {
    const value = patch[risk];
    if (value !== undefined) tiers[risk] = value === 'default' ? null : value;
  }
  return {
    ...record,
    tiers,
    requireReason: patch.requireReason ?? record.requireReason,
    requireReadFirst: patch.requireReadFirst ?? record.requireReadFirst,
    requireOauth: patch.requireOauth ?? record.requireOauth,
    approver: patch.approver ?? record.approver,
    writeBudget: patch.writeBudget ?? record.writeBudget,
    deleteBudget: patch.deleteBudget ?? record.deleteBudget,
    budgetWindowMinutes: patch.budgetWindowMinutes ?? record.budgetWindowMinutes,
  };
}

export function createPolicyService(deps: PolicyServiceDeps) {
  const { store, audit, clock } = deps;

  /** SECURITY: only owners and admins change the policy; `null` is the local command line. */
  const assertMayChange = (repos: Repositories, workspace: Workspace, memberId: string | null) =>
    assertManager(repos.members, workspace, memberId, `change the policy of ${workspace.slug}`);

  const changeAudit = (
    repos: Repositories,
    action: string,
    workspace: Workspace,
    memberId: string | null,
    detail: unknown,
  ) =>
    audit.record(repos, {
      action,
      outcome: 'ok',
      workspaceId: workspace.id,
      memberId,
      environment: workspace.environment,
      detail,
    });

  return {
    /** The effective policy of a workspace, by slug or id. */
    async show(workspaceRef: string): Promise<WorkspacePolicy> {
      const workspace = await resolveWorkspace(store, workspaceRef);
      return withRotation(
        workspace,
        effectivePolicy(workspace, await store.policies.find(workspace.id), clock.now()),
      );
    },

    /** For the write pipeline, which already holds the workspace (and maybe a transaction). */
    async forWorkspace(
      workspace: Workspace,
      repos: Pick<Repositories, 'policies'> = store,
    ): Promise<EffectivePolicy> {
      return effectivePolicy(workspace, await repos.policies.find(workspace.id), clock.now());
    },

    /**
     * Changes the named settings; one `policy.changed` event lists each one that changed,
     * before and after. A new rotation period applies at once to every key's rotation
     * state (due soon, overdue), which is computed from it when read; no key is revoked
     * or shortened by it (docs/keys.md, "Rotation policy").
     */
    async set(
      actorMemberId: string | null,
      workspaceRef: string,
      patch: PolicyPatch,
    ): Promise<WorkspacePolicy> {
      const data = parse(policyPatch, patch);
      const fields = (Object.keys(data) as PolicyField[]).filter((f) => data[f] !== undefined);
      if (fields.length === 0) {
        throw invalidInput([{ field: 'policy', message: 'name at least one setting to change' }]);
      }
      const now = clock.now();
      return store.transaction(async (repos) => {
        const found = await resolveWorkspace(repos, workspaceRef);
        await assertMayChange(repos, found, actorMemberId);
        await repos.policies.lock(found.id);
        // Read again under the lock: a rotation change committed while we waited is the "before".
        const workspace = (await repos.workspaces.findById(found.id)) ?? found;
        const before =
          (await repos.policies.find(workspace.id)) ?? blankRecord(workspace.id, now.toISOString());
        const next = applyPatch(before, data);
        const changes: Record<string, { before: unknown; after: unknown }> = {};
        for (const field of fields) {
          if (field === 'keyRotationDays') continue;
          const was = storedValue(before, field);
          const is = storedValue(next, field);
          if (was !== is) changes[field] = { before: was, after: is };
        }
        const days = data.keyRotationDays;
        if (days !== undefined && days !== workspace.keyRotationDays) {
          changes.keyRotationDays = { before: workspace.keyRotationDays, after: days };
          await repos.workspaces.setKeyRotationDays(workspace.id, days);
        }
        if (Object.keys(changes).length === 0)
          return withRotation(workspace, effectivePolicy(workspace, before, now));
        const record = { ...next, updatedAt: now.toISOString(), updatedBy: actorMemberId };
        await repos.policies.upsert(record);
        await changeAudit(repos, 'policy.changed', workspace, actorMemberId, { changes });
        const after = { ...workspace, keyRotationDays: days ?? workspace.keyRotationDays };
        return withRotation(after, effectivePolicy(workspace, record, now));
      });
    },

    /** Stops every write by every credential; a second freeze replaces `until` and `reason`. */
    async freeze(workspaceRef: string, input: FreezeInput): Promise<WorkspacePolicy> {
      const data = parse(freezeInput, input);
      const now = clock.now();
      if (data.until && data.until.getTime() <= now.getTime()) {
        throw invalidInput([
          { field: 'until', message: `must be in the future (now is ${now.toISOString()})` },
        ]);
      }
      return store.transaction(async (repos) => {
        const workspace = await resolveWorkspace(repos, workspaceRef);
        await assertMayChange(repos, workspace, data.by);
        await repos.policies.lock(workspace.id);
        const before =
          (await repos.policies.find(workspace.id)) ?? blankRecord(workspace.id, now.toISOString());
        const current = freezeState(before, now);
        const record: WorkspacePolicyRecord = {
          ...before,
          frozenAt: current.since ?? now.toISOString(),
          frozenUntil: data.until?.toISOString() ?? null,
          frozenBy: data.by,
          frozenReason: data.reason ?? null,
          updatedAt: now.toISOString(),
          updatedBy: data.by,
        };
        await repos.policies.upsert(record);
        await changeAudit(repos, 'workspace.frozen', workspace, data.by, {
          since: record.frozenAt,
          until: record.frozenUntil,
          reason: record.frozenReason,
          ...(current.frozen && { previous: { until: current.until, reason: current.reason } }),
        });
        return withRotation(workspace, effectivePolicy(workspace, record, now));
      });
    },

    /** Lifts the freeze; refused (conflict) when the workspace is not frozen. */
    async unfreeze(workspaceRef: string, by: string | null): Promise<WorkspacePolicy> {
      const now = clock.now();
      return store.transaction(async (repos) => {
        const workspace = await resolveWorkspace(repos, workspaceRef);
        await assertMayChange(repos, workspace, by);
        await repos.policies.lock(workspace.id);
        const before = await repos.policies.find(workspace.id);
        const current = freezeState(before, now);
        if (!before || !current.frozen) {
          throw new AppError('conflict', `workspace ${workspace.slug} is not frozen`);
        }
        const record: WorkspacePolicyRecord = {
          ...before,
          frozenAt: null,
          frozenUntil: null,
          frozenBy: null,
          frozenReason: null,
          updatedAt: now.toISOString(),
          updatedBy: by,
        };
        await repos.policies.upsert(record);
        await changeAudit(repos, 'workspace.unfrozen', workspace, by, {
          since: current.since,
          until: current.until,
          reason: current.reason,
        });
        return withRotation(workspace, effectivePolicy(workspace, record, now));
      });
    },
  };
}

export type PolicyService = ReturnType<typeof createPolicyService>;
