import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  cookieNames,
  loginFormToken,
  safeNextPath,
  sameOrigin,
  securityHeaders,
} from './security.js';

const ORIGIN = 'https://taskgate.example';

const OPEN_REDIRECT_BYPASSES = [
  '/..//evil.example/x',
  '/../..//evil.example/x',
  '/.//evil.example',
  '/a/..//evil.example',
  '/%2e%2e//evil.example/x',
  '/%2E%2E//evil.example/x',
  '/.%2e//evil.example',
  '/%2e//evil.example',
  '/%2f%2fevil.example',
  '/%2F/evil.example',
  '/%2f/evil.example',
  '/..%2f/evil.example',
  '/%5cevil.example',
  '/%5c%5cevil.example',
  '/%255c%255cevil.example',
  '/%252f%252fevil.example',
  '/..\\/evil.example',
  '/\\/evil.example',
  '/ /evil.example',
  '/\u00a0/evil.example',
  '/\u2028/evil.example',
  '/\r\n/evil.example',
  '/%09/evil.example',
  '/%0a/evil.example',
  '/%0d%0a/evil.example',
  '/%20/evil.example',
  '/\u0000/evil.example',
  '/%00/evil.example',
  '\t//evil.example',
  ' //evil.example',
  '//evil.example/%2e%2e',
  '///evil.example',
  '/\t/evil.example',
];

describe('cookieNames', () => {
  it('uses the __Host- prefix and Secure whenever the public URL is https', () => {
    expect(cookieNames('https://taskgate.example/base')).toEqual({
      session: '__Host-taskgate_session',
      login: '__Host-taskgate_login',
      secure: true,
    });
    expect(cookieNames('http://127.0.0.1:8787')).toEqual({
      session: 'taskgate_session',
      login: 'taskgate_login',
      secure: false,
    });
  });
});

describe('safeNextPath', () => {
  it('keeps a path on this site with its query', () => {
    expect(safeNextPath('/admin/approvals/x?y=1', ORIGIN)).toBe('/admin/approvals/x?y=1');
  });

  it.each([
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'https://evil.example',
    'javascript:alert(1)',
    '/\t/evil.example',
    '/\n/evil.example',
    'admin',
    '',
    undefined,
  ])('refuses %j (open redirect)', (next) => {
    expect(safeNextPath(next, ORIGIN)).toBeUndefined();
  });

  // Each of these passes a check of the text but resolves, or is read by some browser, proxy
  // or framework, as another host: the known bypass list of open-redirect filters.
  it.each(OPEN_REDIRECT_BYPASSES)(
    'refuses %j, which resolves off this site (open redirect bypass)',
    (next) => {
      expect(safeNextPath(next, ORIGIN)).toBeUndefined();
    },
  );

  it('never returns a path that resolves to another host, whatever the input', () => {
    for (const next of OPEN_REDIRECT_BYPASSES) {
      const returned = safeNextPath(next, ORIGIN);
      if (returned !== undefined)
        expect(new URL(returned, 'https://probe.invalid').host).toBe('probe.invalid');
    }
  });

  it.each([
    ['/admin/../admin/approvals', '/admin/approvals'],
    ['/admin/./approvals?x=%2F%2F', '/admin/approvals?x=%2F%2F'],
    ['/oauth/consent/abc', '/oauth/consent/abc'],
  ])('keeps %j as the same-site path %j', (next, expected) => {
    expect(safeNextPath(next, ORIGIN)).toBe(expected);
  });
});

describe('sameOrigin', () => {
  const probe = async (headers: Record<string, string>) => {
    const app = new Hono();
    app.post('/', (c) => c.text(String(sameOrigin(c, ORIGIN))));
    return (await app.request('/', { method: 'POST', headers })).text();
  };

  it('accepts our origin and refuses any other, including null', async () => {
    expect(await probe({ origin: ORIGIN })).toBe('true');
    expect(await probe({ origin: 'https://evil.example' })).toBe('false');
    expect(await probe({ origin: 'null' })).toBe('false');
    expect(await probe({ origin: 'null', 'sec-fetch-site': 'cross-site' })).toBe('false');
    expect(await probe({ origin: 'https://taskgate.example.evil.example' })).toBe('false');
  });

  it('accepts Origin null only when the browser says same-origin (our forms under no-referrer)', async () => {
    expect(await probe({ origin: 'null', 'sec-fetch-site': 'same-origin' })).toBe('true');
  });

  it('without Origin, refuses only what the browser marks cross-site', async () => {
    expect(await probe({})).toBe('true');
    expect(await probe({ 'sec-fetch-site': 'same-origin' })).toBe('true');
    expect(await probe({ 'sec-fetch-site': 'cross-site' })).toBe('false');
    expect(await probe({ 'sec-fetch-site': 'same-site' })).toBe('false');
  });
});

