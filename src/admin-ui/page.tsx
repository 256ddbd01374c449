/**
 * SECURITY: HTML for the admin pages. `html` escapes every interpolated value; only what is
 * wrapped in `raw()` (or another `html` result) goes in unescaped, so a member name or a task
 * title can never become markup. Attribute values must be double-quoted in templates.
 * No inline script or style anywhere: the CSP forbids both. New pages use JSX (layout.tsx);
 * this helper stays for fragments that are plain markup strings.
 */
import { raw as honoRaw } from 'hono/html';
import { Layout } from './layout.js';

/** Markup that is already safe: the output of `html`, or a trusted fragment through `raw`. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (ch) => ESCAPES[ch]!);
}

/** Trusts `markup` as HTML. Use only for constants or markup built by `html`. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** Tagged template: escapes each value; arrays are joined; null, undefined and false vanish. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

export interface LayoutOptions {
  /** Shown in the header with a sign-out button; needs the session's CSRF token. */
  readonly member?: { readonly name: string; readonly email: string };
  readonly workspace?: { readonly slug: string };
  readonly csrfToken?: string;
}

/**
 * A complete page around markup built with `html` (the console's pages use `renderPage`
 * with JSX; this keeps fragments from `html`, such as a server-rendered chart, in the one
 * layout). Synchronous: the layout has no async component.
 */
export function layout(title: string, body: SafeHtml, options: LayoutOptions = {}): SafeHtml {
  const { member, workspace, csrfToken } = options;
  const signedIn = member && {
    member,
    ...(workspace && { workspace }),
    ...(csrfToken !== undefined && { csrfToken }),
  };
  const node = (
    <Layout title={title} {...(signedIn && { signedIn })}>
      {honoRaw(body.value)}
    </Layout>
  );
  return new SafeHtml(`<!doctype html>\n${node.toString() as string}\n`);
}

/** The page every admin path shows while the database cannot be reached (HTTP 503). */
export function unavailablePage(message: string): string {
  return layout(
    'Temporarily unavailable',
    html`<p>${message}</p><p>Nothing was changed. Reload this page in a few seconds.</p>`,
  ).value;
}
