/**
 * A write is checked (key, rights, policy) before its transaction, then may wait: behind the
 * key's earlier writes, in a group, on a busy database. What someone changes meanwhile must
 * stop it (src/guard/write-recheck.ts): once `keys revoke`, `incident contain`, `freeze`, a
 * narrowing or a tightened policy returns, no write it stopped commits after it. Over real
 * HTTP with the official SDK client, 50 calls at once, on both stores.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemberChangeRequest } from '../../src/admin/index.js';
import type { AuditEvent } from '../../src/model/index.js';
import { connectV1, onlyTheTestRefuses, startTestServer, type TestServer } from '../support/mcp-server.js';
import { keyFor } from '../support/members.js';
import { connectionsOf, connectOverHttp } from '../support/oauth.js';
import { postgresUrl } from '../support/postgres.js';
import { storeKinds } from '../support/stores.js';

type ToolResult = {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
};

const CALLS = 50;
const textOf = (r: ToolResult) => r.content.map((c) => c.text).join('\n');

/** A change someone makes while the key's writes wait, and the event that records it. */
interface Change {
  readonly name: string;
  readonly event: string;
  /** What a write the change stopped is told (the check before the transaction, or the one in it). */
  readonly refusal: RegExp;
  /** The answer, other than a refusal, of a call checked after the change (nothing is written). */
  readonly instead?: string;
  /**
   * Whose credential writes: the owner's key (default), a fresh member's key (an admin: it
   * sees every project) when the change is about the member, or an OAuth connection's token.
   */
  readonly holder?: 'member' | 'oauth';
  run(server: TestServer, keyName: string, member: string): Promise<unknown>;
}

/** A change to the member `email`, made by the demo's owner as its preview showed it. */
async function memberChange(server: TestServer, email: string, request: MemberChangeRequest) {
  const target = { workspace: 'demo', email, by: { member: 'ada@example.com' } };
  const preview = await server.app.members.preview(target, request);
  return request.kind === 'remove'
    ? server.app.members.remove(target, preview)
    : server.app.members.changeRole({ ...target, role: request.role }, preview);
}

