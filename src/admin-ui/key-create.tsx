/**
 * Creating an API key in the console: the form (name with the naming rule and suggestions,
 * environment, preset or scopes, projects, flags, IP allow-list, expiry, client), read with
 * zod, then the same `keys.create` the CLI calls, acting as the signed-in member.
 * SECURITY: the secret is in the result page only — a readonly input to select or copy — and
 * never again: the service stores its hash, audits no secret, and no later page holds it. A
 * viewer is offered only read-only keys; the service refuses anything else whatever is posted.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { ENVIRONMENTS } from '../config/index.js';
import { AppError } from '../core/index.js';
import {
  type CreateKeyInput,
  checkKeyName,
  clientConfigSnippet,
  type IssuedKey,
  KNOWN_CLIENTS,
  type KnownClient,
  SCOPES,
  suggestKeyName,
} from '../credentials/index.js';
import { findUnsafeCharacter, unsafeCharacterMessage } from '../domain/index.js';
import { type FieldErrors, mountAction } from './action.js';
import type { KeyPageDeps } from './key-deps.js';
import { CLIENT_LABELS, CreateKeyFields, PRESET_CHOICES, scopeField } from './key-form.js';
import { KEYS_PATH, keyPath } from './key-table.js';

export const NEW_KEY_PATH = `${KEYS_PATH}/new`;

/** One line of text: a control, bidi or line-separator character anywhere refuses it whole. */
const line = (max: number) =>
  z.string().superRefine((value, ctx) => {
    const unsafe = findUnsafeCharacter(value, 'line');
    if (unsafe) ctx.addIssue({ code: 'custom', message: unsafeCharacterMessage(unsafe, 'line') });
    else if (value.length > max)
      ctx.addIssue({ code: 'custom', message: `must be at most ${max} characters` });
  });

const checked = z.enum(['on']).optional();
const list = (value: string) =>
  value
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);

export const createKeyForm = z
  .object({
    name: line(64).default(''),
    machine: line(48).default(''),
    client: z.enum(['', ...KNOWN_CLIENTS], { message: 'choose one of the clients listed' }).default(''),
    environment: z.enum(ENVIRONMENTS, { message: `must be one of ${ENVIRONMENTS.join(', ')}` }),
    member: line(254).default(''),
    preset: z.enum(PRESET_CHOICES, { message: 'choose a preset or "custom"' }).default('read-only'),
    projects: line(500).default(''),
    readOnly: checked,
    dryRunOnly: checked,
    ip: line(1000).default(''),
    expiresIn: z
      .string()
      .regex(/^\s*(?:[1-9]\d{0,2})?\s*$/, 'must be a whole number of days, like 30')
      .default(''),
  })
  .catchall(z.string())
  .superRefine((form, ctx) => {
    const name = keyNameOf(form);
    if (checkKeyName(name))
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: `must be kebab-case <client>-<machine>, 3-64 characters of a-z, 0-9 and "-"; try "${suggestKeyName(name || `${form.client || 'cursor'}-${form.machine || 'work-laptop'}`)}"`,
      });
    const ticked = Object.keys(form).filter((field) => field.startsWith('scope-'));
    const unknown = ticked.filter((field) => !SCOPES.some((s) => scopeField(s) === field));
    if (unknown.length)
      ctx.addIssue({ code: 'custom', path: ['scopes'], message: `unknown scope ${unknown.join(', ')}` });
    else if (form.preset === 'custom' && ticked.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['scopes'],
        message: 'tick at least one scope, or choose a preset',
      });
  });

type CreateKeyForm = z.infer<typeof createKeyForm>;

/** The name typed, or — left blank with a client and a machine — the name they make. */
function keyNameOf(form: Pick<CreateKeyForm, 'name' | 'client' | 'machine'>): string {
  const name = form.name.trim();
  if (name || !form.client || !form.machine.trim()) return name;
  return suggestKeyName(`${form.client}-${form.machine}`);
}

