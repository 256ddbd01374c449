/**
 * `taskgate oauth clients add|list|remove` and `taskgate connections list|revoke` through the
 * real CLI, in-process on a running server's database: a client an administrator adds is
 * usable end to end without registering (and its consent page does not call it unverified),
 * a bad redirect URI is refused before anything is stored, and removing a client or revoking
 * a connection stops its tokens on the very next request. `keys list` shows connections too.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/model/index.js';
import type { OAuthClientView } from '../../src/oauth/index.js';
import { createServerCli } from '../support/cli.js';
import { callToolOverHttp, startTestServer, type TestServer } from '../support/mcp-server.js';
import {
  authorize,
  connectOverHttp,
  memberJar,
  pkcePair,
  registerClient,
  tokenRequest,
} from '../support/oauth.js';

const REDIRECT = 'http://127.0.0.1:7777/callback';
const WRITER_SCOPE = 'projects:read tasks:read tasks:write offline_access';

let server: TestServer;
let cli: ReturnType<typeof createServerCli>;

beforeEach(async () => {
  server = await startTestServer();
  cli = createServerCli(server);
});
afterEach(async () => {
  cli.remove();
  await server.close();
});

const json = <T>(stdout: string) => JSON.parse(stdout) as T;

async function addClient(name: string, ...redirectUris: string[]): Promise<OAuthClientView> {
  const result = await cli.run(
    'oauth',
    'clients',
    'add',
    '--name',
    name,
    ...redirectUris.flatMap((uri) => ['--redirect-uri', uri]),
    '--json',
  );
  expect(result.code, result.stderr).toBe(0);
  return json<{ client: OAuthClientView }>(result.stdout).client;
}

async function listClients(): Promise<OAuthClientView[]> {
  const result = await cli.run('oauth', 'clients', 'list', '--json');
  expect(result.code, result.stderr).toBe(0);
  return json<{ clients: OAuthClientView[] }>(result.stdout).clients;
}

/** A member's consent to a client and the code exchanged, over plain HTTP. */
async function connectClient(clientId: string, scope = WRITER_SCOPE) {
  const jar = await memberJar(server);
  const { verifier, challenge } = pkcePair();
  const authorized = await authorize(server, jar, {
    clientId,
    redirectUri: REDIRECT,
    challenge,
    scope,
    prompt: 'consent',
  });
  expect(authorized.code).toBeTruthy();
  const tokens = await tokenRequest(server, {
    grant_type: 'authorization_code',
    code: authorized.code!,
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
  });
  expect(tokens.status).toBe(200);
  return { page: authorized.page!, tokens: tokens.body };
}

async function demoEvents(): Promise<AuditEvent[]> {
  const demo = await server.app.store.workspaces.findBySlug('demo');
  return server.app.store.audit.list(demo!.id, { limit: 500 });
}

const refresh = (clientId: string, refreshToken: string) =>
  tokenRequest(server, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });

