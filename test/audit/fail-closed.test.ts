/**
 * Fail closed: when the audit log cannot take a write's event, the write does not happen
 * and the caller gets 503 — on SQLite and PostgreSQL, with a real failure injected into the
 * database (a trigger that refuses the event), not a mock.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/index.js';
import { post, startTestServer } from '../support/mcp-server.js';
import { storeKinds } from '../support/stores.js';

const callTool = (name: string, args: Record<string, unknown>) =>
  JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: args } });

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(
    `a write whose audit event cannot be written [${kind}]`,
    () => {
      it('changes nothing and answers 503', async () => {
        const server = await startTestServer({ kind });
        try {
          const key = await server.issueKey({ name: 'cursor-fail-closed' });
          const workspace = (await server.app.store.workspaces.findBySlug('demo'))!;
          const owner = (await server.app.store.members.list(workspace.id)).find((m) => m.role === 'owner')!;
          const actor = {
            workspaceId: workspace.id,
            memberId: owner.id,
            role: 'owner' as const,
            via: 'web' as const,
          };
          const before = await server.app.domain.tasks.get(actor, 'APO-2');
          const handle = await openDatabase(server.app.config.databaseUrl);
          try {
            if (kind === 'sqlite') {
              await sql`create trigger refuse_update_events before insert on audit_events
              when new.tool = 'update_task' begin select raise(abort, 'injected audit failure'); end`.execute(
                handle.db,
              );
            } else {
              await sql`create function refuse_update_events() returns trigger language plpgsql as $$
              begin if new.tool = 'update_task' then raise exception 'injected audit failure'; end if; return new; end $$`.execute(
                handle.db,
              );
              await sql`create trigger refuse_update_events before insert on audit_events
              for each row execute function refuse_update_events()`.execute(handle.db);
            }
          } finally {
            await handle.close();
          }
          const response = await post(
            server,
            callTool('update_task', { task: 'APO-2', title: 'Must not be written' }),
            { authorization: `Bearer ${key}` },
          );
          expect(response.status).toBe(503);
          expect(await response.text()).not.toContain('Must not be written');
          expect(await server.app.domain.tasks.get(actor, 'APO-2')).toEqual(before);
          const comments = await server.app.domain.comments.list(actor, { task: 'APO-2', limit: 100 });
          expect(comments.items.some((c) => c.credentialName === 'cursor-fail-closed')).toBe(false);
        } finally {
          await server.close();
        }
      });
    },
  );
}
