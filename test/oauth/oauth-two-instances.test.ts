/**
 * Two instances of one deployment — two apps on one PostgreSQL schema with the same secret
 * and public URL, as behind a load balancer. What one issues the other honours; what one
 * revokes the other refuses at once; single use of a code or refresh token holds across
 * them (the database decides, not either process's memory).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import {
  auditEvents,
  callWhoami,
  connectionsOf,
  connectOverHttp,
  refresh,
  tokenRequest,
} from '../support/oauth.js';
import { postgresUrl } from '../support/postgres.js';

describe.skipIf(!postgresUrl())('OAuth across two instances on one PostgreSQL schema', () => {
  let a: TestServer;
  let b: TestServer;
  beforeEach(async () => {
    a = await startTestServer({ kind: 'postgres' });
    b = await startTestServer({
      kind: 'postgres',
      database: a.database,
      env: { TASKGATE_PUBLIC_URL: a.url },
    });
  });
  afterEach(async () => {
    await b?.close();
    await a?.close();
  });

  it('a token issued by A works on B, B refreshes it, and revoking on A refuses on B at once', async () => {
    const { clientId, tokens } = await connectOverHttp(a);
    expect((await callWhoami(b, tokens.access_token!)).status).toBe(200);

    const onB = await refresh(b, clientId, tokens.refresh_token!);
    expect(onB.status).toBe(200);
    expect((await callWhoami(a, onB.body.access_token!)).status).toBe(200);
    expect((await callWhoami(b, onB.body.access_token!)).status).toBe(200);

    const [connection] = await connectionsOf(a);
    await a.app.oauth.revokeConnection(connection!.workspaceId, connection!.id);
    const refused = await callWhoami(b, onB.body.access_token!);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { reason: string } }).error.reason).toBe('revoked');
    const again = await refresh(b, clientId, onB.body.refresh_token!);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
    expect((await auditEvents(b)).filter((e) => e.action === 'connection.revoked')).toHaveLength(1);
  });

  it('refresh token reuse on the other instance revokes the family on both', async () => {
    const { clientId, tokens } = await connectOverHttp(a);
    const rotated = await refresh(a, clientId, tokens.refresh_token!);
    expect(rotated.status).toBe(200);
    const reused = await refresh(b, clientId, tokens.refresh_token!);
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_grant');
    expect((await refresh(a, clientId, rotated.body.refresh_token!)).body.error).toBe('invalid_grant');
    expect((await callWhoami(a, rotated.body.access_token!)).status).toBe(401);
    expect((await callWhoami(b, rotated.body.access_token!)).status).toBe(401);
  });

  it('a code replayed on the other instance is refused and revokes what it issued', async () => {
    const first = await connectOverHttp(a);
    const replay = await tokenRequest(b, {
      grant_type: 'authorization_code',
      code: first.code,
      client_id: first.clientId,
      redirect_uri: first.redirectUri,
      code_verifier: first.verifier,
    });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect((await callWhoami(a, first.tokens.access_token!)).status).toBe(401);
    expect((await refresh(a, first.clientId, first.tokens.refresh_token!)).body.error).toBe('invalid_grant');
  });

  it('two refreshes of one token racing on the two instances: exactly one wins', async () => {
    const { clientId, tokens } = await connectOverHttp(a);
    const results = await Promise.all([
      refresh(a, clientId, tokens.refresh_token!),
      refresh(b, clientId, tokens.refresh_token!),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(results.find((r) => r.status === 400)?.body.error).toBe('invalid_grant');
  });
});