describe('oauth clients add', () => {
  it('registers a public client with several redirect URIs, listed as pre-registered', async () => {
    const client = await addClient('Acme Desktop', 'https://acme.example/oauth/callback', REDIRECT);
    expect(client).toMatchObject({
      clientId: expect.stringMatching(/^app_[0-9a-f]{32}$/),
      name: 'Acme Desktop',
      kind: 'pre-registered',
      redirectUris: ['https://acme.example/oauth/callback', REDIRECT],
      confidential: false,
    });
    expect(await listClients()).toEqual([client]);
    const human = await cli.run('oauth', 'clients', 'list');
    expect(human.stdout).toContain(`${client.clientId}  client "Acme Desktop"  (pre-registered)`);
    const added = (await server.app.store.audit.list(null, { limit: 50 })).filter(
      (e) => e.action === 'oauth.client_added',
    );
    expect(added).toHaveLength(1);
  });

  it.each([
    ['a custom scheme', 'myapp://oauth/callback', 'must use https, or http on a loopback address'],
    ['plain http to a network host', 'http://assistant.example/callback', 'must use https'],
    ['plain http to a private address', 'http://192.168.1.20/callback', 'must use https'],
    ['credentials in the URI', 'https://user:hunter2@acme.example/callback', 'must not carry credentials'],
    ['not a URL', 'callback', 'is not a URL'],
    ['a fragment', 'https://acme.example/callback#token', 'must not contain a fragment'],
  ])('refuses %s with a field error and exit 2, storing nothing', async (_what, uri, message) => {
    const result = await cli.run(
      'oauth',
      'clients',
      'add',
      '--name',
      'Sneaky',
      '--redirect-uri',
      'https://fine.example/callback',
      '--redirect-uri',
      uri,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('redirect-uri');
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
    expect(await listClients()).toEqual([]);
    const events = await server.app.store.audit.list(null, { limit: 50 });
    expect(events.some((e) => e.action === 'oauth.client_added')).toBe(false);
  });

  it("names the authorization server's own reason for a list it refuses", async () => {
    // A loopback redirect makes the client native, and a native client's https redirect may
    // not be on localhost (oidc-provider's rule, beyond ours).
    const result = await cli.run(
      'oauth',
      'clients',
      'add',
      '--name',
      'Acme',
      '--redirect-uri',
      REDIRECT,
      '--redirect-uri',
      'https://localhost/callback',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/redirect-uri: .*must not be using localhost as hostname/);
    expect(await listClients()).toEqual([]);
  });

  it('refuses an empty name and a missing redirect URI', async () => {
    const noName = await cli.run('oauth', 'clients', 'add', '--name', '  ', '--redirect-uri', REDIRECT);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain('name');
    const noUri = await cli.run('oauth', 'clients', 'add', '--name', 'Acme');
    expect(noUri.code).not.toBe(0);
    expect(noUri.stderr).toContain('--redirect-uri');
    expect(await listClients()).toEqual([]);
  });
});

describe('oauth clients add, hostile redirect URIs (the console refuses the same)', () => {
  it('refuses two URIs glued together, a bidi override and an over-long URI, registering nothing', async () => {
    for (const uri of [
      'https://dash.example/cbhttps://evil.example/cb',
      'https://dash.example/c\u202eb',
      `https://dash.example/${'a'.repeat(2100)}`,
    ]) {
      const result = await cli.run('oauth', 'clients', 'add', '--name', 'Acme', '--redirect-uri', uri);
      expect(result.code, uri.slice(0, 60)).toBe(2);
      expect(result.stderr).toContain('redirect-uri');
    }
    expect(await listClients()).toEqual([]);
  });
});

describe('oauth clients list', () => {
  it('shows dynamically registered clients once they registered, beside pre-registered ones', async () => {
    const added = await addClient('Acme Desktop', REDIRECT);
    const registered = await registerClient(server, { client_name: 'Self-named Bot' });
    expect(registered.status).toBe(201);
    const list = await listClients();
    expect(list.map((c) => [c.name, c.kind])).toEqual([
      ['Acme Desktop', 'pre-registered'],
      ['Self-named Bot', 'dynamic'],
    ]);
    expect(list.find((c) => c.kind === 'dynamic')?.clientId).toMatch(/^dcr_/);
    const human = (await cli.run('oauth', 'clients', 'list')).stdout;
    expect(human).toContain(`${added.clientId}  client "Acme Desktop"  (pre-registered)`);
    expect(human).toContain(`${registered.body.client_id as string}  client "Self-named Bot"  (dynamic)`);
  });
});

describe('a pre-registered client', () => {
  it('connects end to end without registering, and its consent page does not call it unverified', async () => {
    const client = await addClient('Acme Desktop', REDIRECT);
    const { page, tokens } = await connectClient(client.clientId);
    expect(page).toContain('Acme Desktop');
    expect(page).not.toContain('unverified');
    expect(tokens.refresh_token).toBeTruthy();
    const whoami = await callToolOverHttp(server, tokens.access_token!, 'whoami');
    expect(whoami.status).toBe(200);
    expect(JSON.stringify(whoami.result?.structuredContent)).toContain('alan@example.com');
    const created = await callToolOverHttp(server, tokens.access_token!, 'create_task', {
      project: 'APO',
      title: 'From a pre-registered client',
    });
    expect(created.result?.structuredContent?.status).toBe('done');
    const registrations = (await server.app.store.audit.list(null, { limit: 50 })).filter(
      (e) => e.action === 'oauth.client_registered',
    );
    expect(registrations).toEqual([]);
  });

  it('is contrasted with a dynamically registered client, whose consent page says unverified', async () => {
    const registered = await registerClient(server, { client_name: 'Acme Desktop' });
    const jar = await memberJar(server);
    const { challenge } = pkcePair();
    const { page } = await authorize(server, jar, {
      clientId: registered.body.client_id as string,
      redirectUri: REDIRECT,
      challenge,
    });
    expect(page).toContain('Acme Desktop');
    expect(page).toContain('unverified: this client registered itself and chose its own name');
  });
});

describe('oauth clients remove', () => {
  it("revokes the client's connections: its access token gets 401 on /mcp at once", async () => {
    const client = await addClient('Acme Desktop', REDIRECT);
    const { tokens } = await connectClient(client.clientId);
    expect((await callToolOverHttp(server, tokens.access_token!, 'whoami')).status).toBe(200);

    const result = await cli.run('oauth', 'clients', 'remove', client.clientId);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `Removed client "Acme Desktop" (${client.clientId}); revoked 1 connection.`,
    );

    const refused = await callToolOverHttp(server, tokens.access_token!, 'whoami');
    expect(refused.status).toBe(401);
    expect(refused.wwwAuthenticate).toContain('error="invalid_token"');
    // The client itself is gone: the token endpoint no longer knows who is asking.
    expect((await refresh(client.clientId, tokens.refresh_token!)).body.error).toBe('invalid_client');
    expect(await listClients()).toEqual([]);
    const actions = (await demoEvents()).map((e) => e.action);
    expect(actions).toContain('connection.revoked');
  });

  it('exits 1 for a client that does not exist', async () => {
    const result = await cli.run('oauth', 'clients', 'remove', 'app_00000000000000000000000000000000');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no OAuth client app_00000000000000000000000000000000');
  });
});

