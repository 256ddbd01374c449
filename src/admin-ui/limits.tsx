/**
 * Request limits (owners and admins, sudo, under Policy): the workspace's reads and writes per
 * minute per key, per member and per client address on /mcp (issue 16). The form reads digits
 * strictly; the ranges are the monitoring settings' (`rateLimits`), the ones
 * `taskgate limits set` goes through, and a value they refuse comes back beside its field.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import {
  RATE_LIMIT_FIELDS,
  RATE_LIMIT_LABELS,
  RATE_LIMIT_WINDOW_SECONDS,
  type RateLimitSettings,
  type RateLimits,
} from '../monitoring/index.js';
import { Field, type FieldErrors, mountAction } from './action.js';
import { POLICY_PATH } from './layout.js';
import type { SignedInMember } from './session.js';

export const LIMITS_PATH = '/admin/policy/limits';

export type RateLimitsPort = Pick<RateLimits, 'show' | 'tune'>;

// Digits only: " 60" or "6e1" is a typo to point out. The range is the settings'.
const count = z
  .string()
  .regex(/^\d{1,9}$/, 'must be a whole number written in digits')
  .transform(Number);

const limitsForm = z.object(
  Object.fromEntries(RATE_LIMIT_FIELDS.map((field) => [field, count])) as Record<
    keyof RateLimitSettings,
    typeof count
  >,
);

function LimitsTable(props: { limits: RateLimitSettings }) {
  return (
    <table>
      <tbody>
        {RATE_LIMIT_FIELDS.map((field) => (
          <tr>
            <th scope="row">{RATE_LIMIT_LABELS[field]}</th>
            <td>{props.limits[field]}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

async function LimitsFields(props: {
  limits: RateLimitsPort;
  signedIn: SignedInMember;
  values: Readonly<Record<string, string>>;
  errors: FieldErrors;
}) {
  const stored = await props.limits.show(props.signedIn.workspace.id);
  const values =
    Object.keys(props.values).length > 0
      ? props.values
      : Object.fromEntries(RATE_LIMIT_FIELDS.map((field) => [field, String(stored[field])]));
  return (
    <>
      <p>
        Requests over a limit within {RATE_LIMIT_WINDOW_SECONDS} seconds are refused with HTTP 429 and told
        when to retry. The defaults are far above what an assistant driven by a person does; lower them to
        stop a runaway loop sooner, raise them for a heavy scripted job.
      </p>
      <fieldset>
        <legend>Per minute</legend>
        {RATE_LIMIT_FIELDS.map((field) => (
          <Field
            name={field}
            label={RATE_LIMIT_LABELS[field]}
            value={values[field]}
            error={props.errors[field]}
          />
        ))}
      </fieldset>
    </>
  );
}

export function mountLimits(app: Hono, limits: RateLimitsPort): void {
  mountAction(app, {
    path: LIMITS_PATH,
    current: POLICY_PATH,
    title: 'Request limits',
    page: 'policy',
    event: 'monitoring.settings_changed',
    sudo: true,
    schema: limitsForm,
    submitLabel: 'Save the limits',
    fields: (props) => <LimitsFields limits={limits} {...props} />,
    run: async (input, { signedIn }) => {
      const saved = await limits.tune(signedIn.workspace.slug, input, signedIn.member.id);
      return {
        title: 'Limits saved',
        body: (
          <>
            <p>The limits hold from the next request.</p>
            <LimitsTable limits={saved} />
            <p>
              <a href={LIMITS_PATH}>Change them again</a> · <a href={POLICY_PATH}>Back to the policy</a>
            </p>
          </>
        ),
      };
    },
  });
}