/** The service's input from the form: exactly what `taskgate keys create` would pass. */
export function toCreateKeyInput(form: CreateKeyForm, workspace: string): CreateKeyInput {
  const scopes = SCOPES.filter((s) => form[scopeField(s)] === 'on');
  const projects = list(form.projects);
  const ip = list(form.ip);
  const days = form.expiresIn.trim();
  return {
    workspace,
    name: keyNameOf(form),
    environment: form.environment,
    readOnly: form.readOnly === 'on',
    dryRunOnly: form.dryRunOnly === 'on',
    ...(form.preset === 'custom' ? { scopes } : { preset: form.preset }),
    ...(form.member.trim() && { member: form.member.trim() }),
    ...(projects.length && { projects }),
    ...(ip.length && { ip }),
    ...(days && { expiresIn: `${days}d` }),
    ...(form.client && { client: form.client }),
  };
}

/** The service names some fields as the CLI flags do; the form's names for them. */
const FORM_FIELD: Readonly<Record<string, string>> = {
  env: 'environment',
  'expires-in': 'expiresIn',
  workspace: '',
};

/** A refusal of `keys.create` that names fields (bad input, or a right the role lacks), as form errors. */
export function keyFormRefusal(error: unknown): { errors: FieldErrors; status: 400 | 403 } | undefined {
  if (!(error instanceof AppError) || (error.code !== 'invalid_input' && error.code !== 'forbidden'))
    return undefined;
  if (error.fields.length === 0) return undefined;
  const errors: Record<string, string> = {};
  for (const issue of error.fields) errors[FORM_FIELD[issue.field] ?? issue.field] ??= issue.message;
  return { errors, status: error.code === 'forbidden' ? 403 : 400 };
}

/** The result page: the secret once, its copy button, and the client's configuration. */
export function ShownOnce(props: { issued: IssuedKey; mcpUrl: string }) {
  const { key, secret } = props.issued;
  const client =
    key.client !== null && (KNOWN_CLIENTS as readonly string[]).includes(key.client)
      ? (key.client as KnownClient)
      : null;
  const snippet = client && clientConfigSnippet({ client, mcpUrl: props.mcpUrl, keyName: key.name });
  return (
    <>
      <p role="status">
        Key <strong>{key.name}</strong> for {key.member.email} ({key.environment}) expires{' '}
        {key.expiresAt.slice(0, 10)}. Scopes: {key.scopes.join(' ')}.
      </p>
      <p class="error">
        This is the only time the key is shown. Copy it now into a password manager or the client's
        configuration: it cannot be shown again.
      </p>
      <div class="field">
        <label for="new-key">Your new key</label>
        <input id="new-key" type="text" readonly value={secret} autocomplete="off" spellcheck={false} />
      </div>
      <p>
        <button type="button" data-copy="new-key">
          Copy
        </button>
      </p>
      <p>
        MCP endpoint: <code>{props.mcpUrl}</code> (header <code>Authorization: Bearer &lt;key&gt;</code>)
      </p>
      {snippet && (
        <>
          <h2>Configuration for {CLIENT_LABELS[client]}</h2>
          <p>Paste into {snippet.file}:</p>
          <pre>
            <code>{snippet.text}</code>
          </pre>
          <p>{snippet.note}</p>
        </>
      )}
      <p>
        <a href={keyPath(key.id)}>The key's page</a> · <a href={KEYS_PATH}>All keys</a>
      </p>
    </>
  );
}

export function mountCreateKey(app: Hono, deps: KeyPageDeps): void {
  mountAction(app, {
    path: NEW_KEY_PATH,
    title: 'Create an API key',
    page: 'keys',
    event: 'key.created',
    sudo: true,
    schema: createKeyForm,
    submitLabel: 'Create key',
    fields: (props) => <CreateKeyFields {...props} />,
    refusal: keyFormRefusal,
    run: async (form, { signedIn }) => {
      const { member, workspace } = signedIn;
      const issued = await deps.keys.create(toCreateKeyInput(form, workspace.slug), {
        actor: { memberId: member.id, email: member.email },
      });
      return { title: 'Key created', body: <ShownOnce issued={issued} mcpUrl={deps.mcpUrl} /> };
    },
  });
}
