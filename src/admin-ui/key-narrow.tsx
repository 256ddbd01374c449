/**
 * Integrations → API keys → narrow: take rights away from a key (scopes, projects, read-only,
 * dry-run only, an earlier expiry, a tighter IP allow-list), the service `keys narrow` calls.
 * SECURITY: the form offers only what the key has; what a forged form adds (a scope with a
 * glued character, a later expiry, a wider IP block) the service refuses beside its field,
 * and nothing changes. Same roles as the other key actions (key-actions.tsx).
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { KeyForAction, KeyNarrowing, NarrowKeyInput } from '../credentials/index.js';
import { Field, mountAction } from './action.js';
import {
  actorOf,
  BackLinks,
  KEYS_PATH,
  type KeyActionDeps,
  KeySummary,
  loadKey,
} from './key-action-parts.js';

const FIELD_MAX = 2000;

const narrowSchema = z.object({
  'remove-scope': z.string().max(FIELD_MAX, 'too long').optional(),
  'remove-project': z.string().max(FIELD_MAX, 'too long').optional(),
  'read-only': z.literal('on', { message: 'tick the box, or leave it' }).optional(),
  'dry-run-only': z.literal('on', { message: 'tick the box, or leave it' }).optional(),
  expires: z.string().trim().max(64, 'must be a duration like 7d or an ISO time').optional(),
  ip: z.string().trim().max(FIELD_MAX, 'too long').optional(),
});

const items = (text: string | undefined, separator: RegExp) =>
  (text ?? '')
    .split(separator)
    .map((item) => item.trim())
    .filter(Boolean);

/** The form's text as the service's request; a field left empty asks for nothing. */
export function narrowInput(input: z.infer<typeof narrowSchema>): NarrowKeyInput {
  const scopes = items(input['remove-scope'], /\n/);
  const projects = items(input['remove-project'], /\n/);
  const ip = items(input.ip, /[\s,]+/);
  return {
    ...(scopes.length && { removeScopes: scopes }),
    ...(projects.length && { removeProjects: projects }),
    ...(input['read-only'] && { readOnly: true }),
    ...(input['dry-run-only'] && { dryRunOnly: true }),
    ...(input.expires && { expires: input.expires }),
    ...(ip.length && { ip }),
  };
}

function Checks(props: {
  name: string;
  legend: string;
  options: readonly { value: string; label: string }[];
  chosen: readonly string[];
  error?: string | undefined;
}) {
  const errorId = `${props.name}-error`;
  return (
    <fieldset aria-describedby={props.error ? errorId : undefined}>
      <legend>{props.legend}</legend>
      <ul class="plain">
        {props.options.map((o) => (
          <li>
            <label class="check">
              <input
                type="checkbox"
                name={props.name}
                value={o.value}
                checked={props.chosen.includes(o.value)}
              />
              {o.label}
            </label>
          </li>
        ))}
      </ul>
      {props.error && (
        <p class="field-error" id={errorId}>
          {props.error}
        </p>
      )}
    </fieldset>
  );
}

function Flag(props: {
  name: string;
  label: string;
  on: boolean;
  already: boolean;
  error?: string | undefined;
}) {
  if (props.already) return <p>Already {props.label.toLowerCase()}.</p>;
  const errorId = `${props.name}-error`;
  return (
    <div class="field">
      <label class="check">
        <input
          type="checkbox"
          name={props.name}
          value="on"
          checked={props.on}
          aria-describedby={props.error ? errorId : undefined}
        />
        {props.label}
      </label>
      {props.error && (
        <p class="field-error" id={errorId}>
          {props.error}
        </p>
      )}
    </div>
  );
}

function NarrowFields(props: {
  subject: KeyForAction;
  values: Readonly<Record<string, string>>;
  errors: Readonly<Record<string, string>>;
}) {
  const { subject, values, errors } = props;
  const k = subject.key;
  // A key for every project can be limited to the projects its member sees, minus some.
  const projects = k.projects ?? subject.projects.map((p) => p.key);
  return (
    <>
      <p>
        Take rights away from this key (and from its old key, if one is still in its grace window). A
        narrowing never adds a right: to give more, create a new key.
      </p>
      <Checks
        name="remove-scope"
        legend="Scopes to take away"
        options={k.scopes.map((s) => ({ value: s, label: s }))}
        chosen={items(values['remove-scope'], /\n/)}
        error={errors['remove-scope']}
      />
      <Checks
        name="remove-project"
        legend={
          k.projects ? 'Projects to take away' : 'Projects to take away (the key then keeps the others)'
        }
        options={projects.map((p) => ({ value: p, label: p }))}
        chosen={items(values['remove-project'], /\n/)}
        error={errors['remove-project']}
      />
      <Flag
        name="read-only"
        label="Read-only"
        on={values['read-only'] === 'on'}
        already={k.readOnly}
        error={errors['read-only']}
      />
      <Flag
        name="dry-run-only"
        label="Dry-run only"
        on={values['dry-run-only'] === 'on'}
        already={k.dryRunOnly}
        error={errors['dry-run-only']}
      />
      <Field
        name="expires"
        label="Expire earlier: a duration from now (7d) or a time (2026-12-31T18:00Z)"
        value={values.expires ?? ''}
        error={errors.expires}
      />
      <Field
        name="ip"
        label={
          k.ip
            ? `Tighter IP allow-list, inside ${k.ip.join(', ')}`
            : 'Allow only these addresses or CIDR blocks'
        }
        value={values.ip ?? ''}
        error={errors.ip}
      />
    </>
  );
}

function NarrowedBody(props: { result: KeyNarrowing }) {
  const { result } = props;
  return (
    <>
      <p>
        {result.key.name} now has fewer rights ({result.changed.join(', ')}). Keys narrowed:{' '}
        {result.narrowed.map((k) => k.display).join(', ')}. A confirmation still waiting for this key is
        checked against these rights when it is confirmed.
      </p>
      <KeySummary keyView={result.key} />
      <BackLinks id={result.key.id} />
    </>
  );
}

export function mountNarrow(app: Hono, deps: KeyActionDeps): void {
  mountAction(app, {
    path: `${KEYS_PATH}/:id/narrow`,
    current: KEYS_PATH,
    title: "Narrow a key's rights",
    page: 'keys',
    event: 'key.narrowed',
    sudo: false,
    subject: loadKey(deps, 'narrow'),
    multiple: ['remove-scope', 'remove-project'],
    schema: narrowSchema,
    submitLabel: 'Narrow key',
    fields: ({ subject, values, errors }) => (
      <>
        <KeySummary keyView={subject.key} />
        <NarrowFields subject={subject} values={values} errors={errors} />
      </>
    ),
    run: async (input, { signedIn, subject }) => {
      const result = await deps.keys.narrow(signedIn.workspace.slug, subject.key.id, narrowInput(input), {
        actor: actorOf(signedIn),
      });
      return { title: 'Key narrowed', body: <NarrowedBody result={result} /> };
    },
  });
}
