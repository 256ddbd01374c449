/** An alert raised the way a rule raises one: its event, and its key suspended when the action says so. */
import { raiseAlert } from '../../src/monitoring/index.js';
import type { TestServer } from '../support/mcp-server.js';

export async function raiseTestAlert(
  server: TestServer,
  slug = 'demo',
  summary = 'burst of deletes',
  action: 'alert' | 'suspend' = 'suspend',
) {
  const { app } = server;
  const workspace = (await app.store.workspaces.findBySlug(slug))!;
  // Keys are issued in demo only: another workspace's alert is about no key.
  let credential: { id: string; name: string } | null = null;
  if (slug === 'demo') {
    const name = `key-${summary.replaceAll(' ', '-')}`;
    await server.issueKey({ name });
    const key = (await app.store.apiKeys.findCurrentByName(workspace.id, name))!;
    credential = { id: key.id, name: key.name };
  }
  const deps = { audit: app.audit, ids: app.ids, signals: app.monitoring.signals };
  return app.store.transaction((repos) =>
    raiseAlert(repos, deps, app.clock.now().toISOString(), {
      workspaceId: workspace.id,
      environment: workspace.environment,
      rule: 'destructive_burst',
      credential,
      severity: 'critical',
      summary,
      evidence: ['evt_one', 'evt_two'],
      action: credential ? action : 'alert',
      suspendMode: 'read_only',
    }),
  );
}
