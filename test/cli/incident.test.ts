/**
 * The incident routine end to end (issue 5's proof): a key makes a scripted "incident" over
 * real MCP — creates a task, edits two tasks and a project, trashes a task, is refused once —
 * while a human edits one of the tasks it touched. Then, through the real CLI in-process on
 * the same database file: `incident report` tells where, how and what; `incident revert`
 * plans without writing, restores every other object exactly and leaves the human's edit
 * alone as a conflict; `incident contain` kills the key and freezes its member's other keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/index.js';
import type { Actor } from '../../src/domain/index.js';
import type { ContainResult, IncidentReport, RevertRun } from '../../src/incident/index.js';
import { connectV1, initializeBody, post, startTestServer, type TestServer } from '../support/mcp-server.js';
import { fingerprintTables } from '../support/snapshot.js';
import { storeKinds } from '../support/stores.js';

const KEY_NAME = 'cursor-work-laptop';
const FIELDS = ['title', 'description', 'status', 'priority', 'assigneeId', 'dueDate', 'labels', 'deletedAt'];

describe.each(storeKinds())('on %s', (kind) => {
  let server: TestServer;
  let secret: string;
  let owner: Actor;
  let alan: Actor;
  let dataDir: string;
  let created: string;
  const before: Record<string, Record<string, unknown>> = {};

  type ToolResult = { isError?: boolean; structuredContent?: Record<string, unknown> };

  async function cli(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli([...argv, '--db', server.app.config.databaseUrl], {
      env: { TASKGATE_DATA_DIR: dataDir },
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      clock: server.clock,
    });
    return { code, stdout, stderr };
  }

  const task = (ref: string) => server.app.domain.tasks.get(owner, ref, { includeTrashed: true });
  const fieldsOf = async (ref: string) => {
    const t = (await task(ref)) as unknown as Record<string, unknown>;
    return Object.fromEntries(FIELDS.map((f) => [f, t[f]]));
  };
  const tick = () => server.clock.advance(1000);

  beforeAll(async () => {
    server = await startTestServer({ kind });
    dataDir = mkdtempSync(join(tmpdir(), 'taskgate-incident-'));
    const workspace = (await server.app.store.workspaces.findBySlug('demo'))!;
    const members = await server.app.store.members.list(workspace.id);
    const find = (role: string) => members.find((m) => m.role === role)!;
    owner = { workspaceId: workspace.id, memberId: find('owner').id, role: 'owner', via: 'web' };
    alan = { workspaceId: workspace.id, memberId: find('member').id, role: 'member', via: 'web' };
    for (const ref of ['APO-1', 'APO-2', 'APO-3']) before[ref] = await fieldsOf(ref);
    before.WEB = { ...(await server.app.domain.projects.get(owner, 'WEB')) };

    secret = await server.issueKey({ name: KEY_NAME });
    const { client } = await connectV1(server, secret, 'Cursor');
    const { client: other } = await connectV1(server, secret, 'Claude');
    const call = async (c: typeof client, name: string, args: Record<string, unknown>) => {
      tick();
      return (await c.callTool({ name, arguments: args })) as ToolResult;
    };
    try {
      const made = await call(client, 'create_task', { project: 'APO', title: 'Totally legit task' });
      created = (made.structuredContent!.result as { task: string }).task;
      await call(client, 'update_task', {
        task: 'APO-1',
        title: 'Pwned',
        status: 'cancelled',
        labels: ['x'],
      });
      await call(other, 'update_task', { task: 'APO-2', priority: 'urgent', dueDate: null });
      await call(client, 'update_project', { project: 'WEB', description: 'defaced' });
      await call(other, 'delete_task', { task: 'APO-3' });
      const refused = await call(client, 'update_task', { task: 'APO-999', title: 'nope' });
      expect(refused.isError).toBe(true);
    } finally {
      await client.close();
      await other.close();
    }
    // A human edits one of the tasks the key changed, afterwards, in the web app.
    tick();
    await server.app.domain.tasks.update(alan, 'APO-2', { status: 'blocked' });
    tick();
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('incident report', () => {
    it('lists the addresses, clients, calls per tool, refusals and every object with before/after', async () => {
      const result = await cli('incident', 'report', '--workspace', 'demo', '--key', KEY_NAME, '--json');
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as IncidentReport;
      expect(report.note).toContain('covers every key that ever carried it (1 key');
      expect(report.addresses.map((a) => a.ip)).toEqual(['127.0.0.1']);
      // Each initialize names its client; the 2025-era tool calls name none and are listed
      // as an unnamed client with their User-Agent, never under a name they did not send.
      expect(report.clients.map((c) => `${c.name} ${c.version}`).sort()).toEqual([
        'Claude 1.0.0',
        'Cursor 1.0.0',
        'null null',
      ]);
      expect(report.clients.find((c) => c.name === null)?.userAgents.length).toBeGreaterThan(0);
      const calls = Object.fromEntries(report.calls.map((c) => [c.tool, c.outcomes]));
      expect(calls).toMatchObject({
        create_task: { ok: 1 },
        update_task: { ok: 2, denied: 1 },
        update_project: { ok: 1 },
        delete_task: { ok: 1 },
        initialize: { ok: 2 },
      });
      expect(report.denials).toEqual([
        expect.objectContaining({ action: 'mcp.tool_called', tool: 'update_task', errorCode: 'not_found' }),
      ]);
      expect(report.changes.map((c) => `${c.op} ${c.ref}`)).toEqual([
        `create ${created}`,
        'update APO-1',
        'update APO-2',
        'update WEB',
        'delete APO-3',
      ]);
      const apo1 = report.changes.find((c) => c.ref === 'APO-1')!;
      expect(apo1.fields).toEqual({
        title: { before: before['APO-1']!.title, after: 'Pwned' },
        status: { before: before['APO-1']!.status, after: 'cancelled' },
        labels: { before: before['APO-1']!.labels, after: ['x'] },
      });
    });

    it('renders Markdown by default and with --format md', async () => {
      const result = await cli('incident', 'report', '--key', KEY_NAME, '--format', 'md');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`# Incident report: key \`${KEY_NAME}\` in \`demo\``);
      for (const text of ['127.0.0.1', 'Cursor 1.0.0', '| update_task | 3 | 2 | 1 |', 'APO-3 (task) trashed'])
        expect(result.stdout).toContain(text);
      expect(result.stdout).toContain('| title | "Freeze the release branch" | "Pwned" |');
    });

    it('exits 1 for a name no key ever had, and 2 for a bad --since or --format', async () => {
      expect((await cli('incident', 'report', '--key', 'nobody-nowhere')).code).toBe(1);
      const since = await cli('incident', 'report', '--key', KEY_NAME, '--since', 'yesterday');
      expect(since.code).toBe(2);
      expect(since.stderr).toContain('since');
      expect((await cli('incident', 'report', '--key', KEY_NAME, '--format', 'pdf')).code).toBe(2);
    });

    it('--since leaves out what happened before it, as an ISO time or a duration back from now', async () => {
      const all = JSON.parse(
        (await cli('incident', 'report', '--key', KEY_NAME, '--json')).stdout,
      ) as IncidentReport;
      const trashedAt = all.changes.find((c) => c.op === 'delete')!.at;
      const result = await cli('incident', 'report', '--key', KEY_NAME, '--since', trashedAt, '--json');
      expect((JSON.parse(result.stdout) as IncidentReport).changes.map((c) => c.ref)).toEqual(['APO-3']);
      const recent = await cli('incident', 'report', '--key', KEY_NAME, '--since', '1m', '--json');
      expect((JSON.parse(recent.stdout) as IncidentReport).changes).toHaveLength(5);
    });
  });

  describe('incident revert', () => {
    it('plans without --yes (and with --dry-run): every table is unchanged', async () => {
      const url = server.app.config.databaseUrl;
      const tables = await fingerprintTables(url);
      for (const flags of [[], ['--dry-run'], ['--dry-run', '--yes']]) {
        const result = await cli('incident', 'revert', '--key', KEY_NAME, ...flags, '--json');
        expect(result.code).toBe(0);
        const plan = JSON.parse(result.stdout) as RevertRun;
        expect(plan.dryRun).toBe(true);
        expect(plan.steps.map((s) => `${s.status} ${s.action} ${s.ref}`)).toEqual([
          'planned restore_from_trash APO-3',
          'planned restore_fields WEB',
          'conflict restore_fields APO-2',
          'planned restore_fields APO-1',
          `planned trash ${created}`,
        ]);
      }
      expect(await fingerprintTables(url)).toEqual(tables);
      const human = await cli('incident', 'revert', '--key', KEY_NAME);
      expect(human.stdout).toContain('dry run: nothing was changed');
      expect(human.stdout).toMatch(
        /conflict +APO-2 \(task\).*\n.*\n.*changed afterwards by someone else: v\d+ by alan@example.com via web/,
      );
    });

    it('--yes restores every other object exactly, skips the human-edited one and exits 1', async () => {
      const alanEdit = await fieldsOf('APO-2');
      const result = await cli('incident', 'revert', '--key', KEY_NAME, '--yes', '--json');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('1 conflict(s)');
      const run = JSON.parse(result.stdout) as RevertRun;
      expect(run.counts).toMatchObject({ applied: 4, conflict: 1, failed: 0, manual: 0 });
      for (const ref of ['APO-1', 'APO-3']) expect(await fieldsOf(ref)).toEqual(before[ref]);
      expect(await fieldsOf('APO-2')).toEqual(alanEdit);
      expect((await task(created)).deletedAt).not.toBeNull();
      const web = await server.app.domain.projects.get(owner, 'WEB');
      expect({ ...web, updatedAt: null }).toEqual({ ...before.WEB, updatedAt: null });

      const reverted = (
        await server.app.store.audit.list(owner.workspaceId, { action: 'incident.reverted', limit: 10 })
      ).reverse();
      const applied = run.steps.filter((s) => s.status === 'applied');
      expect(reverted.map((e) => (e.detail as { undoes: string }).undoes)).toEqual(
        applied.map((s) => s.eventId),
      );
      expect(reverted.map((e) => e.id)).toEqual(applied.map((s) => s.revertEventId));
      expect(reverted[0]!.changes![0]).toMatchObject({
        op: 'restore',
        ref: 'APO-3',
        before: { deletedAt: expect.any(String) },
        after: { deletedAt: null },
      });
    });

    it('a second run reverts nothing twice and still reports the conflict', async () => {
      const tables = await fingerprintTables(server.app.config.databaseUrl);
      const result = await cli('incident', 'revert', '--key', KEY_NAME, '--yes', '--json');
      expect(result.code).toBe(1);
      expect((JSON.parse(result.stdout) as RevertRun).counts).toMatchObject({
        already_reverted: 4,
        conflict: 1,
      });
      expect(await fingerprintTables(server.app.config.databaseUrl)).toEqual(tables);
    });
  });

  describe('incident contain', () => {
    it("revokes the key (401 on its next request), makes its member's other keys dry-run-only and cancels its pending approvals", async () => {
      const otherKey = await server.issueKey({ name: 'claude-desktop-home' });
      await server.app.policy.set(null, 'demo', { delete: 'approve' });
      const { client } = await connectV1(server, secret, 'Cursor');
      const pending = (await client.callTool({
        name: 'delete_task',
        arguments: { task: 'APO-5' },
      })) as ToolResult;
      await client.close();
      expect(pending.structuredContent?.status).toBe('approval_required');

      const result = await cli('incident', 'contain', '--key', KEY_NAME, '--json');
      expect(result.code).toBe(0);
      const { contained, report } = JSON.parse(result.stdout) as {
        contained: ContainResult;
        report: IncidentReport;
      };
      expect(contained.revoked.map((k) => k.name)).toEqual([KEY_NAME]);
      expect(contained.restricted.map((k) => k.name)).toEqual(['claude-desktop-home']);
      expect(contained.cancelledActions).toHaveLength(1);
      expect(report.security.map((s) => s.action)).toEqual(
        expect.arrayContaining(['key.revoked', 'confirmation.cancelled', 'incident.contained']),
      );

      const response = await post(server, initializeBody, { Authorization: `Bearer ${secret}` });
      expect(response.status).toBe(401);
      const { client: still } = await connectV1(server, otherKey);
      const write = (await still.callTool({
        name: 'update_task',
        arguments: { task: 'APO-6', title: 'x' },
      })) as ToolResult;
      await still.close();
      expect(write.structuredContent?.status).toBe('dry_run');
      expect((await task('APO-6')).title).not.toBe('x');
      const action = await server.app.store.pendingActions.findById(
        owner.workspaceId,
        contained.cancelledActions[0]!.id,
      );
      expect(action?.status).toBe('cancelled');

      const again = await cli('incident', 'contain', '--key', KEY_NAME, '--json');
      expect(again.code).toBe(0);
      const second = JSON.parse(again.stdout) as { contained: ContainResult };
      expect(second.contained.revoked).toEqual([]);
      expect(second.contained.alreadyRevoked.map((k) => k.name)).toEqual([KEY_NAME]);
    });
  });
});
