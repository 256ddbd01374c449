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
import { isAppError } from '../core/index.js';
import type { RequestOrigin } from '../credentials/index.js';
import { type Form, formLimit, formText, readForm } from './form.js';
import { renderPage } from './layout.js';
import type { ConsolePageId } from './nav.js';
import { gate, notFoundPage } from './not-found.js';
import { requestOrigin, type SignedInMember, verifyCsrf } from './session.js';
import { requireRecentSignIn } from './sudo.js';
import { toPageError } from './to-page-error.js';

export type FieldErrors = Readonly<Record<string, string>>;

export interface ActionFormProps<T = undefined> {
  readonly signedIn: SignedInMember;
  /** What the form acts on, read from its path by `subject` (undefined without one). */
  readonly subject: T;
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

export interface ActionSpec<S extends z.ZodType, T = undefined> {
  /** The form's page; its POST goes to the same path (a Hono pattern: `/admin/x/:id/revoke`). */
  readonly path: string;
  /** The navigation entry marked as current (default: `path`). */
  readonly current?: string;
  /** Fields sent once per ticked box (checkbox lists): their values reach zod joined by line breaks. */
  readonly multiple?: readonly string[];
  readonly title: string;
  /** Whose role may see the form and post it (nav.ts). */
  readonly page: ConsolePageId;
  /** The audit action refused attempts are recorded under (the service records the change). */
  readonly event: string;
  /** Ask for the password again when the sign-in is older than ten minutes. */
  readonly sudo: boolean;
  /**
   * What the action is about, read from the path before anything else, for GET and POST
   * alike (the form says what will happen; `run` acts on it). An error is answered as the
   * page of `toPageError`: a thing the member may not see is the 404 page, as if missing.
   */
  readonly subject?: (c: Context, signedIn: SignedInMember) => Promise<T>;
  readonly schema: S;
  /** The form's fields (the helper adds the form element, the CSRF token and the errors summary). */
  readonly fields: (props: ActionFormProps<T>) => Child;
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
    context: {
      readonly signedIn: SignedInMember;
      readonly origin: RequestOrigin;
      readonly c: Context;
      readonly subject: T;
    },
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

/** The service's field issues when each names a field the form sent; otherwise `undefined`. */
function serviceFieldErrors(
  error: unknown,
  values: Readonly<Record<string, string>>,
): FieldErrors | undefined {
  if (!isAppError(error) || error.fields.length === 0) return undefined;
  // Bad input is always the form's to show (an unticked checkbox list sends no field at all);
  // a conflict only when it names what the member typed.
  if (error.code !== 'invalid_input' && !error.fields.every((issue) => issue.field in values))
    return undefined;
  const out: Record<string, string> = {};
  for (const issue of error.fields) out[issue.field] ??= issue.message;
  return out;
}

function textValues(form: Form, multiple: readonly string[] = []): Record<string, string> {
  const all = (name: string) => {
    const value = form[name];
    return (Array.isArray(value) ? value : [value]).filter((v) => typeof v === 'string').join('\n');
  };
  return Object.fromEntries(
    Object.keys(form).map((name) => [name, multiple.includes(name) ? all(name) : formText(form, name)]),
  );
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

export function mountAction<S extends z.ZodType, T = undefined>(app: Hono, spec: ActionSpec<S, T>): void {
  const form = (
    c: Context,
    signedIn: SignedInMember,
    subject: T,
    state: { values?: Record<string, string>; errors?: FieldErrors; status?: 200 | 400 | 403 | 409 },
  ) => {
    const errors = state.errors ?? {};
    return renderPage(
      c,
      { title: spec.title, status: state.status ?? 200, signedIn, current: spec.current ?? c.req.path },
      <>
        {Object.keys(errors).length > 0 && (
          <p class="error" role="alert">
            {errors[''] ?? 'Nothing was changed: correct the fields marked below.'}
          </p>
        )}
        <form class="stack" method="post" action={c.req.path} novalidate>
          <input type="hidden" name="csrf" value={signedIn.csrfToken} />
          {spec.fields({ signedIn, subject, values: state.values ?? {}, errors })}
          <button type="submit">{spec.submitLabel}</button>
        </form>
      </>,
    );
  };

  /** The action's subject, or the error page to answer (nothing read beyond it). */
  const subjectOf = async (c: Context, signedIn: SignedInMember): Promise<{ subject: T } | Response> => {
    if (!spec.subject) return { subject: undefined as T };
    try {
      return { subject: await spec.subject(c, signedIn) };
    } catch (error) {
      const { message, status } = toPageError(error);
      if (status === 404) return notFoundPage(c, signedIn);
      return renderPage(
        c,
        { title: 'Nothing was changed', status, signedIn },
        <p class="error" role="alert">
          {message}
        </p>,
      );
    }
  };

  app.get(spec.path, async (c) => {
    const signedIn = await gate(c, spec.page);
    if (signedIn instanceof Response) return signedIn;
    const about = await subjectOf(c, signedIn);
    if (about instanceof Response) return about;
    if (spec.sudo) {
      const sudo = requireRecentSignIn(c, signedIn);
      if (sudo) return sudo;
    }
    return form(c, signedIn, about.subject, {});
  });

  app.post(spec.path, formLimit(), async (c) => {
    const signedIn = await gate(c, spec.page);
    if (signedIn instanceof Response) return signedIn;
    const about = await subjectOf(c, signedIn);
    if (about instanceof Response) return about;
    const { subject } = about;
    const body = await readForm(c, { all: spec.multiple !== undefined });
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
    const values = textValues(body, spec.multiple);
    delete values.csrf;
    if (!verifyCsrf(c, body.csrf)) {
      await refused('csrf');
      return form(c, signedIn, subject, { values, errors: { '': FORM_EXPIRED }, status: 403 });
    }
    // Checked after the token, so a foreign page cannot probe the session's age.
    if (spec.sudo) {
      const sudo = requireRecentSignIn(c, signedIn, { returnTo: c.req.path });
      if (sudo) return sudo;
    }
    const parsed = spec.schema.safeParse(values);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error);
      await refused('invalid_input', { fields: Object.keys(errors) });
      return form(c, signedIn, subject, { values, errors, status: 400 });
    }
    try {
      const result = await spec.run(parsed.data, { signedIn, origin, c, subject });
      return renderPage(
        c,
        {
          title: result.title,
          current: spec.current ?? c.req.path,
          ...(result.signedOut ? {} : { signedIn }),
        },
        result.body,
      );
    } catch (error) {
      const refusal = spec.refusal?.(error);
      if (refusal) {
        await refused(refusal.status === 403 ? 'forbidden' : 'invalid_input', {
          fields: Object.keys(refusal.errors),
        });
        return form(c, signedIn, subject, { values, ...refusal });
      }
      const { message, status } = toPageError(error);
      // A service's refusal that names fields of this form goes beside them, as zod's would.
      const named = serviceFieldErrors(error, values);
      if (named && (status === 400 || status === 409)) {
        await refused('invalid_input', { fields: Object.keys(named), code: status });
        return form(c, signedIn, subject, { values, errors: named, status });
      }
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
