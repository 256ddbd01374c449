/**
 * Attacks at the token endpoint, on SQLite and on PostgreSQL (where two requests truly run
 * at once): a replayed authorization code, a reused refresh token, two refreshes racing with
 * one token, and a refresh token revoked by its client. A replay takes down
 * everything its grant issued — the connection too, so its access tokens are refused on
 * /mcp at once — and the audit log records the revocation.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import {
  auditEvents,
  callWhoami,
  connectionsOf,
  connectOverHttp,
  oauthRows,
  refresh,
  tokenRequest,
} from '../support/oauth.js';
import { storeKinds } from '../support/stores.js';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`token endpoint attacks [${kind}]`, () => {
    let server: TestServer;
    beforeEach(async () => {
      server = await startTestServer({ kind });
    });
    afterEach(async () => server?.close());

    /** The connection and every token of its grant are dead, and the log says the grant was revoked. */
    async function expectGrantRevoked(accessToken: string, refreshToken: string, clientId: string) {
      const again = await refresh(server, clientId, refreshToken);
      expect(again.status).toBe(400);
      expect(again.body.error).toBe('invalid_grant');
      const refused = await callWhoami(server, accessToken);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { reason: string } }).error.reason).toBe('revoked');
      const [connection] = await connectionsOf(server);
      expect(connection?.revokedAt).not.toBeNull();
      expect(await oauthRows(server, 'RefreshToken')).toEqual([]);
      expect(await oauthRows(server, 'Grant')).toEqual([]);
      const revoked = (await auditEvents(server)).filter((e) => e.action === 'connection.revoked');
      expect(revoked).toEqual([
        expect.objectContaining({
          credentialId: connection!.id,
          detail: expect.objectContaining({ reason: 'the authorization server revoked the grant' }),
        }),
      ]);
    }

    it('code replay: the second exchange is invalid_grant and revokes what the first issued', async () => {
      const first = await connectOverHttp(server);
      expect(first.status).toBe(200);
      expect((await callWhoami(server, first.tokens.access_token!)).status).toBe(200);
      const replay = await tokenRequest(server, {
        grant_type: 'authorization_code',
        code: first.code,
        client_id: first.clientId,
        redirect_uri: first.redirectUri,
        code_verifier: first.verifier,
      });
      expect(replay.status).toBe(400);
      expect(replay.body.error).toBe('invalid_grant');
      expect(replay.body.access_token).toBeUndefined();
      await expectGrantRevoked(first.tokens.access_token!, first.tokens.refresh_token!, first.clientId);
      const refusals = (await auditEvents(server)).filter((e) => e.action === 'oauth.token_refused');
      expect(refusals[0]).toMatchObject({ errorCode: 'invalid_grant', outcome: 'denied' });
    });

    it('refresh token reuse: the whole family is revoked', async () => {
      const { clientId, tokens } = await connectOverHttp(server);
      const rt1 = tokens.refresh_token!;
      const rotated = await refresh(server, clientId, rt1);
      expect(rotated.status).toBe(200);
      const rt2 = rotated.body.refresh_token!;
      expect(rt2).not.toBe(rt1);
      expect((await callWhoami(server, rotated.body.access_token!)).status).toBe(200);

      const reused = await refresh(server, clientId, rt1);
      expect(reused.status).toBe(400);
      expect(reused.body.error).toBe('invalid_grant');
      expect(reused.body.access_token).toBeUndefined();
      // RT2, the legitimate successor, dies with the family; so do both access tokens.
      await expectGrantRevoked(rotated.body.access_token!, rt2, clientId);
      expect((await callWhoami(server, tokens.access_token!)).status).toBe(401);
    });

    it('two parallel refreshes of one token: exactly one wins, no second live branch', async () => {
      const { clientId, tokens } = await connectOverHttp(server);
      const rt1 = tokens.refresh_token!;
      const results = await Promise.all([refresh(server, clientId, rt1), refresh(server, clientId, rt1)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
      const loser = results.find((r) => r.status === 400)!;
      expect(loser.body.error).toBe('invalid_grant');
      expect(loser.body.access_token).toBeUndefined();
      // Whichever way the race went, at most one unused refresh token is left: the family
      // cannot fork into two branches the attacker and the client would each hold.
      const unused = (await oauthRows(server, 'RefreshToken')).filter((t) => t.consumed === undefined);
      expect(unused.length).toBeLessThanOrEqual(1);
      const refusals = (await auditEvents(server)).filter((e) => e.action === 'oauth.token_refused');
      expect(refusals).toEqual([expect.objectContaining({ errorCode: 'invalid_grant' })]);
    });

    it('the client revokes its refresh token: the token and the connection are dead', async () => {
      const { clientId, tokens } = await connectOverHttp(server);
      const response = await fetch(`${server.url}/oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: tokens.refresh_token!, client_id: clientId }).toString(),
      });
      expect(response.status).toBe(200);
      await expectGrantRevoked(tokens.access_token!, tokens.refresh_token!, clientId);
      expect((await auditEvents(server)).find((e) => e.action === 'oauth.token_revoked')).toMatchObject({
        outcome: 'ok',
      });
    });

    // A refresh token presented by another client is theft: oauth-refresh-token-theft.test.ts.
  });
}
