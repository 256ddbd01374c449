/**
 * The console's one pattern for a state change. `mountAction` serves the form (GET) and
 * its POST: role gate (404 for a role that may not see the page), sudo mode when the action
 * is sensitive, the form read whole and refused when malformed, the session's CSRF token
 * from our origin, then the fields validated with zod. Bad input re-renders the form with each
 * error beside its field and changes nothing. `run` gets the signed-in member and calls the
 * service, which records the change with that member in the change's own transaction; a
 * refused attempt (a foreign form, bad input) is recorded here, under the same action name.
 */
import type { Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import type { z } from 'zod';
import type { RequestOrigin } from '../credentials/index.js';
import { type Form, formLimit, formText, readForm } from './form.js';
import { renderPage } from './layout.js';
import type { ConsolePageId } from './nav.js';
import { gate } from './not-found.js';
import { requestOrigin, type SignedInMember, verifyCsrf } from './session.js';
import { requireRecentSignIn } from './sudo.js';
import { toPageError } from './to-page-error.js';

export type FieldErrors = Readonly<Record<string, string>>;

export interface ActionFormProps {
  readonly signedIn: SignedInMember;
  /** What the member typed, to fill the form again. */
  readonly values: Readonly<Record<string, string>>;
  readonly errors: FieldErrors;
}

export interface ActionResult {
  readonly title: string;
  readonly body: Child;
  /** The action ended the session (sign out everywhere): the result page shows no member. */
  readonly signedOut?: boolean;
}

export interface ActionSpec<S extends z.ZodType> {
  /** The form's page; its POST goes to the same path. */
  readonly path: string;
  readonly title: string;
  /** Whose role may see the form and post it (nav.ts). */
  readonly page: ConsolePageId;
  /** The audit action refused attempts are recorded under (the service records the change). */
  readonly event: string;
  /** Ask for the password again when the sign-in is older than ten minutes. */
  readonly sudo: boolean;
  readonly schema: S;
  /** The form's fields (the helper adds the form element, the CSRF token and the errors summary). */
  readonly fields: (props: ActionFormProps) => Child;
  readonly submitLabel: string;
  /**
   * The field errors a refusal of the service means (`invalid_input` naming its fields), to
   * show beside the fields like zod's; `undefined` leaves the error to the error page.
   */
  readonly refusal?: (
    error: unknown,
  ) => { readonly errors: FieldErrors; readonly status: 400 | 403 } | undefined;
  readonly run: (
    input: z.infer<S>,
    context: { readonly signedIn: SignedInMember; readonly origin: RequestOrigin; readonly c: Context },
  ) => Promise<ActionResult>;
}

/** The first message per field from zod's issues; form-level issues under `''`. */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? '');
    out[key] ??= issue.message;
  }
  return out;
}

function textValues(form: Form): Record<string, string> {
  return Object.fromEntries(Object.keys(form).map((name) => [name, formText(form, name)]));
}

/** A labelled text input with its error beside it (linked by `aria-describedby`). */
export function Field(props: {
  name: string;
  label: string;
  value?: string;
  error?: string | undefined;
  type?: 'text' | 'email' | 'password';
  autocomplete?: string;
}) {
  const errorId = `${props.name}-error`;
  return (
    <div class="field">
      <label>
        {props.label}{' '}
        <input
          type={props.type ?? 'text'}
          name={props.name}
          value={props.type === 'password' ? '' : (props.value ?? '')}
          autocomplete={props.autocomplete ?? 'off'}
          aria-invalid={props.error ? 'true' : undefined}
          aria-describedby={props.error ? errorId : undefined}
        />
      </label>
      {props.error && (
        <p class="field-error" id={errorId}>
          {props.error}
        </p>
      )}
    </div>
  );
}

const FORM_EXPIRED = 'This form expired or did not come from this site. Reload the page and try again.';

export function mountAction<S extends z.ZodType>(app: Hono, spec: ActionSpec<S>): void {
  const form = (
    c: Context,
    signedIn: SignedInMember,
    state: { values?: Record<string, string>; errors?: FieldErrors; status?: 200 | 400 | 403 },
  ) => {
    const errors = state.errors ?? {};
    return renderPage(
      c,
      { title: spec.title, status: state.status ?? 200, signedIn, current: spec.path },
      <>
        {Object.keys(errors).length > 0 && (
          <p class="error" role="alert">
            {errors[''] ?? 'Nothing was changed: correct the fields marked below.'}
          </p>
        )}
        <form class="stack" method="post" action={spec.path} novalidate>
          <input type="hidden" name="csrf" value={signedIn.csrfToken} />
          {spec.fields({ signedIn, values: state.values ?? {}, errors })}
          <button type="submit">{spec.submitLabel}</button>
        </form>
      </>,
    );
  };

  app.get(spec.path, async (c) => {
    const signedIn = await gate(c, spec.page);
    if (signedIn instanceof Response) return signedIn;
    if (spec.sudo) {
      const sudo = requireRecentSignIn(c, signedIn);
      if (sudo) return sudo;
    }
    return form(c, signedIn, {});
  });

  app.post(spec.path, formLimit(), async (c) => {
    const signedIn = await gate(c, spec.page);
    if (signedIn instanceof Response) return signedIn;
    const body = await readForm(c);
    if (body instanceof Response) return body;
    const origin = requestOrigin(c);
    const { member, workspace } = signedIn;
    const refused = (reason: string, detail: Record<string, unknown> = {}) =>
      c.get('adminUi').audit.append({
        action: spec.event,
        outcome: 'denied',
        errorCode: reason === 'csrf' || reason === 'forbidden' ? 'forbidden' : 'invalid_input',
        workspaceId: workspace.id,
        memberId: member.id,
        environment: workspace.environment,
        ...origin,
        detail: { reason, via: 'console', ...detail },
      });
    const values = textValues(body);
    delete values.csrf;
    if (!verifyCsrf(c, body.csrf)) {
      await refused('csrf');
      return form(c, signedIn, { values, errors: { '': FORM_EXPIRED }, status: 403 });
    }
    // Checked after the token, so a foreign page cannot probe the session's age.
    if (spec.sudo) {
      const sudo = requireRecentSignIn(c, signedIn, { returnTo: spec.path });
      if (sudo) return sudo;
    }
    const parsed = spec.schema.safeParse(values);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error);
      await refused('invalid_input', { fields: Object.keys(errors) });
      return form(c, signedIn, { values, errors, status: 400 });
    }
    try {
      const result = await spec.run(parsed.data, { signedIn, origin, c });
      return renderPage(c, { title: result.title, ...(result.signedOut ? {} : { signedIn }) }, result.body);
    } catch (error) {
      const refusal = spec.refusal?.(error);
      if (refusal) {
        await refused(refusal.status === 403 ? 'forbidden' : 'invalid_input', {
          fields: Object.keys(refusal.errors),
        });
        return form(c, signedIn, { values, ...refusal });
      }
      const { message, status } = toPageError(error);
      return renderPage(
        c,
        { title: 'Nothing was changed', status, signedIn },
        <p class="error" role="alert">
          {message}
        </p>,
      );
    }
  });
}