const CHANGES: readonly Change[] = [
  {
    name: 'keys revoke',
    event: 'key.revoked',
    refusal: /revoked/,
    run: (server, key) => server.app.keys.revoke('demo', key),
  },
  {
    name: 'incident contain',
    event: 'incident.contained',
    refusal: /revoked/,
    run: async (server, key) =>
      server.app.incident.contain((await server.app.store.workspaces.findBySlug('demo'))!, key, null),
  },
  {
    name: 'freeze',
    event: 'workspace.frozen',
    refusal: /is frozen since|was frozen while this write waited/,
    run: (server) => server.app.policy.freeze('demo', { by: null, reason: 'leaked key' }),
  },
  {
    name: 'keys narrow --dry-run-only',
    event: 'key.narrowed',
    refusal: /dry-run only/,
    instead: 'dry_run',
    run: (server, key) => server.app.keys.narrow('demo', key, { dryRunOnly: true }),
  },
  {
    name: 'the removal of its member',
    event: 'member.removed',
    refusal: /revoked|its member removed/,
    holder: 'member',
    run: (server, _key, member) => memberChange(server, member, { kind: 'remove' }),
  },
  {
    name: 'its member lowered to viewer',
    event: 'member.role_changed',
    refusal: /missing scope|lost tasks:write, which create_task needs,/,
    holder: 'member',
    run: (server, _key, member) => memberChange(server, member, { kind: 'role', role: 'viewer' }),
  },
  {
    name: 'the revocation of its OAuth connection',
    event: 'connection.revoked',
    refusal: /revoked|invalid or expired access token/,
    holder: 'oauth',
    run: async (server, connection) =>
      server.app.connections.revoke((await server.app.store.workspaces.findBySlug('demo'))!.id, connection),
  },
  {
    name: 'a tier tightened to token',
    event: 'policy.changed',
    refusal: /came to ask for token/,
    instead: 'confirmation_required',
    run: (server) => server.app.policy.set(null, 'demo', { create: 'token' }),
  },
];

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`a change made while a key's writes wait [${kind}]`, () => {
    let server: TestServer;
    let wsId: string;
    let round = 0;

    beforeAll(async () => {
      server = await startTestServer({ kind });
      // Only the change under test may stop the burst.
      await onlyTheTestRefuses(server);
      wsId = (await server.app.store.workspaces.findBySlug('demo'))!.id;
    });
    afterAll(async () => server?.close());

    /** A fresh key (the owner's, or a fresh member's) in a workspace that lets its creates through at once. */
    async function freshKey(change: Change) {
      const policy = await server.app.policy.show('demo');
      if (policy.freeze.frozen) await server.app.policy.unfreeze('demo', null);
      await server.app.policy.set(null, 'demo', { create: 'none', writeBudget: 10_000 });
      const name = `waiting-${kind}-${++round}`;
      const member = `waiting-${round}@example.com`;
      if (change.holder === 'oauth') {
        const { tokens, clientId } = await connectOverHttp(server, 'projects:read tasks:read tasks:write');
        const connection = (await connectionsOf(server)).find((c) => c.oauthClientId === clientId)!;
        return {
          name: connection.name,
          secret: tokens.access_token as string,
          credentialId: connection.id,
          member,
        };
      }
      if (change.holder === 'member')
        await server.app.members.invite({
          workspace: 'demo',
          email: member,
          role: 'admin',
          by: { member: 'ada@example.com' },
        });
      const secret =
        change.holder === 'member'
          ? (await keyFor(server, member, name, ['tasks:read', 'tasks:write', 'projects:read'])).secret
          : await server.issueKey({ name });
      const credentialId = (await server.app.keys.list('demo')).find((k) => k.name === name)!.id;
      return { name, secret, credentialId, member };
    }

    function burst(secret: string, title: string) {
      return (async () => {
        const { client } = await connectV1(server, secret);
        try {
          return await Promise.all(
            Array.from({ length: CALLS }, async (_, i) => {
              try {
                return (await client.callTool({
                  name: 'create_task',
                  arguments: { project: 'ONB', title: `${title} ${i}` },
                })) as ToolResult;
              } catch (error) {
                return error instanceof Error ? error : new Error(String(error));
              }
            }),
          );
        } finally {
          await client.close();
        }
      })();
    }

    /**
     * What every race here must leave: each call answered, done exactly when stored, every
     * other one refused for the change; no write of the key after the change in the chain
     * (a chain's order is its commits' order); the tasks the key had when the change returned
     * are all it ever gets. Returns how many refusals came from the check in the transaction.
     */
    async function expectNothingAfter(
      change: Change,
      key: { name: string; credentialId: string },
      title: string,
      results: readonly (ToolResult | Error)[],
      storedWhenReturned: number,
    ): Promise<number> {
      const status = (r: ToolResult | Error) =>
        r instanceof Error ? undefined : r.structuredContent?.status;
      const done = results.filter((r) => status(r) === 'done');
      // A call that came after a revocation is refused at the door (HTTP 401: the SDK throws).
      const refused = results
        .filter((r) => r instanceof Error || r.isError === true)
        .map((r) => (r instanceof Error ? r.message : textOf(r)));
      const instead = results.filter((r) => change.instead !== undefined && status(r) === change.instead);
      expect(done.length + refused.length + instead.length).toBe(CALLS);
      for (const text of refused) expect(text).toMatch(change.refusal);
      const stored = await server.app.store.tasks.list(wsId, { text: `${title} ` }, { limit: 1000 });
      expect(stored).toHaveLength(done.length);
      expect(stored.length).toBe(storedWhenReturned);
      const events: AuditEvent[] = await server.app.store.audit.list(wsId, { limit: 5000 });
      // The latest: a policy is changed and a workspace unfrozen every round.
      const marker = events
        .filter((e) => e.action === change.event && (e.credentialName === key.name || !e.credentialName))
        .sort((a, b) => (b.seq ?? 0) - (a.seq ?? 0))[0];
      expect(marker, `${change.event} recorded`).toBeDefined();
      const written = events.filter(
        (e) => e.credentialId === key.credentialId && e.action === 'mcp.tool_called' && e.outcome === 'ok',
      );
      expect(written).toHaveLength(done.length);
      for (const e of written) expect(e.seq!).toBeLessThan(marker!.seq!);
      return refused.filter((text) => /while this write waited/.test(text)).length;
    }

    for (const change of CHANGES) {
      it(`stops a key's 50 racing writes that passed their checks before ${change.name} returned`, async () => {
        const key = await freshKey(change);
        const title = `race ${key.name}`;
        const calls = burst(key.secret, title);
        // Let some writes land first, then change things while the rest are under way.
        for (let i = 0; i < 200; i++) {
          const n = await server.app.store.tasks.list(wsId, { text: `${title} ` }, { limit: 1000 });
          if (n.length >= 3) break;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        await change.run(server, key.name, key.member);
        const storedWhenReturned = (
          await server.app.store.tasks.list(wsId, { text: `${title} ` }, { limit: 1000 })
        ).length;
        await expectNothingAfter(change, key, title, await calls, storedWhenReturned);
      });
    }

    describe.skipIf(kind !== 'postgres')('with the writes held on their key’s lock', () => {
      let holder: pg.Client;
      beforeAll(async () => {
        holder = new pg.Client({ connectionString: postgresUrl() });
        await holder.connect();
      });
      afterAll(async () => holder?.end());

      /** Waits until some backend waits for the advisory lock `hash` (an SQL expression of $1). */
      async function untilWaiting(hash: string, name: string) {
        for (let i = 0; i < 2000; i++) {
          const { rows } = await holder.query(
            `select 1 from pg_locks where locktype = 'advisory' and not granted
               and ((classid::bigint << 32) | objid::bigint) = ${hash}`,
            [name],
          );
          if (rows.length) return;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        throw new Error(`nothing waited for ${name}`);
      }

      for (const change of CHANGES) {
        it(`${change.name} waits for the write already inside, and the 49 waiting behind it do not run`, async () => {
          const key = await freshKey(change);
          const title = `held ${key.name}`;
          const budgetLock = `write-budget:${key.credentialId}`;
          // Another session holds the key's budget lock: the first write waits for it inside
          // its transaction, holding the workspace's policy and keys locks shared; the other
          // 49 pass their checks and queue behind it in this process.
          await holder.query('begin');
          await holder.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [budgetLock]);
          const calls = burst(key.secret, title);
          await untilWaiting('hashtextextended($1, 0)', budgetLock);
          await new Promise((resolve) => setTimeout(resolve, 1500));
          let returned = false;
          const changed = change.run(server, key.name, key.member).then(() => {
            returned = true;
          });
          await new Promise((resolve) => setTimeout(resolve, 300));
          // SECURITY: the change does not return while a write that passed its checks is inside.
          expect(returned).toBe(false);
          await holder.query('commit');
          await changed;
          const storedWhenReturned = (
            await server.app.store.tasks.list(wsId, { text: `${title} ` }, { limit: 1000 })
          ).length;
          const rechecked = await expectNothingAfter(change, key, title, await calls, storedWhenReturned);
          expect(storedWhenReturned).toBeGreaterThanOrEqual(1);
          expect(rechecked).toBeGreaterThanOrEqual(1);
        });
      }
    });
  });
}
