/**
 * Headers added to a response after its handler answered. Set in place on the response's own
 * headers: Hono's `c.header()` after `next()` copies the response, and copying reads its body,
 * which turns @hono/node-server's light response into a web Response with a stream — on every
 * call, once per header.
 */
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context } from 'hono';

export function setAnsweredHeaders(
  c: Context,
  headers: Readonly<Record<string, string>>,
  vary?: string,
): void {
  // Written straight to the Node response (oidc-provider): nothing more reaches the client,
  // and the marker is one shared object.
  if (c.res === RESPONSE_ALREADY_SENT) return;
  try {
    const target = c.res.headers;
    for (const [name, value] of Object.entries(headers)) target.set(name, value);
    // Once: a response object handed out twice must not collect one more each time.
    if (vary && !varies(target.get('vary'), vary)) target.append('Vary', vary);
  } catch (error) {
    // Immutable headers (`Response.redirect()`, a fetched response) throw on the first set,
    // before anything changed: copy the response instead.
    if (!(error instanceof TypeError)) throw error;
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    if (vary) c.header('Vary', vary, { append: true });
  }
}

function varies(header: string | null, name: string): boolean {
  const wanted = name.toLowerCase();
  return (header ?? '').split(',').some((listed) => listed.trim().toLowerCase() === wanted);
}
