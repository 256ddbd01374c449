/**
 * A leaked key for the incident pages' tests: Alan's `cursor-alan-laptop` changes two tasks
 * through MCP, then a human edits one of them afterwards (a revert conflict). Alan also holds
 * a second key, which containment must make dry-run-only.
 */
import type { Actor } from '../../src/domain/index.js';
import { connectV1, type TestServer } from './mcp-server.js';

export const LEAKED = 'cursor-alan-laptop';
export const SIBLING = 'claude-alan-desktop';
const SCOPES = ['tasks:read', 'tasks:write', 'tasks:delete'];

export interface Leak {
  readonly keyId: string;
  readonly secret: string;
  readonly siblingId: string;
  readonly workspaceId: string;
  readonly owner: Actor;
}

export async function leakAKey(server: TestServer): Promise<Leak> {
  const { app, clock } = server;
  const workspace = (await app.store.workspaces.findBySlug('demo'))!;
  const members = await app.store.members.list(workspace.id);
  const ada = members.find((m) => m.role === 'owner')!;
  const owner: Actor = { workspaceId: workspace.id, memberId: ada.id, role: 'owner', via: 'web' };
  const create = (name: string) =>
    app.keys.create({
      workspace: 'demo',
      name,
      environment: 'development',
      member: 'alan@example.com',
      scopes: SCOPES,
    });
  const leaked = await create(LEAKED);
  const sibling = await create(SIBLING);
  const { client } = await connectV1(server, leaked.secret, 'Cursor');
  try {
    for (const args of [
      { task: 'APO-1', title: 'Pwned' },
      { task: 'APO-2', title: 'Also pwned' },
    ]) {
      clock.advance(60_000);
      const result = (await client.callTool({ name: 'update_task', arguments: args })) as {
        isError?: boolean;
      };
      if (result.isError) throw new Error(`update_task failed: ${JSON.stringify(result)}`);
    }
  } finally {
    await client.close();
  }
  // A human edits one of the tasks the key changed, afterwards: reverting it is a conflict.
  clock.advance(60_000);
  await app.domain.tasks.update(owner, 'APO-2', { status: 'blocked' });
  clock.advance(60_000);
  return {
    keyId: leaked.key.id,
    secret: leaked.secret,
    siblingId: sibling.key.id,
    workspaceId: workspace.id,
    owner,
  };
}
