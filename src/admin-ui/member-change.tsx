/**
 * Changing a member's role and removing a member, in the console. SECURITY: each says what it
 * will revoke or narrow before it happens — the member service's preview, refused exactly when
 * the change would be (the last owner, an admin touching an owner) — and the confirmation
 * form carries the digest of that preview, so the result says when what was applied differs
 * from what the person saw. Both are sudo actions. The POST follows `mountAction`'s order:
 * role gate, form read, CSRF and origin (refusals audited), sudo, then the service; a refusal
 * re-renders the page with the error beside its field and changes nothing.
 */
import type { Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { z } from 'zod';
import { type MemberService, planDigest } from '../admin/index.js';
import { isAppError } from '../core/index.js';
import { ROLES } from '../model/index.js';
import { type FieldErrors, fieldErrors } from './action.js';
import { SelectField } from './choice-field.js';
import { formLimit, readForm, formText as text } from './form.js';
import { renderPage } from './layout.js';
import { CascadeView } from './member-preview.js';
import { gate } from './not-found.js';
import { adminUi, requestOrigin, type SignedInMember, verifyCsrf } from './session.js';
import { requireRecentSignIn } from './sudo.js';
import { type PageStatus, toPageError } from './to-page-error.js';

export const MEMBERS_PATH = '/admin/members';
export const ROLE_PATH = '/admin/members/role';
export const REMOVE_PATH = '/admin/members/remove';

export interface MemberPageDeps {
  /** The service `taskgate members` calls: list, invite, preview, change a role, remove. */
  readonly members: Pick<MemberService, 'list' | 'invite' | 'preview' | 'changeRole' | 'remove'>;
  /** Where the invitation's login link points. */
  readonly publicUrl: string;
}

export const ROLE_CHOICES = ROLES.map((role) => ({ value: role, label: role }));

/** Who acts, as the member service takes it: the signed-in member, through the web. */
export const actingFrom = (signedIn: SignedInMember) =>
  ({ workspace: signedIn.workspace.slug, by: { member: signedIn.member.id }, via: 'web' }) as const;

const FORM_EXPIRED = 'This form expired or did not come from this site. Reload the page and try again.';

// Sizes only: the service reads the email and the role strictly and names the field.
const changeSchema = z.object({
  email: z.string().max(320, 'must be at most 254 characters'),
  role: z
    .string()
    .max(20, `must be one of ${ROLES.join(', ')}`)
    .optional(),
  seen: z.string().max(64).optional(),
});

interface ChangeState {
  readonly kind: 'role' | 'remove';
  readonly email: string;
  readonly role?: string | undefined;
  readonly errors?: FieldErrors;
  readonly status?: 200 | PageStatus;
}

/** A service refusal as field errors: the field it names, or the role (or the form) for a rule. */
function refusalErrors(
  error: unknown,
  kind: ChangeState['kind'],
): { errors: FieldErrors; status: PageStatus } {
  const { message, status } = toPageError(error);
  const named = isAppError(error)
    ? error.fields.filter((f) => f.field === 'email' || f.field === 'role')
    : [];
  if (named.length > 0) return { errors: Object.fromEntries(named.map((f) => [f.field, f.message])), status };
  return { errors: { [kind === 'role' ? 'role' : '']: message }, status };
}

export function mountMemberChanges(app: Hono, deps: MemberPageDeps): void {
  const path = (kind: ChangeState['kind']) => (kind === 'role' ? ROLE_PATH : REMOVE_PATH);
  const title = (kind: ChangeState['kind']) => (kind === 'role' ? 'Change a role' : 'Remove a member');

  /** The page: the role choice (a GET form), then the preview and its confirmation form. */
  async function changePage(c: Context, signedIn: SignedInMember, state: ChangeState): Promise<Response> {
    const { kind, email } = state;
    let errors = state.errors ?? {};
    let status = state.status ?? 200;
    let preview: Child = null;
    const wanted =
      kind === 'remove' ? ({ kind } as const) : state.role ? { kind, role: state.role } : undefined;
    if (wanted && Object.keys(errors).length === 0) {
      try {
        const result = await deps.members.preview({ ...actingFrom(signedIn), email }, wanted);
        const what =
          result.change.kind === 'remove'
            ? `Remove ${result.member.email} (${result.member.role})`
            : `Change ${result.member.email} from ${result.change.from} to ${result.change.to}`;
        preview = (
          <>
            <p>
              <strong>{what}.</strong> This is what it will do, in the same transaction:
            </p>
            <CascadeView result={result} done={false} />
            <form class="stack" method="post" action={path(kind)}>
              <input type="hidden" name="csrf" value={signedIn.csrfToken} />
              <input type="hidden" name="email" value={result.member.email} />
              {wanted.kind === 'role' && <input type="hidden" name="role" value={wanted.role} />}
              <input type="hidden" name="seen" value={planDigest(result)} />
              <button type="submit">
                {kind === 'role' ? `Change role to ${wanted.role}` : `Remove ${email}`}
              </button>
            </form>
          </>
        );
      } catch (error) {
        ({ errors, status } = refusalErrors(error, kind));
      }
    }
    // First view: the select starts at the member's current role, not at whichever comes first.
    const shown =
      state.role ??
      (kind === 'role'
        ? (await deps.members.list(actingFrom(signedIn))).find((l) => l.member.email === email)?.member.role
        : undefined);
    const chooser =
      kind === 'role' ? (
        <form class="stack" method="get" action={ROLE_PATH} novalidate>
          <input type="hidden" name="email" value={email} />
          <SelectField
            name="role"
            label={`New role for ${email}`}
            choices={ROLE_CHOICES}
            value={shown}
            error={errors.role}
          />
          <button type="submit">Preview the change</button>
        </form>
      ) : (
        <p>Member: {email}</p>
      );
    const alert = errors[''] ?? errors.email ?? (errors.role && 'Nothing was changed: see the error below.');
    return renderPage(
      c,
      { title: title(kind), status, signedIn, current: MEMBERS_PATH },
      <>
        {alert && (
          <p class="error" role="alert">
            {errors.email ? `email: ${errors.email}` : alert}
          </p>
        )}
        {chooser}
        {preview}
        <p>
          <a href={MEMBERS_PATH}>Back to members</a>
        </p>
      </>,
    );
  }

  for (const kind of ['role', 'remove'] as const) {
    const event = kind === 'role' ? 'member.role_changed' : 'member.removed';

    app.get(path(kind), async (c) => {
      const signedIn = await gate(c, 'members');
      if (signedIn instanceof Response) return signedIn;
      const sudo = requireRecentSignIn(c, signedIn);
      if (sudo) return sudo;
      const email = c.req.query('email') ?? '';
      return changePage(c, signedIn, { kind, email, role: c.req.query('role') });
    });

    app.post(path(kind), formLimit(), async (c) => {
      const signedIn = await gate(c, 'members');
      if (signedIn instanceof Response) return signedIn;
      const body = await readForm(c);
      if (body instanceof Response) return body;
      const { member, workspace } = signedIn;
      const refused = (reason: string, detail: Record<string, unknown> = {}, status?: PageStatus) =>
        adminUi(c).audit.append({
          action: event,
          outcome: 'denied',
          errorCode:
            reason === 'csrf' || status === 403 ? 'forbidden' : status === 409 ? 'conflict' : 'invalid_input',
          workspaceId: workspace.id,
          memberId: member.id,
          environment: workspace.environment,
          ...requestOrigin(c),
          detail: { reason, via: 'console', ...detail },
        });
      const typed = { kind, email: text(body, 'email'), role: text(body, 'role') || undefined };
      if (!verifyCsrf(c, body.csrf)) {
        await refused('csrf');
        return changePage(c, signedIn, { ...typed, errors: { '': FORM_EXPIRED }, status: 403 });
      }
      const sudo = requireRecentSignIn(c, signedIn, {
        returnTo: `${path(kind)}?email=${encodeURIComponent(typed.email)}`,
      });
      if (sudo) return sudo;
      const parsed = changeSchema.safeParse({
        email: typed.email,
        role: typed.role,
        seen: text(body, 'seen') || undefined,
      });
      if (!parsed.success) {
        const errors = fieldErrors(parsed.error);
        await refused('invalid_input', { fields: Object.keys(errors) });
        return changePage(c, signedIn, { ...typed, errors, status: 400 });
      }
      const { email, role, seen } = parsed.data;
      const target = { ...actingFrom(signedIn), email };
      try {
        const result =
          kind === 'role'
            ? await deps.members.changeRole({ ...target, role: role ?? '' }, seen)
            : await deps.members.remove(target, seen);
        const done =
          result.change.kind === 'remove'
            ? `${result.member.email} was removed`
            : `${result.member.email} is now ${result.change.to}`;
        return renderPage(
          c,
          { title: kind === 'role' ? 'Role changed' : 'Member removed', signedIn, current: MEMBERS_PATH },
          <>
            <p>{done}.</p>
            <CascadeView result={result} done={true} />
            <p>
              <a href={MEMBERS_PATH}>Back to members</a>
            </p>
          </>,
        );
      } catch (error) {
        const { errors, status } = refusalErrors(error, kind);
        await refused('refused', { fields: Object.keys(errors) }, status);
        return changePage(c, signedIn, { ...typed, errors, status });
      }
    });
  }
}
