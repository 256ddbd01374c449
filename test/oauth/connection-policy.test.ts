/**
 * An OAuth connection is controlled exactly like a named key: a connection made through the
 * consent page calls /mcp with its access token, and the workspace freeze, the write budget
 * (which flags it), the `token` and `approve` confirmation tiers, `incident report` and
 * `incident contain`, a read-only consent and a project allow-list all apply to it. Every
 * audit event of its calls names the OAuth client it was granted to.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainResult, IncidentReport } from '../../src/incident/index.js';
import type { ApiKeyRecord, AuditEvent, Workspace } from '../../src/model/index.js';
import { createServerCli } from '../support/cli.js';
import { callToolOverHttp, startTestServer, type TestServer } from '../support/mcp-server.js';
import { type ConsentChoice, connectOverHttp, tokenRequest } from '../support/oauth.js';
import { storeKinds } from '../support/stores.js';

const WRITER_SCOPE = 'projects:read tasks:read tasks:write tasks:delete offline_access';

let server: TestServer;
let cli: ReturnType<typeof createServerCli>;
let demo: Workspace;

interface Connected {
  readonly clientId: string;
  readonly access: string;
  readonly refresh: string | undefined;
  readonly connection: ApiKeyRecord;
  readonly jar: Awaited<ReturnType<typeof connectOverHttp>>['jar'];
  call(name: string, args?: Record<string, unknown>): ReturnType<typeof callToolOverHttp>;
}

/** Alan consents to a freshly registered client; the connection it becomes, and its tokens. */
async function connect(scope = WRITER_SCOPE, choice: ConsentChoice = {}): Promise<Connected> {
  const connected = await connectOverHttp(server, scope, choice);
  expect(connected.status).toBe(200);
  const connection = (await server.app.connections.list(demo.id)).find(
    (c) => c.oauthClientId === connected.clientId,
  )!;
  const access = connected.tokens.access_token!;
  return {
    clientId: connected.clientId,
    access,
    refresh: connected.tokens.refresh_token,
    connection,
    jar: connected.jar,
    call: (name, args = {}) => callToolOverHttp(server, access, name, args),
  };
}

const owner = async () => {
  const member = (await server.app.store.members.list(demo.id)).find((m) => m.role === 'owner')!;
  return { workspaceId: demo.id, memberId: member.id, role: member.role, via: 'web' as const };
};
const taskTitles = async (project: string) =>
  (await server.app.domain.tasks.list(await owner(), { project, limit: 100 })).items.map((t) => t.title);

/** The events a credential's calls left, oldest first. */
async function eventsOf(credentialId: string): Promise<AuditEvent[]> {
  const all = await server.app.store.audit.list(demo.id, { limit: 1000 });
  return all.filter((e) => e.credentialId === credentialId).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
}

/** Every event of the connection's calls names its OAuth client, id and name. */
async function expectEveryEventNamesTheClient(connected: Connected): Promise<AuditEvent[]> {
  const events = await eventsOf(connected.connection.id);
  expect(events.length).toBeGreaterThan(0);
  for (const event of events) {
    expect(
      {
        action: event.action,
        oauthClient: (event.detail as { oauth_client?: unknown } | null)?.oauth_client,
      },
      `${event.action} #${event.seq}`,
    ).toEqual({
      action: event.action,
      oauthClient: { id: connected.clientId, name: 'Attack test client' },
    });
  }
  return events;
}

const textOf = (call: Awaited<ReturnType<typeof callToolOverHttp>>) => call.result?.content[0]?.text ?? '';

