/**
 * The policy form (owners and admins, sudo): confirmation tiers per risk class, reason,
 * read-first, require-OAuth, the approver role, the write and delete budgets and their window,
 * and the key rotation period. The form turns typed text into values strictly (digits only,
 * 30/60/90/180 through `parseRotationDays`); every rule on the values — ranges, which tiers
 * exist — is the policy service's, the one `taskgate policy set` calls, and a value it
 * refuses comes back beside its field.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { type PolicyService, parseRotationDays, type WorkspacePolicy } from '../admin/index.js';
import { APPROVERS, CONFIRMATION_TIERS, RISK_CLASSES, ROTATION_DAYS } from '../model/index.js';
import { Field, type FieldErrors, mountAction } from './action.js';
import { CheckboxField, SelectField } from './choice-field.js';
import { POLICY_PATH } from './layout.js';
import { PolicySummary } from './policy-summary.js';
import type { SignedInMember } from './session.js';

export const POLICY_EDIT_PATH = '/admin/policy/edit';

export type PolicyPort = Pick<PolicyService, 'show' | 'set' | 'freeze' | 'unfreeze'>;

const TIER_CHOICES = [
  { value: 'default', label: 'environment default' },
  ...CONFIRMATION_TIERS.map((tier) => ({ value: tier, label: tier })),
];
const APPROVER_CHOICES = [
  { value: 'member', label: 'the member whose assistant asked' },
  { value: 'member_or_admin', label: 'that member, or an owner or admin' },
];
const ROTATION_CHOICES = ROTATION_DAYS.map((days) => ({ value: String(days), label: `${days} days` }));

const RISK_LABEL: Record<(typeof RISK_CLASSES)[number], string> = {
  create: 'Creates',
  update: 'Updates',
  delete: 'Deletes',
  bulk: 'Bulk changes',
};

const checkbox = z
  .literal('on', { message: 'must be ticked or not' })
  .optional()
  .transform((value) => value === 'on');

// Digits only: " 60", "60\n", "6e1" or "0x3c" is a typo to point out. The range is the service's.
const count = z
  .string()
  .regex(/^\d{1,9}$/, 'must be a whole number written in digits')
  .transform(Number);

const policyForm = z.object({
  create: z.enum(['default', ...CONFIRMATION_TIERS]),
  update: z.enum(['default', ...CONFIRMATION_TIERS]),
  delete: z.enum(['default', ...CONFIRMATION_TIERS]),
  bulk: z.enum(['default', ...CONFIRMATION_TIERS]),
  requireReason: checkbox,
  requireReadFirst: checkbox,
  requireOauth: checkbox,
  approver: z.enum(APPROVERS, { message: `must be one of ${APPROVERS.join(', ')}` }),
  writeBudget: count,
  deleteBudget: count,
  budgetWindowMinutes: count,
  keyRotationDays: z.string().transform((raw, ctx) => {
    const parsed = parseRotationDays(raw);
    if (parsed.ok) return parsed.days;
    ctx.addIssue({ code: 'custom', message: parsed.message });
    return z.NEVER;
  }),
});

/** The stored policy as the form's text values. */
export function policyValues(policy: WorkspacePolicy): Record<string, string> {
  const values: Record<string, string> = {
    approver: policy.approver,
    writeBudget: String(policy.budget.writes),
    deleteBudget: String(policy.budget.deletes),
    budgetWindowMinutes: String(policy.budget.windowMinutes),
    keyRotationDays: String(policy.keyRotationDays),
  };
  for (const risk of RISK_CLASSES)
    values[risk] = policy.tierSource[risk] === 'default' ? 'default' : policy.tiers[risk];
  for (const flag of ['requireReason', 'requireReadFirst', 'requireOauth'] as const)
    if (policy[flag]) values[flag] = 'on';
  return values;
}

/** The fields, filled from the stored policy on first view and from what was typed after an error. */
async function PolicyFields(props: {
  policy: PolicyPort;
  signedIn: SignedInMember;
  values: Readonly<Record<string, string>>;
  errors: FieldErrors;
}) {
  const { errors } = props;
  const values =
    Object.keys(props.values).length > 0
      ? props.values
      : policyValues(await props.policy.show(props.signedIn.workspace.slug));
  return (
    <>
      <fieldset>
        <legend>Confirmation per risk class ({props.signedIn.workspace.environment})</legend>
        {RISK_CLASSES.map((risk) => (
          <SelectField
            name={risk}
            label={RISK_LABEL[risk]}
            choices={TIER_CHOICES}
            value={values[risk]}
            error={errors[risk]}
          />
        ))}
      </fieldset>
      <fieldset>
        <legend>Requirements</legend>
        <CheckboxField
          name="requireReason"
          label="Writes must give a reason"
          checked={values.requireReason === 'on'}
          error={errors.requireReason}
        />
        <CheckboxField
          name="requireReadFirst"
          label="Updates and deletes must name the version they read (read first)"
          checked={values.requireReadFirst === 'on'}
          error={errors.requireReadFirst}
        />
        <CheckboxField
          name="requireOauth"
          label="Only OAuth connections may act (API keys are refused)"
          checked={values.requireOauth === 'on'}
          error={errors.requireOauth}
        />
        <SelectField
          name="approver"
          label="Who approves in the browser"
          choices={APPROVER_CHOICES}
          value={values.approver}
          error={errors.approver}
        />
      </fieldset>
      <fieldset>
        <legend>Budgets per credential</legend>
        <Field
          name="writeBudget"
          label="Writes per window"
          value={values.writeBudget}
          error={errors.writeBudget}
        />
        <Field
          name="deleteBudget"
          label="Deletes per window"
          value={values.deleteBudget}
          error={errors.deleteBudget}
        />
        <Field
          name="budgetWindowMinutes"
          label="Window (minutes)"
          value={values.budgetWindowMinutes}
          error={errors.budgetWindowMinutes}
        />
      </fieldset>
      <SelectField
        name="keyRotationDays"
        label="Keys are due for rotation after"
        choices={ROTATION_CHOICES}
        value={values.keyRotationDays}
        error={errors.keyRotationDays}
      />
    </>
  );
}

export function mountPolicyForm(app: Hono, policy: PolicyPort): void {
  mountAction(app, {
    path: POLICY_EDIT_PATH,
    title: 'Change the policy',
    page: 'policy',
    event: 'policy.changed',
    sudo: true,
    schema: policyForm,
    submitLabel: 'Save the policy',
    fields: (props) => <PolicyFields policy={policy} {...props} />,
    run: async (input, { signedIn }) => {
      const saved = await policy.set(signedIn.member.id, signedIn.workspace.slug, input);
      return {
        title: 'Policy saved',
        body: (
          <>
            <p>
              The policy applies from the next call, including to changes that are waiting for a confirmation.
            </p>
            <PolicySummary policy={saved} />
            <p>
              <a href={POLICY_PATH}>Back to the policy</a>
            </p>
          </>
        ),
      };
    },
  });
}