describe('loginFormToken', () => {
  it('depends on both the key and the nonce', () => {
    const key = Buffer.alloc(32, 1);
    expect(loginFormToken(key, 'a')).toBe(loginFormToken(key, 'a'));
    expect(loginFormToken(key, 'a')).not.toBe(loginFormToken(key, 'b'));
    expect(loginFormToken(Buffer.alloc(32, 2), 'a')).not.toBe(loginFormToken(key, 'a'));
  });
});

describe('securityHeaders (hono secure-headers)', () => {
  // The hand-written set it replaced, header by header: each must stay at least this strict.
  const BEFORE: Record<string, string> = {
    'content-security-policy':
      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'x-content-type-options': 'nosniff',
  };

  const WITH_SCRIPT = BEFORE['content-security-policy']!.replace(
    "default-src 'none';",
    "default-src 'none'; script-src 'self';",
  );

  const headersOf = async (formAction?: string, path = '/') => {
    const app = new Hono();
    app.use('*', securityHeaders({ cacheable: ['/asset-abc.js'] }));
    app.get('/', (c) => {
      if (formAction) c.set('adminUiFormAction', formAction);
      return c.html('<p>x</p>');
    });
    app.get('/asset-abc.js', (c) => c.body('x', 200, { 'Cache-Control': 'public, max-age=60, immutable' }));
    app.get('/page-that-tries-caching', (c) => c.html('<p>x</p>', 200, { 'Cache-Control': 'public' }));
    return (await app.request(path)).headers;
  };

  it('sends every header of the hand-written set, the CSP with script-src self as its one addition', async () => {
    const headers = await headersOf();
    for (const [name, value] of Object.entries(BEFORE)) {
      if (name !== 'content-security-policy') expect(headers.get(name), name).toBe(value);
    }
    expect(headers.get('content-security-policy')).toBe(WITH_SCRIPT);
    expect(CONTENT_SECURITY_POLICY).toBe(WITH_SCRIPT);
  });

  it('allows script from our origin only: no inline script, no eval, no other host', async () => {
    const csp = (await headersOf()).get('content-security-policy') ?? '';
    const script = csp.split('; ').filter((d) => d.startsWith('script-src'));
    expect(script).toEqual(["script-src 'self'"]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|strict-dynamic|data:|blob:|\*|https?:/);
  });

  it('adds secure-headers extras and no HSTS on every sibling host', async () => {
    const headers = await headersOf();
    expect(headers.get('x-permitted-cross-domain-policies')).toBe('none');
    expect(headers.get('origin-agent-cluster')).toBe('?1');
    expect(headers.get('permissions-policy')).toContain('camera=()');
    expect(headers.get('strict-transport-security')).toBeNull();
  });

  it('widens form-action by one well-formed origin only, never by an injected directive', async () => {
    expect((await headersOf('https://client.example')).get('content-security-policy')).toContain(
      "form-action 'self' https://client.example;",
    );
    const injected = (await headersOf("https://x.example; script-src 'unsafe-inline'")).get(
      'content-security-policy',
    );
    expect(injected).toBe(WITH_SCRIPT);
  });

  it('lets a content-named asset be cached, and no page, even one that asks', async () => {
    expect((await headersOf(undefined, '/asset-abc.js')).get('cache-control')).toBe(
      'public, max-age=60, immutable',
    );
    expect((await headersOf(undefined, '/page-that-tries-caching')).get('cache-control')).toBe('no-store');
    expect((await headersOf(undefined, '/asset-abc.js?x')).get('cache-control')).toBe(
      'public, max-age=60, immutable',
    );
    expect((await headersOf(undefined, '/asset-other.js')).get('cache-control')).toBe('no-store');
  });
});
