/**
 * Integrations → API keys: the actions on one key, each a form page and its POST through
 * `mountAction` — rotate (sudo; a grace window, or "leaked": no grace), revoke (the whole
 * rotation family, listed before it happens) and narrow (key-narrow.tsx). The key page
 * (`/admin/keys/:id`) and the list are keys.tsx's; the result pages link back to them.
 * SECURITY: which keys a member may act on is the credentials service's (key-actor.ts): a key
 * of someone else, an OAuth connection, or (for a viewer) a write-capable key to rotate is
 * the same 404 as an unknown page. The new secret of a rotation is shown on its result page
 * once and never again (the pages are `no-store`).
 */
import type { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { z } from 'zod';
import { invalidInput, parseDuration } from '../core/index.js';
import type { IssuedKey, KeyForAction, KeyRevocation, KeyView } from '../credentials/index.js';
import { Field, mountAction } from './action.js';
import {
  actorOf,
  BackLinks,
  KEYS_PATH,
  type KeyActionDeps,
  KeySummary,
  loadKey,
} from './key-action-parts.js';
import { mountLift } from './key-lift.js';
import { mountNarrow } from './key-narrow.js';
import { Time } from './layout.js';

export { KEYS_PATH, type KeyActionDeps, keyPath } from './key-action-parts.js';

function FamilyList(props: { keys: readonly KeyView[] }) {
  return (
    <ul>
      {props.keys.map((k) => (
        <li>
          <code>{k.display}</code> ({k.id}) —{' '}
          {k.status === 'grace' ? 'old key still in its grace window' : k.status}
          {k.lastUsed ? (
            <>
              , last used <Time iso={k.lastUsed.at} />
            </>
          ) : (
            ', never used'
          )}
        </li>
      ))}
    </ul>
  );
}

/** What the rotate form offers: the grace windows `keys rotate --grace` takes, and `--leaked`. */
const GRACE_CHOICES = [
  { value: '1h', label: '1 hour' },
  { value: '24h', label: '24 hours (the default)' },
  { value: '72h', label: '3 days' },
  { value: '168h', label: '7 days (the longest)' },
  { value: 'other', label: 'Another grace window (30m, 12h… up to 168h)' },
  { value: 'leaked', label: 'Leaked: no grace — the old key stops at once' },
] as const;
type GraceChoice = (typeof GRACE_CHOICES)[number]['value'];
const GRACE_VALUES = GRACE_CHOICES.map((c) => c.value) as [GraceChoice, ...GraceChoice[]];

const rotateSchema = z.object({
  grace: z.enum(GRACE_VALUES, { message: 'choose a grace window, or leaked' }),
  'grace-other': z.string().max(16, 'must be a duration like 30m or 12h').optional(),
});

function graceOf(input: z.infer<typeof rotateSchema>): { graceHours: number } | { leaked: true } {
  if (input.grace === 'leaked') return { leaked: true };
  const text = input.grace === 'other' ? (input['grace-other'] ?? '') : input.grace;
  const parsed = parseDuration(text, ['m', 'h']);
  if (!parsed.ok) throw invalidInput([{ field: 'grace-other', message: parsed.error }]);
  return { graceHours: parsed.value / 3_600_000 };
}

function GraceFields(props: {
  values: Readonly<Record<string, string>>;
  errors: Readonly<Record<string, string>>;
}) {
  const chosen = props.values.grace ?? '24h';
  const error = props.errors.grace;
  return (
    <>
      <fieldset aria-describedby={error ? 'grace-error' : undefined}>
        <legend>How long may the old key keep working?</legend>
        <ul class="plain">
          {GRACE_CHOICES.map((choice) => (
            <li>
              <label class="check">
                <input type="radio" name="grace" value={choice.value} checked={chosen === choice.value} />
                {choice.label}
              </label>
            </li>
          ))}
        </ul>
        {error && (
          <p class="field-error" id="grace-error">
            {error}
          </p>
        )}
      </fieldset>
      <Field
        name="grace-other"
        label="Another grace window"
        value={props.values['grace-other'] ?? ''}
        error={props.errors['grace-other']}
      />
    </>
  );
}

function RotatedBody(props: { rotated: IssuedKey & { old: KeyView; revoked: KeyView[] }; leaked: boolean }) {
  const { rotated, leaked } = props;
  return (
    <>
      <p>
        The new key for <strong>{rotated.key.name}</strong>. It is shown <strong>this once</strong>: copy it
        into your client now. Taskgate keeps only its hash and cannot show it again.
      </p>
      <div class="field">
        <label for="new-key">New key</label>
        <input
          id="new-key"
          type="text"
          readonly
          value={rotated.secret}
          autocomplete="off"
          spellcheck={false}
        />
      </div>
      <p>
        <button type="button" data-copy="new-key">
          Copy
        </button>
      </p>
      {leaked ? (
        <>
          <p>The leaked key stopped working now. Its next request gets 401:</p>
          <FamilyList keys={rotated.revoked} />
        </>
      ) : rotated.old.grace ? (
        <p>
          The old key <code>{rotated.old.display}</code> keeps working until{' '}
          <Time iso={rotated.old.grace.until} />, then stops.
        </p>
      ) : null}
      <p>
        New key: <code>{rotated.key.display}</code>, expires <Time iso={rotated.key.expiresAt} />.
      </p>
      <BackLinks id={rotated.key.id} />
    </>
  );
}

function RevokedBody(props: { result: KeyRevocation; id: string }) {
  const { result } = props;
  const count = result.revoked.length;
  return (
    <>
      <p>
        {result.name}: {count === 1 ? '1 key was revoked' : `${count} keys were revoked`}. Their next request
        gets 401.
      </p>
      <FamilyList keys={result.revoked} />
      {result.alreadyRevoked.length > 0 && (
        <p>Revoked before: {result.alreadyRevoked.map((k) => k.display).join(', ')}.</p>
      )}
      <BackLinks id={props.id} />
    </>
  );
}

function Intro(props: { children: Child; subject: KeyForAction }) {
  return (
    <>
      <KeySummary keyView={props.subject.key} />
      {props.children}
    </>
  );
}

export function mountKeyActions(app: Hono, deps: KeyActionDeps): void {
  mountAction(app, {
    path: `${KEYS_PATH}/:id/rotate`,
    current: KEYS_PATH,
    title: 'Rotate a key',
    page: 'keys',
    event: 'key.rotated',
    sudo: true,
    subject: loadKey(deps, 'rotate'),
    schema: rotateSchema,
    submitLabel: 'Rotate key',
    fields: ({ subject, values, errors }) => (
      <Intro subject={subject}>
        <p>
          Rotating issues a new key with the same rights. Put it in your client; the old key keeps working for
          the grace window you choose, so nothing breaks meanwhile. If the key leaked, give it no grace.
        </p>
        <GraceFields values={values} errors={errors} />
      </Intro>
    ),
    run: async (input, { signedIn, subject }) => {
      const grace = graceOf(input);
      const rotated = await deps.keys.rotate(signedIn.workspace.slug, subject.key.id, {
        ...grace,
        actor: actorOf(signedIn),
      });
      return { title: 'Key rotated', body: <RotatedBody rotated={rotated} leaked={'leaked' in grace} /> };
    },
  });

  mountAction(app, {
    path: `${KEYS_PATH}/:id/revoke`,
    current: KEYS_PATH,
    title: 'Revoke a key',
    page: 'keys',
    event: 'key.revoked',
    sudo: false,
    subject: loadKey(deps, 'revoke'),
    schema: z.object({}),
    submitLabel: 'Revoke now',
    fields: ({ subject }) => (
      <Intro subject={subject}>
        {subject.family.length === 0 ? (
          <p>No key of this family works any more: there is nothing left to revoke.</p>
        ) : (
          <>
            <p>
              Revoking stops the key at once, with its whole rotation family:{' '}
              {subject.family.length === 1
                ? 'the key below gets'
                : `the ${subject.family.length} keys below get`}{' '}
              401 on their next request. This cannot be undone; a client that still needs access needs a new
              key.
            </p>
            <FamilyList keys={subject.family} />
          </>
        )}
      </Intro>
    ),
    run: async (_input, { signedIn, subject }) => {
      const result = await deps.keys.revoke(signedIn.workspace.slug, subject.key.id, {
        actor: actorOf(signedIn),
      });
      return { title: 'Key revoked', body: <RevokedBody result={result} id={subject.key.id} /> };
    },
  });

  mountNarrow(app, deps);
  if (deps.suspensions) mountLift(app, deps, deps.suspensions);
}