describe.each(storeKinds())('on %s', (kind) => {
  beforeEach(async () => {
    server = await startTestServer({ kind });
    cli = createServerCli(server);
    demo = (await server.app.store.workspaces.findBySlug('demo'))!;
  });
  afterEach(async () => {
    cli.remove();
    await server.close();
  });

  describe('the workspace freeze', () => {
    it("refuses a connection's writes and lets it read", async () => {
      const connected = await connect();
      await server.app.policy.freeze('demo', { by: null, reason: 'release day' });
      const refused = await connected.call('create_task', { project: 'APO', title: 'During the freeze' });
      expect(refused.status).toBe(200);
      expect(refused.result?.isError).toBe(true);
      expect(textOf(refused)).toMatch(/frozen/);
      expect(await taskTitles('APO')).not.toContain('During the freeze');
      const read = await connected.call('list_tasks', { project: 'APO' });
      expect(read.result?.isError).toBeFalsy();

      await server.app.policy.unfreeze('demo', null);
      const after = await connected.call('create_task', { project: 'APO', title: 'After the freeze' });
      expect(after.result?.structuredContent?.status).toBe('done');
      const events = await expectEveryEventNamesTheClient(connected);
      expect(events.find((e) => e.tool === 'create_task' && e.outcome !== 'ok')).toBeDefined();
    });
  });

  describe('the write budget', () => {
    it('refuses the connection once over budget and flags it for review in keys list', async () => {
      await server.app.policy.set(null, 'demo', { writeBudget: 2, budgetWindowMinutes: 10 });
      const connected = await connect();
      for (const title of ['One', 'Two']) {
        expect(
          (await connected.call('create_task', { project: 'APO', title })).result?.structuredContent?.status,
        ).toBe('done');
      }
      const refused = await connected.call('create_task', { project: 'APO', title: 'Three' });
      expect(refused.result?.isError).toBe(true);
      expect(textOf(refused)).toMatch(/write budget exceeded: key oauth-/);
      expect(await taskTitles('APO')).not.toContain('Three');

      const listed = await cli.run('keys', 'list', '--workspace', 'demo');
      const line = listed.stdout.split('\n').find((l) => l.startsWith(connected.connection.name));
      expect(line).toMatch(
        /OAuth client "Attack test client" for alan@example\.com active FLAGGED \(write budget exceeded at /,
      );
      const events = await expectEveryEventNamesTheClient(connected);
      expect(events.map((e) => e.action)).toContain('budget.exceeded');
    });
  });

  describe('confirmation tiers', () => {
    it('token: the connection gets a preview and a token; only its own confirm_action executes it', async () => {
      await server.app.policy.set(null, 'demo', { create: 'token' });
      const connected = await connect();
      const preview = await connected.call('create_task', { project: 'APO', title: 'Needs a token' });
      expect(preview.result?.structuredContent?.status).toBe('confirmation_required');
      expect(await taskTitles('APO')).not.toContain('Needs a token');
      const token = preview.result?.structuredContent?.token as string;

      // Another credential of the same member cannot use the token.
      const key = await server.issueKey({
        name: 'cursor-other',
        member: 'alan@example.com',
        preset: 'standard',
      });
      const stolen = await callToolOverHttp(server, key, 'confirm_action', { token });
      expect(textOf(stolen)).toMatch(/^not_found/);

      const done = await connected.call('confirm_action', { token });
      expect(done.result?.structuredContent?.status).toBe('done');
      expect(await taskTitles('APO')).toContain('Needs a token');

      // A preview left alone expires; the expiry is recorded against the connection too.
      const left = await connected.call('create_task', { project: 'APO', title: 'Never confirmed' });
      server.clock.advance(11 * 60_000);
      const late = await connected.call('confirm_action', { token: left.result?.structuredContent?.token });
      expect(textOf(late)).toMatch(/^conflict: action act_\w+ is expired/);
      const events = await expectEveryEventNamesTheClient(connected);
      expect(events.map((e) => e.action)).toEqual(
        expect.arrayContaining(['confirmation.requested', 'mcp.tool_called', 'confirmation.expired']),
      );
    });

    it('approve: the delete waits for a human in the browser, then runs as the connection', async () => {
      await server.app.policy.set(null, 'demo', { delete: 'approve' });
      const connected = await connect();
      const asked = await connected.call('delete_task', { task: 'APO-3' });
      expect(asked.result?.structuredContent?.status).toBe('approval_required');
      const actionId = asked.result?.structuredContent?.action as string;
      const ownerActor = await owner();
      expect((await server.app.domain.tasks.get(ownerActor, 'APO-3')).deletedAt).toBeNull();

      // Alan approves in the browser (his session from the consent).
      const pagePath = `/admin/approvals/${actionId}`;
      const page = await (
        await fetch(`${server.url}${pagePath}`, { headers: { cookie: connected.jar.header() } })
      ).text();
      expect(page).toContain(connected.connection.name);
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
      const digest = /name="digest" value="([^"]+)"/.exec(page)![1]!;
      const approved = await fetch(`${server.url}${pagePath}/approve`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: server.url,
          cookie: connected.jar.header(),
        },
        body: new URLSearchParams({ csrf, digest }).toString(),
      });
      expect(approved.status).toBe(200);
      expect(
        (await server.app.domain.tasks.get(ownerActor, 'APO-3', { includeTrashed: true })).deletedAt,
      ).not.toBeNull();
      const events = await expectEveryEventNamesTheClient(connected);
      expect(events.find((e) => e.action === 'confirmation.approved')).toMatchObject({
        outcome: 'ok',
        credentialName: connected.connection.name,
      });
    });

    it("approve: a human's decline is recorded against the connection and its client", async () => {
      await server.app.policy.set(null, 'demo', { delete: 'approve' });
      const connected = await connect();
      const asked = await connected.call('delete_task', { task: 'APO-4' });
      const actionId = asked.result?.structuredContent?.action as string;
      const pagePath = `/admin/approvals/${actionId}`;
      const page = await (
        await fetch(`${server.url}${pagePath}`, { headers: { cookie: connected.jar.header() } })
      ).text();
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
      const declined = await fetch(`${server.url}${pagePath}/decline`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: server.url,
          cookie: connected.jar.header(),
        },
        body: new URLSearchParams({ csrf }).toString(),
      });
      expect(declined.status).toBe(200);
      const events = await expectEveryEventNamesTheClient(connected);
      expect(events.map((e) => e.action)).toContain('confirmation.declined');
    });
  });

  describe('incident response', () => {
    it('incident report lists what the connection did; incident contain revokes it', async () => {
      const connected = await connect();
      const name = connected.connection.name;
      const made = await connected.call('create_task', { project: 'APO', title: 'Planted by the assistant' });
      const created = (made.result!.structuredContent!.result as { task: string }).task;
      await connected.call('update_task', { task: 'APO-1', title: 'Defaced' });
      expect((await connected.call('update_task', { task: 'APO-999', title: 'nope' })).result?.isError).toBe(
        true,
      );

      const reported = await cli.run('incident', 'report', '--workspace', 'demo', '--key', name, '--json');
      expect(reported.code, reported.stderr).toBe(0);
      const report = JSON.parse(reported.stdout) as IncidentReport;
      expect(report.changes.map((c) => `${c.op} ${c.ref}`)).toEqual([`create ${created}`, 'update APO-1']);
      expect(report.addresses.map((a) => a.ip)).toEqual(['127.0.0.1']);
      expect(report.denials).toEqual([
        expect.objectContaining({ tool: 'update_task', errorCode: 'not_found' }),
      ]);

      const contained = await cli.run('incident', 'contain', '--workspace', 'demo', '--key', name, '--json');
      expect(contained.code, contained.stderr).toBe(0);
      const result = (JSON.parse(contained.stdout) as { contained: ContainResult }).contained;
      expect(result.revoked.map((k) => k.id)).toEqual([connected.connection.id]);

      const refused = await connected.call('whoami');
      expect(refused.status).toBe(401);
      expect(refused.error?.reason).toBe('revoked');
      const refreshed = await tokenRequest(server, {
        grant_type: 'refresh_token',
        refresh_token: connected.refresh!,
        client_id: connected.clientId,
      });
      expect(refreshed.body.error).toBe('invalid_grant');
      await expectEveryEventNamesTheClient(connected);
    });
  });

  describe('what the member consented to', () => {
    it('read-only: every write is refused and nothing changes, whatever the scopes say', async () => {
      const connected = await connect(WRITER_SCOPE, { readOnly: true });
      expect(connected.connection.readOnly).toBe(true);
      const before = await taskTitles('APO');
      for (const [tool, args, scope] of [
        ['create_task', { project: 'APO', title: 'Read-only write' }, 'tasks:write'],
        ['update_task', { task: 'APO-1', title: 'Read-only edit' }, 'tasks:write'],
        ['delete_task', { task: 'APO-2' }, 'tasks:delete'],
        ['add_comment', { task: 'APO-1', body: 'Read-only comment' }, 'comments:write'],
      ] as const) {
        const refused = await connected.call(tool, args);
        // The tool refuses; no 403 insufficient_scope that would send the member back to a
        // consent page (whose read-only box starts unticked) for a scope that cannot help.
        expect(refused.status, tool).toBe(200);
        expect(refused.result?.isError, tool).toBe(true);
        expect(textOf(refused), tool).toMatch(
          new RegExp(`^forbidden: missing scope ${scope}: .*\\(it is read-only\\)`),
        );
      }
      expect(await taskTitles('APO')).toEqual(before);
      expect((await connected.call('list_tasks', { project: 'APO' })).result?.isError).toBeFalsy();
      // A read scope it lacks still steps up: that is what consent is for.
      const stepUp = await connected.call('list_members');
      expect(stepUp.status).toBe(403);
      expect(stepUp.error?.reason).toBe('insufficient_scope');
      expect(stepUp.wwwAuthenticate).toContain('members:read');
      expect(stepUp.wwwAuthenticate).not.toContain('write');
    });

    it('chosen projects: every other project is not_found, reads and writes alike', async () => {
      // Alan belongs to every demo project: only the allow-list hides WEB from the connection.
      const apo = (await server.app.store.projects.findByKey(demo.id, 'APO'))!;
      const web = (await server.app.store.projects.findByKey(demo.id, 'WEB'))!;
      const connected = await connect(WRITER_SCOPE, { projects: [apo.id] });
      expect(connected.connection.projectIds).toEqual([apo.id]);
      expect(await server.app.store.projects.isMember(web.id, connected.connection.memberId)).toBe(true);

      expect((await connected.call('get_task', { task: 'APO-1' })).result?.isError).toBeFalsy();
      for (const [tool, args] of [
        ['get_task', { task: 'WEB-1' }],
        ['get_project', { project: 'WEB' }],
        ['list_tasks', { project: 'WEB' }],
        ['create_task', { project: 'WEB', title: 'Outside the allow-list' }],
        ['update_task', { task: 'WEB-1', title: 'Outside the allow-list' }],
      ] as const) {
        const refused = await connected.call(tool, args);
        expect(refused.result?.isError, tool).toBe(true);
        expect(textOf(refused), tool).toMatch(/^not_found/);
      }
      const listed = await connected.call('list_projects');
      expect(JSON.stringify(listed.result?.structuredContent)).not.toContain('"WEB"');
      expect(await taskTitles('WEB')).not.toContain('Outside the allow-list');
    });
  });
});
