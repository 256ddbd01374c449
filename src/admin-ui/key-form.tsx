/**
 * The fields of the console's "Create an API key" form: each control labelled, its hint and
 * its error linked by `aria-describedby`. A viewer is offered the read-only preset only (the
 * service refuses anything wider, whatever is posted).
 */
import { ENVIRONMENTS } from '../config/index.js';
import {
  KNOWN_CLIENTS,
  type KnownClient,
  PRESETS,
  SCOPE_DESCRIPTIONS,
  SCOPES,
} from '../credentials/index.js';
import { canManageMembers } from '../domain/index.js';
import { type ActionFormProps, Field } from './action.js';

export const PRESET_CHOICES = ['read-only', 'standard', 'full', 'custom'] as const;
export const CLIENT_LABELS: Record<KnownClient, string> = {
  'claude-desktop': 'Claude Desktop',
  'claude-code': 'Claude Code',
  cursor: 'Cursor',
  windsurf: 'Windsurf',
  continue: 'Continue',
  vscode: 'VS Code',
};
export const scopeField = (scope: string) => `scope-${scope}`;

function ErrorText(props: { id: string; error: string | undefined }) {
  return props.error ? (
    <p class="field-error" id={`${props.id}-error`}>
      {props.error}
    </p>
  ) : null;
}

const described = (id: string, error: string | undefined) => ({
  'aria-invalid': error ? 'true' : undefined,
  'aria-describedby': error ? `${id}-error ${id}-hint` : `${id}-hint`,
});

function Choice(props: {
  name: string;
  value: string;
  label: string;
  checked: boolean;
  type?: 'radio' | 'checkbox';
}) {
  return (
    <li>
      <label class="check">
        <input type={props.type ?? 'radio'} name={props.name} value={props.value} checked={props.checked} />
        {props.label}
      </label>
    </li>
  );
}

function NameField(props: { value: string; error: string | undefined }) {
  const examples = KNOWN_CLIENTS.map((client) => `${client}-work-laptop`);
  return (
    <div class="field">
      <label>
        Name{' '}
        <input
          type="text"
          name="name"
          value={props.value}
          autocomplete="off"
          list="name-suggestions"
          {...described('name', props.error)}
        />
      </label>
      <p class="notice" id="name-hint">
        The client, then the machine, in kebab-case: for example <code>cursor-work-laptop</code> or{' '}
        <code>claude-code-ci-runner</code>. Left blank, it is made from the client and the machine below.
      </p>
      <datalist id="name-suggestions">
        {examples.map((example) => (
          <option value={example} />
        ))}
      </datalist>
      <ErrorText id="name" error={props.error} />
    </div>
  );
}

function ScopeFields(props: ActionFormProps & { viewer: boolean }) {
  const { values, errors, viewer } = props;
  const preset = values.preset ?? 'read-only';
  const presets = viewer ? (['read-only'] as const) : PRESET_CHOICES;
  return (
    <fieldset {...described('scopes', errors.scopes)}>
      <legend>Rights</legend>
      <p class="notice" id="scopes-hint">
        {viewer
          ? 'As a viewer you can create read-only keys only.'
          : `A preset, or "custom" and the scopes ticked below. Read-only: ${PRESETS['read-only'].join(' ')}.`}
      </p>
      <ErrorText id="scopes" error={errors.scopes} />
      <ul class="plain">
        {presets.map((p) => (
          <Choice
            name="preset"
            value={p}
            label={p === 'custom' ? 'custom: the scopes ticked below' : p}
            checked={preset === p}
          />
        ))}
      </ul>
      {!viewer && (
        <ul class="plain">
          {SCOPES.map((s) => (
            <Choice
              type="checkbox"
              name={scopeField(s)}
              value="on"
              label={`${s} — ${SCOPE_DESCRIPTIONS[s]}`}
              checked={values[scopeField(s)] === 'on'}
            />
          ))}
        </ul>
      )}
      {viewer ? (
        <input type="hidden" name="readOnly" value="on" />
      ) : (
        <ul class="plain">
          <Choice
            type="checkbox"
            name="readOnly"
            value="on"
            label="Read-only: drop every write scope"
            checked={values.readOnly === 'on'}
          />
        </ul>
      )}
      <ul class="plain">
        <Choice
          type="checkbox"
          name="dryRunOnly"
          value="on"
          label="Dry-run only: writes are only ever previewed"
          checked={values.dryRunOnly === 'on'}
        />
      </ul>
    </fieldset>
  );
}

function SelectField(props: {
  name: string;
  label: string;
  value: string;
  options: readonly (readonly [string, string])[];
  error: string | undefined;
  hint: string;
}) {
  return (
    <div class="field">
      <label>
        {props.label}{' '}
        <select name={props.name} {...described(props.name, props.error)}>
          {props.options.map(([value, text]) => (
            <option value={value} selected={value === props.value}>
              {text}
            </option>
          ))}
        </select>
      </label>
      <p class="notice" id={`${props.name}-hint`}>
        {props.hint}
      </p>
      <ErrorText id={props.name} error={props.error} />
    </div>
  );
}

export function CreateKeyFields(props: ActionFormProps) {
  const { values, errors, signedIn } = props;
  const manager = canManageMembers(signedIn.member.role);
  return (
    <>
      <SelectField
        name="client"
        label="Client"
        value={values.client ?? ''}
        options={[
          ['', 'none (no configuration snippet)'],
          ...KNOWN_CLIENTS.map((c) => [c, CLIENT_LABELS[c]] as const),
        ]}
        error={errors.client}
        hint="The AI client this key is for: the result shows its configuration."
      />
      <Field
        name="machine"
        label="Machine (for the name)"
        value={values.machine ?? ''}
        error={errors.machine}
      />
      <NameField value={values.name ?? ''} error={errors.name} />
      <SelectField
        name="environment"
        label="Environment"
        value={values.environment ?? signedIn.workspace.environment}
        options={ENVIRONMENTS.map((e) => [e, e] as const)}
        error={errors.environment}
        hint={`This workspace is ${signedIn.workspace.environment}; a key works only in its own environment.`}
      />
      {manager ? (
        <Field
          name="member"
          label="For member (email; blank: yourself)"
          value={values.member ?? ''}
          error={errors.member}
        />
      ) : (
        <div class="field">
          <p>The key acts for you, {signedIn.member.email}, within your rights.</p>
          <ErrorText id="member" error={errors.member} />
        </div>
      )}
      <ScopeFields {...props} viewer={signedIn.member.role === 'viewer'} />
      <Field
        name="projects"
        label="Projects (keys, comma-separated; blank: all)"
        value={values.projects ?? ''}
        error={errors.projects}
      />
      <Field
        name="ip"
        label="IP allow-list (CIDR blocks, comma-separated; blank: any)"
        value={values.ip ?? ''}
        error={errors.ip}
      />
      <Field
        name="expiresIn"
        label={`Expires in (days; at most ${signedIn.workspace.keyRotationDays}, the rotation policy)`}
        value={values.expiresIn ?? ''}
        error={errors.expiresIn}
      />
    </>
  );
}
