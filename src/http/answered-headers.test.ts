import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { setAnsweredHeaders } from './answered-headers.js';

const HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };

function appAnswering(answer: () => Response) {
  const app = new Hono();
  app.use(async (c, next) => {
    await next();
    setAnsweredHeaders(c, HEADERS, 'Origin');
  });
  app.get('/', answer);
  return app;
}

describe('setAnsweredHeaders', () => {
  it("adds the headers to the handler's own response instead of a copy of it", async () => {
    const answered = new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } });
    const response = await appAnswering(() => answered).request('/');
    expect(response).toBe(answered);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ ok: true });
  });

  it('appends to a Vary the handler set rather than replacing it', async () => {
    const response = await appAnswering(
      () => new Response('x', { headers: { vary: 'Accept-Encoding' } }),
    ).request('/');
    expect(response.headers.get('vary')).toBe('Accept-Encoding, Origin');
  });

  it('lists Origin in Vary once, however often a route hands out the same response object', async () => {
    const shared = new Response('x', { headers: { vary: 'accept-encoding, origin' } });
    const app = appAnswering(() => shared);
    for (let i = 0; i < 3; i++) await app.request('/');
    expect(shared.headers.get('vary')).toBe('accept-encoding, origin');
    const fresh = new Response('y');
    const again = appAnswering(() => fresh);
    for (let i = 0; i < 3; i++) await again.request('/');
    expect(fresh.headers.get('vary')).toBe('Origin');
  });

  it('copies a response whose headers cannot change (a redirect) and still sets every header', async () => {
    const response = await appAnswering(() => Response.redirect('https://taskgate.test/next', 302)).request(
      '/',
    );
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://taskgate.test/next');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('vary')).toBe('Origin');
  });

  it('leaves the shared marker of a response already written to Node untouched', async () => {
    const before = [...RESPONSE_ALREADY_SENT.headers];
    for (let i = 0; i < 3; i++) await appAnswering(() => RESPONSE_ALREADY_SENT).request('/');
    expect([...RESPONSE_ALREADY_SENT.headers]).toEqual(before);
  });
});