describe('connections list', () => {
  it('shows client name, member, scopes, status and last use, and never the hash', async () => {
    expect((await cli.run('connections', 'list', '--workspace', 'demo')).stdout).toContain(
      'No OAuth connections yet.',
    );
    const connected = await connectOverHttp(server, WRITER_SCOPE);
    server.clock.advance(5_000);
    expect((await callToolOverHttp(server, connected.tokens.access_token!, 'whoami')).status).toBe(200);
    const [record] = await server.app.connections.list(
      (await server.app.store.workspaces.findBySlug('demo'))!.id,
    );

    const human = await cli.run('connections', 'list', '--workspace', 'demo');
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(record!.name);
    expect(human.stdout).toMatch(
      /client "Attack test client" for alan@example\.com active \[projects:read tasks:read tasks:write\] last used \S+ from 127\.0\.0\.1/,
    );

    const listed = await cli.run('connections', 'list', '--workspace', 'demo', '--json');
    const { connections } = json<{ connections: Record<string, unknown>[] }>(listed.stdout);
    expect(connections).toEqual([
      expect.objectContaining({
        id: record!.id,
        name: record!.name,
        kind: 'oauth',
        oauthClientId: connected.clientId,
        oauthClientName: 'Attack test client',
        member: 'alan@example.com',
        scopes: ['projects:read', 'tasks:read', 'tasks:write'],
        revokedAt: null,
        lastUsedAt: server.clock.now().toISOString(),
        lastUsedIp: '127.0.0.1',
      }),
    ]);
    for (const output of [human.stdout, listed.stdout]) {
      expect(output).not.toContain(record!.hash);
      expect(output).not.toMatch(/"hash"/);
    }
  });
});

describe('connections revoke', () => {
  it('refuses the token at once, fails the refresh with invalid_grant and records connection.revoked', async () => {
    const connected = await connectOverHttp(server, WRITER_SCOPE);
    const { access_token: access, refresh_token: refreshToken } = connected.tokens;
    expect(refreshToken).toBeTruthy();
    expect((await callToolOverHttp(server, access!, 'whoami')).status).toBe(200);
    const [record] = await server.app.connections.list(
      (await server.app.store.workspaces.findBySlug('demo'))!.id,
    );

    const result = await cli.run('connections', 'revoke', '--workspace', 'demo', record!.name);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Revoked ${record!.name}`);

    const refused = await callToolOverHttp(server, access!, 'whoami');
    expect(refused.status).toBe(401);
    expect(refused.error?.reason).toBe('revoked');
    const refreshed = await refresh(connected.clientId, refreshToken!);
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');

    const revoked = (await demoEvents()).filter((e) => e.action === 'connection.revoked');
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ credentialId: record!.id, credentialName: record!.name });
    expect(revoked[0]!.detail).toMatchObject({
      by: 'cli',
      oauth_client: { id: connected.clientId, name: 'Attack test client' },
    });
    const list = await cli.run('connections', 'list', '--workspace', 'demo');
    expect(list.stdout).toMatch(/client "Attack test client" for alan@example\.com revoked/);

    const again = await cli.run('connections', 'revoke', '--workspace', 'demo', record!.name);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already revoked');
    const unknown = await cli.run('connections', 'revoke', '--workspace', 'demo', 'oauth-nobody');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no OAuth connection oauth-nobody');
  });
});

describe('keys list', () => {
  it('shows a connection beside the keys with its client name, member, scopes and last use', async () => {
    await server.issueKey({ name: 'cursor-work-laptop' });
    const connected = await connectOverHttp(server, WRITER_SCOPE);
    server.clock.advance(5_000);
    await callToolOverHttp(server, connected.tokens.access_token!, 'whoami');
    const [record] = await server.app.connections.list(
      (await server.app.store.workspaces.findBySlug('demo'))!.id,
    );

    const human = await cli.run('keys', 'list', '--workspace', 'demo');
    expect(human.code).toBe(0);
    const lines = human.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('cursor-work-laptop'))).toContain('active');
    const line = lines.find((l) => l.startsWith(record!.name));
    expect(line).toMatch(
      /OAuth client "Attack test client" for alan@example\.com active \[projects:read tasks:read tasks:write\] last used \S+ from 127\.0\.0\.1/,
    );

    const listed = await cli.run('keys', 'list', '--workspace', 'demo', '--json');
    const { keys } = json<{ keys: Record<string, unknown>[] }>(listed.stdout);
    expect(keys.find((k) => k.name === record!.name)).toMatchObject({
      kind: 'oauth',
      oauthClient: { id: connected.clientId, name: 'Attack test client' },
      member: { email: 'alan@example.com' },
      scopes: ['projects:read', 'tasks:read', 'tasks:write'],
      status: 'active',
      lastUsed: { at: server.clock.now().toISOString(), ip: '127.0.0.1' },
    });
    expect(listed.stdout).not.toContain(record!.hash);
  });
});
