/**
 * Attacks on /mcp with OAuth access tokens. Forged tokens carry the claims of a real one
 * (a live connection, its client, its grant) so each is refused for the one thing changed:
 * another audience, `alg: none`, HMAC keyed with our public key, another signing key, the
 * wrong `typ`, expiry. Then tokens whose connection or grant is gone, a token in the query
 * string, and an API key where the workspace requires OAuth. Every refusal is a 401 with a
 * challenge and an `mcp.auth_failed` record; nothing runs.
 */
import { randomBytes } from 'node:crypto';
import { type JWTPayload, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deriveKey, ed25519FromSeed } from '../../src/core/index.js';
import { ACCESS_TOKEN_TTL_S } from '../../src/oauth/index.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import {
  auditEvents,
  authorize,
  callWhoami,
  connectionsOf,
  connectOverHttp,
  pkcePair,
  refresh,
  tokenRequest,
} from '../support/oauth.js';

/** The test server's OAuth signing key, derived exactly as the app derives it. */
const signing = ed25519FromSeed(deriveKey('k'.repeat(40), 'oauth-token-signing'));
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

const sign = (claims: JWTPayload, header: Record<string, unknown> = {}, key = signing.privateKey) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: signing.keyId, ...header })
    .sign(key);

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => server?.close());

/** Refused on /mcp: 401, an invalid_token challenge, the reason recorded, no tool run. */
async function expectRefused(token: string, reason: string, path?: string) {
  const before = new Set((await auditEvents(server)).map((e) => e.id));
  const response = await callWhoami(server, token, path);
  expect(response.status).toBe(401);
  const challenge = response.headers.get('www-authenticate');
  expect(challenge).toContain('Bearer resource_metadata=');
  expect(challenge).toContain('error="invalid_token"');
  expect(((await response.json()) as { error: { reason: string } }).error.reason).toBe(reason);
  // The refusal is the request's only trace: no tool call, no request record.
  const added = (await auditEvents(server)).filter((e) => !before.has(e.id));
  expect(added).toEqual([
    expect.objectContaining({
      action: 'mcp.auth_failed',
      outcome: 'denied',
      detail: expect.objectContaining({ reason }),
    }),
  ]);
  return added[0]!;
}

describe('forged access tokens', () => {
  let claims: JWTPayload;
  beforeEach(async () => {
    const { tokens } = await connectOverHttp(server);
    claims = claimsOf(tokens.access_token!);
  });

  it('(control) the real claims re-signed with our key are accepted', async () => {
    expect((await callWhoami(server, await sign(claims))).status).toBe(200);
  });

  it('refuses a token for a foreign audience signed with our real key', async () => {
    await expectRefused(await sign({ ...claims, aud: 'https://evil.example/mcp' }), 'invalid_token');
  });

  it('refuses alg: none', async () => {
    await expectRefused(`${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims)}.`, 'invalid_token');
  });

  it('refuses HS256 keyed with our public key (algorithm confusion)', async () => {
    const raw = Buffer.from(signing.x, 'base64url');
    const pem = Buffer.from(signing.publicKey.export({ format: 'pem', type: 'spki' }) as string);
    for (const secret of [raw, pem]) {
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
        .sign(secret);
      await expectRefused(token, 'invalid_token');
    }
  });

  it('refuses a token signed by another instance secret', async () => {
    const other = ed25519FromSeed(deriveKey(randomBytes(30).toString('hex'), 'oauth-token-signing'));
    await expectRefused(await sign(claims, { kid: other.keyId }, other.privateKey), 'invalid_token');
  });

  it('refuses a token that is not an access token (typ JWT, as an ID token)', async () => {
    await expectRefused(await sign(claims, { typ: 'JWT' }), 'invalid_token');
  });

  it('refuses a token naming another grant than its connection holds', async () => {
    await expectRefused(await sign({ ...claims, gid: 'forged-grant' }), 'invalid_token');
  });

  it('refuses an expired token', async () => {
    // oidc-provider stamps tokens with the system time, not the server's manual clock.
    expect(Number(claims.exp) - Number(claims.iat)).toBe(ACCESS_TOKEN_TTL_S);
    server.clock.set(new Date(Number(claims.exp) * 1000 - 1000));
    expect((await callWhoami(server, await sign(claims))).status).toBe(200);
    server.clock.set(new Date(Number(claims.exp) * 1000));
    await expectRefused(await sign(claims), 'invalid_token');
  });
});

describe('tokens whose connection or grant is gone', () => {
  it('refuses at once the token of a connection revoked by an administrator', async () => {
    const { clientId, tokens } = await connectOverHttp(server);
    expect((await callWhoami(server, tokens.access_token!)).status).toBe(200);
    const [connection] = await connectionsOf(server);
    await server.app.oauth.revokeConnection(connection!.workspaceId, connection!.id);
    await expectRefused(tokens.access_token!, 'revoked');
    const again = await refresh(server, clientId, tokens.refresh_token!);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
    expect((await auditEvents(server)).filter((e) => e.action === 'connection.revoked')).toHaveLength(1);
  });

  it('refuses the token of the previous grant after a step-up re-consent', async () => {
    const first = await connectOverHttp(server);
    const { verifier, challenge } = pkcePair();
    const { code } = await authorize(server, first.jar, {
      clientId: first.clientId,
      redirectUri: first.redirectUri,
      challenge,
      scope: 'projects:read tasks:read tasks:write offline_access',
    });
    const stepped = await tokenRequest(server, {
      grant_type: 'authorization_code',
      code: code!,
      client_id: first.clientId,
      redirect_uri: first.redirectUri,
      code_verifier: verifier,
    });
    expect(stepped.body.scope).toContain('tasks:write');
    expect((await callWhoami(server, stepped.body.access_token!)).status).toBe(200);
    const connections = await connectionsOf(server);
    expect(connections).toHaveLength(1); // the same connection, moved to the new grant
    await expectRefused(first.tokens.access_token!, 'invalid_token');
    const old = await refresh(server, first.clientId, first.tokens.refresh_token!);
    expect(old.body.error).toBe('invalid_grant');
    expect((await refresh(server, first.clientId, stepped.body.refresh_token!)).status).toBe(200);
  });
});

describe('where the token comes from', () => {
  it('refuses a token in the query string, even with a valid Authorization header', async () => {
    const { tokens } = await connectOverHttp(server);
    const token = tokens.access_token!;
    await expectRefused(token, 'malformed', `/mcp?access_token=${encodeURIComponent(token)}`);
    expect((await callWhoami(server, token)).status).toBe(200);
  });

  it('refuses an API key where the workspace requires OAuth; an OAuth token still works', async () => {
    const key = await server.issueKey({ name: 'cursor-laptop' });
    const { tokens } = await connectOverHttp(server);
    expect((await callWhoami(server, key)).status).toBe(200);
    await server.app.policy.set(null, 'demo', { requireOauth: true });
    const refusal = await expectRefused(key, 'oauth_required');
    expect(refusal.credentialName).toBe('cursor-laptop');
    expect((await callWhoami(server, tokens.access_token!)).status).toBe(200);
  });
});
