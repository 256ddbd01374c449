/**
 * Issue 13 (5a): a refresh token presented by a client it was not issued to is stolen
 * (RFC 9700 §4.14). Client B replays client A's refresh token at the token endpoint (or
 * hands it to the revocation endpoint): B gets nothing, and A's whole family dies — its
 * refresh token, its access tokens, the grant and the connection — and the attempt is
 * recorded in the connection's workspace under the connection's name, so `incident report`
 * lists it. On SQLite and on PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IncidentReport } from '../../src/incident/index.js';
import { createServerCli } from '../support/cli.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import {
  auditEvents,
  callWhoami,
  connectionsOf,
  connectOverHttp,
  oauthRows,
  refresh,
  registerClient,
} from '../support/oauth.js';
import { storeKinds } from '../support/stores.js';

const REASON =
  'a refresh token was presented by a client it was not issued to (treated as stolen, RFC 9700 §4.14)';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`refresh token theft [${kind}]`, () => {
    let server: TestServer;
    beforeEach(async () => {
      server = await startTestServer({ kind });
    });
    afterEach(async () => server?.close());

    /** Client A is connected; client B (the thief) registered its own client. */
    async function victimAndThief() {
      const victim = await connectOverHttp(server);
      expect(victim.status).toBe(200);
      const { body } = await registerClient(server, { client_name: 'Rogue client' });
      return { victim, thiefId: String(body.client_id) };
    }

    /** A's family is dead, and the workspace's log names the connection, the thief and why. */
    async function expectFamilyRevoked(victim: Awaited<ReturnType<typeof connectOverHttp>>, thiefId: string) {
      // Nothing about the attempt is left workspace-less, where no incident report looks.
      const orphans = (await server.app.store.audit.list(null, { limit: 500 })).map((e) => e.action);
      expect(orphans).not.toContain('oauth.refresh_token_stolen');
      expect(orphans).not.toContain('oauth.token_refused');
      expect(orphans).not.toContain('oauth.token_revoked');
      const again = await refresh(server, victim.clientId, victim.tokens.refresh_token!);
      expect(again.status).toBe(400);
      expect(again.body.error).toBe('invalid_grant');
      const refused = await callWhoami(server, victim.tokens.access_token!);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { reason: string } }).error.reason).toBe('revoked');
      const [connection] = await connectionsOf(server);
      expect(connection?.revokedAt).not.toBeNull();
      expect(await oauthRows(server, 'RefreshToken')).toEqual([]);
      expect(await oauthRows(server, 'Grant')).toEqual([]);

      const demo = await server.app.store.workspaces.findBySlug('demo');
      const inWorkspace = await server.app.store.audit.list(demo!.id, { limit: 500 });
      expect(inWorkspace.find((e) => e.action === 'oauth.refresh_token_stolen')).toMatchObject({
        outcome: 'denied',
        credentialId: connection!.id,
        credentialName: connection!.name,
        detail: expect.objectContaining({
          reason: REASON,
          issuedTo: victim.clientId,
          presentedBy: thiefId,
          oauth_client: expect.objectContaining({ id: thiefId }),
        }),
      });
      expect(inWorkspace.find((e) => e.action === 'connection.revoked')).toMatchObject({
        credentialId: connection!.id,
        detail: expect.objectContaining({ reason: REASON }),
      });
      return connection!;
    }

    it("client B replays client A's refresh token: invalid_grant, and A's family is revoked", async () => {
      const { victim, thiefId } = await victimAndThief();
      expect((await callWhoami(server, victim.tokens.access_token!)).status).toBe(200);

      const stolen = await refresh(server, thiefId, victim.tokens.refresh_token!);
      expect(stolen.status).toBe(400);
      expect(stolen.body.error).toBe('invalid_grant');
      expect(stolen.body.access_token).toBeUndefined();
      const connection = await expectFamilyRevoked(victim, thiefId);

      const cli = createServerCli(server);
      try {
        const reported = await cli.run(
          'incident',
          'report',
          '--workspace',
          'demo',
          '--key',
          connection.name,
          '--json',
        );
        expect(reported.code, reported.stderr).toBe(0);
        const report = JSON.parse(reported.stdout) as IncidentReport;
        expect(report.denials).toContainEqual(
          expect.objectContaining({
            action: 'oauth.refresh_token_stolen',
            errorCode: 'invalid_grant',
            reason: REASON,
          }),
        );
        expect(report.security.map((e) => e.action)).toEqual(
          expect.arrayContaining(['oauth.refresh_token_stolen', 'connection.revoked']),
        );
      } finally {
        cli.remove();
      }
    });

    it("a rotated-out token of A's family presented by B revokes the live successor too", async () => {
      const { victim, thiefId } = await victimAndThief();
      const rotated = await refresh(server, victim.clientId, victim.tokens.refresh_token!);
      expect(rotated.status).toBe(200);
      expect((await refresh(server, thiefId, victim.tokens.refresh_token!)).status).toBe(400);
      expect((await refresh(server, victim.clientId, rotated.body.refresh_token!)).status).toBe(400);
      expect((await callWhoami(server, rotated.body.access_token!)).status).toBe(401);
    });

    it("A's refresh token presented under a client_id nobody registered: invalid_client, A's family is revoked", async () => {
      const { victim } = await victimAndThief();
      const stolen = await refresh(server, 'dcr_nobody', victim.tokens.refresh_token!);
      expect(stolen.status).toBe(401);
      expect(stolen.body.error).toBe('invalid_client');
      await expectFamilyRevoked(victim, 'dcr_nobody');
    });

    it("client B hands A's refresh token to the revocation endpoint: 200, and A's family is revoked", async () => {
      const { victim, thiefId } = await victimAndThief();
      const response = await fetch(`${server.url}/oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: victim.tokens.refresh_token!, client_id: thiefId }).toString(),
      });
      // RFC 7009 §2.2: the answer says nothing about the token.
      expect(response.status).toBe(200);
      await expectFamilyRevoked(victim, thiefId);
    });

    it('(control) a refresh token refused for its own client is not theft', async () => {
      const { victim } = await victimAndThief();
      const wrongScope = await refresh(server, victim.clientId, victim.tokens.refresh_token!, {
        scope: 'audit:read',
      });
      expect(wrongScope.status).toBe(400);
      expect((await callWhoami(server, victim.tokens.access_token!)).status).toBe(200);
      expect((await refresh(server, victim.clientId, victim.tokens.refresh_token!)).status).toBe(200);
      expect((await auditEvents(server)).map((e) => e.action)).not.toContain('oauth.refresh_token_stolen');
    });
  });
}
