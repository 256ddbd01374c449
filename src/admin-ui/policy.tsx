/**
 * Policy (owners and admins): the workspace's safe-write policy and key rotation period, the
 * form that changes them (policy-form.tsx, sudo), and the freeze. Freezing needs no sudo — it
 * only stops writes, and someone reacting to an incident must not be slowed down — while
 * unfreezing does: a stolen session must not be able to lift it. All through the policy
 * service that `taskgate policy set`, `freeze` and `unfreeze` call.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { invalidInput } from '../core/index.js';
import { Field, mountAction } from './action.js';
import { FreezeTerms, POLICY_PATH, renderPage, Time } from './layout.js';
import { LIMITS_PATH } from './limits.js';
import { gate } from './not-found.js';
import { mountPolicyForm, POLICY_EDIT_PATH, type PolicyPort } from './policy-form.js';
import { PolicySummary } from './policy-summary.js';
import { adminUi } from './session.js';

export { POLICY_PATH } from './layout.js';
export { POLICY_EDIT_PATH, type PolicyPort } from './policy-form.js';
export const FREEZE_PATH = '/admin/policy/freeze';
export const UNFREEZE_PATH = '/admin/policy/unfreeze';

export interface PolicyPageDeps {
  /** The service `taskgate policy`, `freeze` and `unfreeze` call. */
  readonly policy: PolicyPort;
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const UNTIL_HELP = 'give a duration such as 30m, 2h or 3d, or a UTC time such as 2026-12-06 18:00';

/**
 * "Until" as typed: empty (until unfrozen), a duration from now, or a UTC time. Anything else,
 * a control character included, is refused naming the field; the service refuses the past.
 */
export function parseUntil(raw: string, now: Date): Date | undefined {
  if (raw === '') return undefined;
  const duration = /^(\d{1,4})([mhd])$/.exec(raw);
  if (duration)
    return new Date(now.getTime() + Number(duration[1]) * UNIT_MS[duration[2] as 'm' | 'h' | 'd']);
  const utc = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(?: ?(?:Z|UTC))?$/.exec(raw);
  const at = utc ? new Date(`${utc[1]}T${utc[2]}:00.000Z`) : undefined;
  if (!at || Number.isNaN(at.getTime()) || at.toISOString().slice(0, 16) !== `${utc![1]}T${utc![2]}`)
    throw invalidInput([{ field: 'until', message: UNTIL_HELP }]);
  return at;
}

export function mountPolicy(app: Hono, deps: PolicyPageDeps): void {
  app.get(POLICY_PATH, async (c) => {
    const signedIn = await gate(c, 'policy');
    if (signedIn instanceof Response) return signedIn;
    const policy = await deps.policy.show(signedIn.workspace.slug);
    const { freeze } = policy;
    return renderPage(
      c,
      { title: 'Policy', signedIn, current: POLICY_PATH },
      <>
        <PolicySummary policy={policy} />
        <p>
          <a href={POLICY_EDIT_PATH}>Change the policy</a> · <a href={LIMITS_PATH}>Request limits</a>
        </p>
        <h2>Freeze</h2>
        {freeze.frozen ? (
          <>
            <p>
              Frozen
              <FreezeTerms freeze={freeze} />. Every write by every key and connection is refused; reads go
              on.
            </p>
            <p>
              <a href={FREEZE_PATH}>Change the freeze</a> · <a href={UNFREEZE_PATH}>Unfreeze</a>
            </p>
          </>
        ) : (
          <>
            <p>Not frozen. Freezing stops every write by every key and connection at once; reads go on.</p>
            <p>
              <a href={FREEZE_PATH}>Freeze the workspace</a>
            </p>
          </>
        )}
      </>,
    );
  });

  mountPolicyForm(app, deps.policy);

  mountAction(app, {
    path: FREEZE_PATH,
    title: 'Freeze the workspace',
    page: 'policy',
    event: 'workspace.frozen',
    // Protective: it only takes rights away, and an incident must not wait for a password.
    sudo: false,
    schema: z.object({
      until: z.string().max(40, UNTIL_HELP),
      reason: z.string().max(600, 'must be 1-500 characters'),
    }),
    submitLabel: 'Freeze',
    fields: ({ values, errors }) => (
      <>
        <p>
          While frozen, every write by every key and connection is refused and changes waiting for a
          confirmation cannot run; reads go on. Unfreezing asks for your password again.
        </p>
        <Field
          name="until"
          label="Until (a duration such as 2h, a UTC time, or empty: until unfrozen)"
          value={values.until}
          error={errors.until}
        />
        <Field
          name="reason"
          label="Reason (for the audit log and the banner)"
          value={values.reason}
          error={errors.reason}
        />
      </>
    ),
    run: async (input, { signedIn, c }) => {
      const until = parseUntil(input.until, adminUi(c).clock.now());
      const frozen = await deps.policy.freeze(signedIn.workspace.slug, {
        by: signedIn.member.id,
        ...(until && { until }),
        ...(input.reason !== '' && { reason: input.reason }),
      });
      const end = frozen.freeze.until;
      return {
        title: 'Workspace frozen',
        body: (
          <>
            <p>
              {signedIn.workspace.slug} is frozen{' '}
              {end ? (
                <>
                  until <Time iso={end} />
                </>
              ) : (
                'until someone unfreezes it'
              )}
              : every write is refused; reads go on.
            </p>
            <p>
              <a href={POLICY_PATH}>Back to the policy</a>
            </p>
          </>
        ),
      };
    },
  });

  mountAction(app, {
    path: UNFREEZE_PATH,
    title: 'Unfreeze the workspace',
    page: 'policy',
    event: 'workspace.unfrozen',
    sudo: true,
    schema: z.object({}),
    submitLabel: 'Unfreeze',
    fields: () => <p>Keys and connections can write again at once, as the policy allows.</p>,
    run: async (_input, { signedIn }) => {
      await deps.policy.unfreeze(signedIn.workspace.slug, signedIn.member.id);
      return {
        title: 'Workspace unfrozen',
        body: (
          <>
            <p>
              {signedIn.workspace.slug} is no longer frozen: writes are allowed again, as the policy says.
            </p>
            <p>
              <a href={POLICY_PATH}>Back to the policy</a>
            </p>
          </>
        ),
      };
    },
  });
}
