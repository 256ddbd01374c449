/**
 * `/admin/alerts/rules` (owners and admins, sudo): each anomaly rule on or off, its action,
 * the suspension mode and its thresholds. The ranges are the `anomalyRules` settings section's
 * (the one `taskgate` and the rules read); a value it refuses comes back beside its field and
 * nothing is saved. Field names are `<rule>.<setting>`, the service's issue paths.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { type FieldIssue, invalidInput } from '../core/index.js';
import {
  ANOMALY_RULES,
  type AnomalyRules,
  type MonitoringSettings,
  RULE_ACTIONS,
  RULE_NAMES,
  type RuleName,
} from '../monitoring/index.js';
import { Field, type FieldErrors, mountAction } from './action.js';
import { CheckboxField, SelectField } from './choice-field.js';
import type { SignedInMember } from './session.js';

export const ALERT_RULES_PATH = '/admin/alerts/rules';

export type AlertRulesPort = Pick<MonitoringSettings, 'read' | 'change'>;

const CHOICE_FIELDS = new Set(['enabled', 'action', 'suspendMode']);
const MODES = [
  { value: 'read_only', label: 'read-only' },
  { value: 'dry_run', label: 'dry-run' },
];
const ACTIONS = RULE_ACTIONS.map((a) => ({ value: a, label: a }));

/** A rule's thresholds: every setting beyond the switch, the action and the mode. */
const thresholds = (rules: AnomalyRules, rule: RuleName) =>
  Object.keys(rules[rule]).filter((field) => !CHOICE_FIELDS.has(field));

/** The stored rules as the form's text values. */
function asValues(rules: AnomalyRules): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rule of RULE_NAMES)
    for (const [field, value] of Object.entries(rules[rule]))
      if (field !== 'enabled' || value === true) out[`${rule}.${field}`] = String(value);
  return out;
}

// Digits (a decimal point for factors): " 5" or "5e1" is a typo to point out, not a number.
const NUMBER = /^\d{1,9}(\.\d{1,3})?$/;

/** The form's values as a patch of the section; a number that is not one, beside its field. */
function toPatch(rules: AnomalyRules, values: Readonly<Record<string, string>>): Record<string, unknown> {
  const issues: FieldIssue[] = [];
  const patch: Record<string, Record<string, unknown>> = {};
  for (const rule of RULE_NAMES) {
    const name = (field: string) => `${rule}.${field}`;
    const next: Record<string, unknown> = {
      // A checkbox left unticked posts nothing: the rule is off.
      enabled: values[name('enabled')] === 'on',
      action: values[name('action')] ?? '',
      suspendMode: values[name('suspendMode')] ?? '',
    };
    for (const field of thresholds(rules, rule)) {
      const text = values[name(field)] ?? '';
      if (NUMBER.test(text)) next[field] = Number(text);
      else issues.push({ field: name(field), message: 'must be a number written in digits' });
    }
    patch[rule] = next;
  }
  if (issues.length > 0) throw invalidInput(issues);
  return patch;
}

async function RuleFields(props: {
  settings: AlertRulesPort;
  signedIn: SignedInMember;
  values: Readonly<Record<string, string>>;
  errors: FieldErrors;
}) {
  const rules = await props.settings.read(props.signedIn.workspace.id, ANOMALY_RULES);
  const posted = Object.keys(props.values).length > 0;
  const values = posted ? props.values : asValues(rules);
  return (
    <>
      <p>
        A rule raises an alert; its action says what else happens: notify people, suspend the key until
        someone lifts it, or contain it as an incident. Thresholds are per key.
      </p>
      {RULE_NAMES.map((rule) => {
        const name = (field: string) => `${rule}.${field}`;
        return (
          <fieldset>
            <legend>{rule}</legend>
            <CheckboxField
              name={name('enabled')}
              label="On"
              checked={values[name('enabled')] === 'on' || values[name('enabled')] === 'true'}
              error={props.errors[name('enabled')]}
            />
            <SelectField
              name={name('action')}
              label="Action"
              choices={ACTIONS}
              value={values[name('action')]}
              error={props.errors[name('action')]}
            />
            <SelectField
              name={name('suspendMode')}
              label="Suspension mode"
              choices={MODES}
              value={values[name('suspendMode')]}
              error={props.errors[name('suspendMode')]}
            />
            {thresholds(rules, rule).map((field) => (
              <Field
                name={name(field)}
                label={field}
                value={values[name(field)]}
                error={props.errors[name(field)]}
              />
            ))}
          </fieldset>
        );
      })}
    </>
  );
}

export function mountAlertRules(app: Hono, settings: AlertRulesPort): void {
  mountAction(app, {
    path: ALERT_RULES_PATH,
    current: '/admin/alerts',
    title: 'Anomaly rules',
    page: 'alerts',
    event: 'monitoring.settings_changed',
    sudo: true,
    schema: z.record(z.string(), z.string()),
    submitLabel: 'Save the rules',
    fields: (props) => <RuleFields settings={settings} {...props} />,
    run: async (input, { signedIn }) => {
      const current = await settings.read(signedIn.workspace.id, ANOMALY_RULES);
      await settings.change(
        signedIn.workspace.slug,
        ANOMALY_RULES,
        toPatch(current, input),
        signedIn.member.id,
      );
      return {
        title: 'Rules saved',
        body: (
          <p>
            The rules hold from the next call. <a href={ALERT_RULES_PATH}>Change them again</a> ·{' '}
            <a href="/admin/alerts">Back to the alerts</a>
          </p>
        ),
      };
    },
  });
}
