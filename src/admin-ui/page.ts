/**
 * SECURITY: HTML for the admin pages. `html` escapes every interpolated value; only what is
 * wrapped in `raw()` (or another `html` result) goes in unescaped, so a member name or a task
 * title can never become markup. Attribute values must be double-quoted in templates.
 * No inline script or style anywhere: the CSP forbids both.
 */

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

export const STYLESHEET_PATH = '/admin/assets/app.css';

export interface LayoutOptions {
  /** Shown in the header with a sign-out button; needs the session's CSRF token. */
  readonly member?: { readonly name: string; readonly email: string };
  readonly workspace?: { readonly slug: string };
  readonly csrfToken?: string;
}

/** A complete page: header (with sign-out when signed in), then `body`. */
export function layout(title: string, body: SafeHtml, options: LayoutOptions = {}): SafeHtml {
  const { member, workspace, csrfToken } = options;
  const account =
    member &&
    html`<form class="signout" method="post" action="/logout">
      <span>${member.name} &lt;${member.email}&gt;${workspace ? html` · ${workspace.slug}` : ''}</span>
      <input type="hidden" name="csrf" value="${csrfToken ?? ''}">
      <button type="submit">Sign out</button>
    </form>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Taskgate</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<header><a class="brand" href="/admin">Taskgate</a>${account}</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`;
}

/** The page every admin path shows while the database cannot be reached (HTTP 503). */
export function unavailablePage(message: string): string {
  return layout(
    'Temporarily unavailable',
    html`<p>${message}</p><p>Nothing was changed. Reload this page in a few seconds.</p>`,
  ).value;
}
