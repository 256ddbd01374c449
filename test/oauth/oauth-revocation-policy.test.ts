/**
 * Issue 13 (5c): the revocation endpoint runs our own, explicit policy (a client revokes only
 * its own tokens, and that ends the whole grant), not oidc-provider's default, which prints
 * "default features.revocation.allowedPolicy function called, you SHOULD change it". A whole
 * connection's life — consent, token, refresh, revocation — prints no such notice at all.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { callWhoami, connectOverHttp, refresh } from '../support/oauth.js';

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
});

describe('the revocation policy', () => {
  it('is ours: no oidc-provider notice that a default policy function ran', async () => {
    const printed: string[] = [];
    for (const level of ['info', 'warn', 'log', 'error'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
    }
    const { clientId, tokens } = await connectOverHttp(server);
    const rotated = await refresh(server, clientId, tokens.refresh_token!);
    expect(rotated.status).toBe(200);
    const response = await fetch(`${server.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: rotated.body.refresh_token!, client_id: clientId }).toString(),
    });
    expect(response.status).toBe(200);
    // Its own token: revoked, and with it the grant (its access token is refused at once).
    expect((await callWhoami(server, rotated.body.access_token!)).status).toBe(401);
    expect(printed.filter((line) => /default .* function called/.test(line))).toEqual([]);
  });
});
