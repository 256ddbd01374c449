/**
 * Reading the pages' form POSTs. SECURITY: a body that is not a well-formed form is answered
 * 400 before any check or change. hono's `parseBody` throws on a broken multipart body (a 500
 * that said nothing), and an urlencoded body with a broken `%` escape or bytes that are not
 * UTF-8 is read by the platform as replacement characters: a value the person never sent.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { renderPage } from './layout.js';

export const FORM_MAX_BYTES = 16 * 1024;

export type FormValue = string | File;
export type Form = Record<string, FormValue | FormValue[]>;

const URLENCODED = 'application/x-www-form-urlencoded';
const MULTIPART = 'multipart/form-data';

/** Every page form's size cap: larger bodies are refused with 413 before they are read. */
export function formLimit(): MiddlewareHandler {
  return bodyLimit({ maxSize: FORM_MAX_BYTES, onError: (c) => c.text('form too large', 413) });
}

/** The first value of a text field, or '' (a file or a missing field is no text). */
export function formText(form: Form, name: string): string {
  const value = form[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

/** Why an urlencoded body is not a form, or undefined when every name and value decodes. */
function urlencodedProblem(bytes: ArrayBuffer): string | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return 'the form body is not UTF-8';
  }
  for (const part of text.split('&')) {
    try {
      // Names and values alike: `+` is a space, and every escape must decode to UTF-8.
      decodeURIComponent(part.replaceAll('+', ' '));
    } catch {
      return 'the form body has a broken %-escape';
    }
  }
  return undefined;
}

function refused(c: Context, problem: string): Promise<Response> {
  return renderPage(
    c,
    { title: 'Bad request', status: 400 },
    <p class="error" role="alert">
      This form could not be read: {problem}. Nothing was changed; reload the page and try again.
    </p>,
  );
}

/**
 * The request's form fields, or a 400 page to return (nothing read from it, nothing changed).
 * `all` keeps every value of a repeated field (checkbox lists), as `parseBody({ all })`.
 */
export async function readForm(c: Context, options: { all?: boolean } = {}): Promise<Form | Response> {
  const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== URLENCODED && type !== MULTIPART)
    return await refused(c, `the body must be ${URLENCODED} or ${MULTIPART}`);
  const bytes = await c.req.arrayBuffer();
  if (type === URLENCODED) {
    const problem = urlencodedProblem(bytes);
    if (problem) return await refused(c, problem);
  }
  try {
    // parseBody reads the body hono has cached above, not the stream again.
    return (await c.req.parseBody({ all: options.all === true })) as Form;
  } catch {
    return await refused(c, 'the multipart body is malformed');
  }
}
