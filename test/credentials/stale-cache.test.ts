/**
 * The principal cache (issue 17) against the attacks a stale cache would let through, over
 * real HTTP on both stores: each credential is warmed into the cache first (two accepted
 * calls), then changed — by the CLI in another process, by another instance, by the console's
 * services, by an anomaly rule — and the very next call must see the change.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBinary } from '../support/cli-binary.js';
import { callToolOverHttp, startTestServer, type TestServer } from '../support/mcp-server.js';
import { demoWorkspace, keyFor } from '../support/members.js';
import { storeKinds } from '../support/stores.js';

let servers: TestServer[] = [];
afterEach(async () => {
  // A second instance first: the first one drops the shared database.
  for (const server of servers.reverse()) await server.close();
  servers = [];
});

async function start(kind: 'sqlite' | 'postgres', shared?: TestServer) {
  const server = await startTestServer(
    shared
      ? { database: shared.database, env: { TASKGATE_PUBLIC_URL: shared.app.config.publicUrl } }
      : { kind },
  );
  servers.push(server);
  return server;
}

interface Whoami {
  member: { role: string };
  credential: { scopes: string[]; readOnly: boolean; dryRunOnly: boolean };
}

const getTask = (server: TestServer, key: string) =>
  callToolOverHttp(server, key, 'get_task', { task: 'APO-1' });

async function whoami(server: TestServer, key: string): Promise<Whoami> {
  const call = await callToolOverHttp(server, key, 'whoami');
  expect(call.status).toBe(200);
  return call.result?.structuredContent as unknown as Whoami;
}

/** Two accepted calls: the second is answered from the cache. */
async function warm(server: TestServer, key: string) {
  for (let i = 0; i < 2; i++) expect((await getTask(server, key)).status).toBe(200);
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(
    `a cached credential never outlives its change [${kind}]`,
    () => {
      it('a key revoked by the CLI in another process is refused on the next call', async () => {
        const server = await start(kind);
        const key = await server.issueKey({ name: 'cursor-cli-revoked' });
        await warm(server, key);
        const dir = mkdtempSync(join(tmpdir(), 'taskgate-cache-cli-'));
        try {
          const run = await runBinary(
            ['keys', 'revoke', 'cursor-cli-revoked', '--workspace', 'demo', '--db', server.database.url],
            { cwd: dir, env: { TASKGATE_DATA_DIR: join(dir, 'data') } },
          );
          expect(run.code, run.stderr).toBe(0);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
        expect(await getTask(server, key)).toMatchObject({ status: 401, error: { reason: 'revoked' } });
      });

      it('a revoked key cannot ride a stale cache through 50 concurrent calls', async () => {
        const server = await start(kind);
        const key = await server.issueKey({ name: 'cursor-mid-flight' });
        await warm(server, key);
        const inFlight = Array.from({ length: 25 }, () => getTask(server, key));
        await server.app.keys.revoke('demo', 'cursor-mid-flight');
        const after = await Promise.all(Array.from({ length: 25 }, () => getTask(server, key)));
        // Calls already in flight may finish either way; every call sent after the commit is refused.
        for (const call of await Promise.all(inFlight)) expect([200, 401]).toContain(call.status);
        for (const call of after) expect(call).toMatchObject({ status: 401, error: { reason: 'revoked' } });
      });

      it('a demoted member cannot keep the old role through a cached key', async () => {
        const server = await start(kind);
        const issued = await keyFor(server, 'grace@example.com', 'cursor-grace');
        await warm(server, issued.secret);
        expect((await whoami(server, issued.secret)).member.role).toBe('admin');
        const target = { workspace: 'demo', email: 'grace@example.com', by: { member: 'ada@example.com' } };
        const preview = await server.app.members.preview(target, { kind: 'role', role: 'viewer' });
        await server.app.members.changeRole({ ...target, role: 'viewer' }, preview);
        const after = await whoami(server, issued.secret);
        expect(after.member.role).toBe('viewer');
        expect(after.credential.scopes.some((s) => s.endsWith(':write'))).toBe(false);
      });

      it('a cached key cannot skip a workspace switched to OAuth only', async () => {
        const server = await start(kind);
        const key = await server.issueKey();
        await warm(server, key);
        await server.app.policy.set(null, 'demo', { requireOauth: true });
        expect(await getTask(server, key)).toMatchObject({
          status: 401,
          error: { reason: 'oauth_required' },
        });
        await server.app.policy.set(null, 'demo', { requireOauth: false });
        expect((await getTask(server, key)).status).toBe(200);
      });

      it('a narrowed key cannot keep its old rights from the cache', async () => {
        const server = await start(kind);
        const key = await server.issueKey({ name: 'cursor-narrowed' });
        await warm(server, key);
        await server.app.keys.narrow('demo', 'cursor-narrowed', { readOnly: true });
        expect((await whoami(server, key)).credential.readOnly).toBe(true);
        await server.app.keys.narrow('demo', 'cursor-narrowed', { ip: ['10.0.0.0/8'] });
        expect(await getTask(server, key)).toMatchObject({
          status: 403,
          error: { reason: 'ip_not_allowed' },
        });
      });

      it('a key suspended by an anomaly rule is suspended on its next call', async () => {
        const server = await start(kind);
        const issued = await keyFor(server, 'alan@example.com', 'cursor-suspect');
        await warm(server, issued.secret);
        const suspended = await server.app.store.keySuspensions.suspend(
          (await demoWorkspace(server)).id,
          issued.key.id,
          {
            at: server.clock.now().toISOString(),
            mode: 'dry_run',
            reason: 'burst of deletes',
            by: 'rule:delete_burst:alt_1',
          },
        );
        expect(suspended).toBe(true);
        expect((await whoami(server, issued.secret)).credential.dryRunOnly).toBe(true);
      });

      it('a rotated-out key dies when its grace ends, and at once when it leaked, cache or not', async () => {
        const server = await start(kind);
        const key = await server.issueKey({ name: 'cursor-rotated' });
        await warm(server, key);
        const next = await server.app.keys.rotate('demo', 'cursor-rotated', { graceHours: 1 });
        expect((await getTask(server, key)).status).toBe(200);
        // Time is judged at every call, never cached: the grace ends without any write.
        server.clock.advance(3_600_000);
        expect(await getTask(server, key)).toMatchObject({ status: 401, error: { reason: 'rotated' } });
        await warm(server, next.secret);
        await server.app.keys.rotate('demo', 'cursor-rotated', { leaked: true });
        expect((await getTask(server, next.secret)).status).toBe(401);
      });
    },
  );
}

describe.skipIf(!storeKinds().includes('postgres'))('two instances on one PostgreSQL', () => {
  it('a key revoked through one instance is refused by the other on the next call', async () => {
    const first = await start('postgres');
    const second = await start('postgres', first);
    const key = await first.issueKey({ name: 'cursor-two-instances' });
    await warm(first, key);
    await warm(second, key);
    await first.app.keys.revoke('demo', 'cursor-two-instances');
    expect(await getTask(second, key)).toMatchObject({ status: 401, error: { reason: 'revoked' } });
    expect(await getTask(first, key)).toMatchObject({ status: 401, error: { reason: 'revoked' } });
  });
});
