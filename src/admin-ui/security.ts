/**
 * SECURITY: the browser-facing defences of the admin pages. A strict CSP (scripts and styles
 * only from files on our origin — nothing inline, no eval — forms post only to us, never framed), cookie names that take
 * the `__Host-` prefix whenever the public URL is https, the Origin check every POST passes,
 * and the pre-session CSRF token of the login forms (an HMAC of a nonce cookie, so a cookie
 * planted by a sibling site is useless without our key).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Hono's secure-headers, configured as strict as the hand-written set it replaced: the same
 * CSP plus `script-src 'self'` for the console's one script file (in this key order, so the
 * header reads exactly as `CONTENT_SECURITY_POLICY`),
 * `X-Frame-Options: DENY` rather than its SAMEORIGIN default, and its extra headers kept.
 * HSTS is not set here: the HTTP app sends it on every response when the public URL is https.
 */
const secureHeadersMiddleware = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
  xFrameOptions: 'DENY',
  referrerPolicy: 'no-referrer',
  crossOriginOpenerPolicy: 'same-origin',
  crossOriginResourcePolicy: 'same-origin',
  xContentTypeOptions: 'nosniff',
  strictTransportSecurity: false,
  permissionsPolicy: { camera: [], microphone: [], geolocation: [], payment: [], usb: [] },
});

/**
 * Headers every admin-ui response carries, set after the handler so nothing can drop them.
 * A page whose form ends in a redirect to one other origin (consent → the OAuth client)
 * names it in `adminUiFormAction`: browsers hold form submissions' redirects to form-action.
 * Pages are personal: never stored by a cache. Only the paths in `cacheable` (static files named
 * after their content) keep the cache header their handler set, and only on a 200.
 */
export function securityHeaders(options: { readonly cacheable?: readonly string[] } = {}): MiddlewareHandler {
  const cacheable = new Set(options.cacheable ?? []);
  return async function adminSecurityHeaders(c, next) {
    await secureHeadersMiddleware(c, next);
    const extra = c.get('adminUiFormAction');
    if (extra && /^https?:\/\/[^\s;,']+$/.test(extra))
      c.header(
        'Content-Security-Policy',
        CONTENT_SECURITY_POLICY.replace("form-action 'self'", `form-action 'self' ${extra}`),
      );
    if (c.res.status === 200 && cacheable.has(c.req.path) && c.res.headers.has('Cache-Control')) return;
    c.header('Cache-Control', 'no-store');
  };
}

export interface CookieNames {
  readonly session: string;
  readonly login: string;
  readonly secure: boolean;
}

/** `__Host-` (Secure, Path=/, no Domain) on https; browsers refuse Secure cookies on plain http. */
export function cookieNames(publicUrl: string): CookieNames {
  const secure = new URL(publicUrl).protocol === 'https:';
  const prefix = secure ? '__Host-' : '';
  return { session: `${prefix}taskgate_session`, login: `${prefix}taskgate_login`, secure };
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Whether a state-changing request comes from our own pages. A real Origin must be the public
 * origin. Under `Referrer-Policy: no-referrer` browsers send `Origin: null` even for our own
 * forms, so `null` (or no Origin) is judged by `Sec-Fetch-Site`, which pages cannot forge:
 * `null` needs same-origin; no Origin at all (non-browser clients, old browsers) is refused
 * only when marked cross-site or same-site. The CSRF token is checked as well: two locks.
 */
export function sameOrigin(c: Context, publicOrigin: string): boolean {
  const origin = c.req.header('origin');
  const site = c.req.header('sec-fetch-site');
  if (origin === 'null') return site === 'same-origin';
  if (origin !== undefined) return origin === publicOrigin;
  return site === undefined || site === 'same-origin' || site === 'none';
}

/** The login form's token for a nonce: HMAC-SHA256 under a key derived from the server secret. */
export function loginFormToken(key: Buffer, nonce: string): string {
  return createHmac('sha256', key).update(`login-form:${nonce}`).digest('base64url');
}

/** Derives the login-form key from the server's root secret (one purpose per derived key). */
export function deriveLoginFormKey(rootSecret: string | Uint8Array): Buffer {
  return createHmac('sha256', rootSecret).update('taskgate admin-ui login form v1').digest();
}

const UNSAFE_CHARS = /[\\\s\p{Cc}\p{Cf}]/u;
const DOT_SEGMENT = /\/\.{1,2}(?:\/|$)/;
/** Decoding rounds before a path still carrying escapes is refused (`%25252f`…). */
const MAX_DECODE_ROUNDS = 4;

/**
 * `next` as a path on this site to send the browser to after sign-in, or undefined.
 * SECURITY: judged on what is returned, after the URL parser normalised it (`/..//evil`
 * becomes `//evil`, a host), and on every decoded form of its path, so that no layer that
 * decodes again (`%2f`, `%5c`, `%252f`) can turn it into another host either.
 */
export function safeNextPath(next: string | undefined, publicOrigin: string): string | undefined {
  if (next === undefined || !next.startsWith('/') || UNSAFE_CHARS.test(next)) return undefined;
  const url = URL.parse(next, publicOrigin);
  if (url === null || url.origin !== publicOrigin) return undefined;
  const path = `${url.pathname}${url.search}`;
  return isPlainPath(url.pathname) && staysOnHost(path) ? path : undefined;
}

/** One leading `/`, and in no decoded form `//`, a backslash, a space, a control or a dot segment. */
function isPlainPath(pathname: string): boolean {
  let current = pathname;
  for (let round = 0; round < MAX_DECODE_ROUNDS; round += 1) {
    if (!current.startsWith('/') || current.includes('//') || UNSAFE_CHARS.test(current)) return false;
    if (DOT_SEGMENT.test(current)) return false;
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      return false;
    }
    if (decoded === current) return true;
    current = decoded;
  }
  return false;
}

/** Resolved against any base, the path keeps that base's host and reads back unchanged. */
function staysOnHost(path: string): boolean {
  const probe = URL.parse(path, 'https://probe.invalid');
  return probe?.host === 'probe.invalid' && `${probe.pathname}${probe.search}` === path;
}
