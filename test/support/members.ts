/** Fixtures for the member service tests: a demo server per store, keys, connections, pending actions. */
import { afterEach, beforeEach, describe } from 'vitest';
import type { ApiKeyRecord, AuditEvent, Member } from '../../src/model/index.js';
import { startTestServer, type TestServer } from './mcp-server.js';
import { type StoreKind, storeKinds } from './stores.js';

/** `suite` once per store, on a fresh seeded demo server (ada owner, grace admin, alan member, katherine viewer). */
export function describeEachServer(
  title: string,
  suite: (server: () => TestServer, kind: StoreKind) => void,
) {
  for (const kind of ['sqlite', 'postgres'] as const) {
    describe.skipIf(!storeKinds().includes(kind))(`${title} [${kind}]`, () => {
      let server: TestServer | undefined;
      beforeEach(async () => {
        server = await startTestServer({ kind });
      });
      afterEach(async () => {
        await server?.close();
      });
      suite(() => {
        if (!server) throw new Error('server not started');
        return server;
      }, kind);
    });
  }
}

export async function demoWorkspace(server: TestServer) {
  return server.app.domain.workspaces.get('demo');
}

export async function memberOf(server: TestServer, email: string): Promise<Member | undefined> {
  const workspace = await demoWorkspace(server);
  return server.app.store.members.findByEmail(workspace.id, email, { includeRemoved: true });
}

export async function keysOf(server: TestServer, email: string): Promise<ApiKeyRecord[]> {
  const workspace = await demoWorkspace(server);
  const member = await memberOf(server, email);
  return (await server.app.store.apiKeys.list(workspace.id)).filter((k) => k.memberId === member?.id);
}

export async function auditEvents(server: TestServer): Promise<AuditEvent[]> {
  const workspace = await demoWorkspace(server);
  return (await server.app.store.audit.list(workspace.id, { limit: 1000 })).sort(
    (a, b) => (a.seq ?? 0) - (b.seq ?? 0),
  );
}

/** A key for a demo member; returns its secret and record. */
export async function keyFor(server: TestServer, email: string, name: string, scopes?: string[]) {
  const issued = await server.app.keys.create({
    workspace: 'demo',
    name,
    environment: 'development',
    member: email,
    ...(scopes ? { scopes } : { preset: 'standard' }),
  });
  return issued;
}

/** An OAuth connection for a demo member, as a consent would create it. */
export async function connectionFor(server: TestServer, email: string, scopes: string[]) {
  const workspace = await demoWorkspace(server);
  const member = (await memberOf(server, email))!;
  const granted = await server.app.connections.grant({
    workspace,
    member,
    client: { id: 'https://client.example/meta.json', name: 'Example Client', verified: true },
    scopes,
    projectIds: null,
    readOnly: false,
    grantId: `grant-${member.id}`,
    ip: null,
    userAgent: null,
  });
  return granted.connection;
}

/** A pending confirmation asked by `key`. */
export async function pendingActionOf(server: TestServer, key: ApiKeyRecord, id: string) {
  const now = server.clock.now();
  await server.app.store.pendingActions.insert({
    id,
    workspaceId: key.workspaceId,
    credentialId: key.id,
    memberId: key.memberId,
    tool: 'delete_task',
    args: { task: 'APO-1' },
    digest: 'd',
    risk: 'delete',
    tier: 'approve',
    plan: {},
    status: 'pending',
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
    decidedAt: null,
    decidedBy: null,
    result: null,
  });
}
