/**
 * SECURITY: which redirect URIs a client may register. https anywhere, or http on a loopback
 * address (a native app listening on the user's machine, RFC 8252 §7.3); nothing else — no
 * custom schemes, no plain http to a network host, no credentials or fragments. At
 * authorization time oidc-provider then matches the redirect_uri exactly (the port of a
 * loopback one excepted), so a trailing slash, another path or an `@` host never match.
 * A URI must be registered in the normal form a URL parser writes (`new URL(x).href`): a
 * host in capitals, `%2e%2e` or `../` would be compared as text by one party and as a URL by
 * another, and the two must never disagree about where a code goes.
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export interface RedirectUriCheck {
  /** Why the list is refused; undefined when every URI is allowed. */
  readonly error?: string;
  /** Whether any URI is a loopback one (its port may vary). */
  readonly loopback: boolean;
}

export function checkRedirectUris(uris: readonly unknown[]): RedirectUriCheck {
  let loopback = false;
  for (const uri of uris) {
    if (typeof uri !== 'string') return { error: 'redirect_uris must be strings', loopback };
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return { error: `redirect_uri ${uri} is not a URL`, loopback };
    }
    // SECURITY: the text registered is the text matched, so it must already be the parsed form.
    if (url.href !== uri) {
      return {
        error: `redirect_uri ${uri} is not in normal form (a URL parser reads it as ${url.href}); register it exactly as ${url.href}`,
        loopback,
      };
    }
    if (url.username || url.password) {
      return { error: `redirect_uri ${uri} must not carry credentials`, loopback };
    }
    // RFC 6749 §3.1.2: no fragment. Checked on the raw text: `…/cb#` has an empty `hash`.
    if (uri.includes('#')) return { error: `redirect_uri ${uri} must not contain a fragment`, loopback };
    if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) {
      loopback = true;
      continue;
    }
    if (url.protocol !== 'https:') {
      return {
        error: `redirect_uri ${uri} must use https, or http on a loopback address (127.0.0.1, [::1], localhost)`,
        loopback,
      };
    }
  }
  return { loopback };
}
