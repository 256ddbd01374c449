/**
 * `taskgate alerts list|ack|resolve`, `keys show|list` telling a suspension and `keys lift`,
 * through the real CLI on a running server's database.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServerCli } from '../support/cli.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { raiseTestAlert } from './alert-support.js';

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

describe('taskgate alerts and a suspended key', () => {
  it('shows the suspension in keys show and keys list, and lifts it', async () => {
    const alert = await raiseTestAlert(server);
    const shown = await cli.run('keys', 'show', alert.credentialId!, '--workspace', 'demo');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('SUSPENDED (read_only) since');
    expect(shown.stdout).toContain('burst of deletes');
    const listed = await cli.run('keys', 'list', '--workspace', 'demo');
    expect(listed.stdout).toContain('SUSPENDED read_only');
    const lifted = await cli.run('keys', 'lift', alert.credentialId!, '--workspace', 'demo');
    expect(lifted.code).toBe(0);
    const after = await cli.run('keys', 'show', alert.credentialId!, '--workspace', 'demo');
    expect(after.stdout).not.toContain('SUSPENDED');
  });

  it('lists an open alert, acknowledges and resolves it', async () => {
    const alert = await raiseTestAlert(server);
    const listed = await cli.run('alerts', 'list', '--workspace', 'demo');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(alert.id);
    expect((await cli.run('alerts', 'ack', alert.id, '--workspace', 'demo')).code).toBe(0);
    expect((await cli.run('alerts', 'resolve', alert.id, '--workspace', 'demo')).code).toBe(0);
    const stored = await server.app.monitoring.alerts.show('demo', alert.id, null);
    expect(stored.acknowledgedAt).not.toBeNull();
    expect(stored.resolvedAt).not.toBeNull();
    expect((await cli.run('alerts', 'list', '--workspace', 'demo')).stdout).not.toContain(alert.id);
  });

  it('refuses to resolve an alert as a member, and leaves it open', async () => {
    const alert = await raiseTestAlert(server);
    const refused = await cli.run(
      'alerts',
      'resolve',
      alert.id,
      '--workspace',
      'demo',
      '--as',
      'alan@example.com',
    );
    expect(refused.code).not.toBe(0);
    expect((await server.app.monitoring.alerts.show('demo', alert.id, null)).resolvedAt).toBeNull();
  });
});
