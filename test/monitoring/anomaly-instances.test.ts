/**
 * One baseline for two instances: the anomaly group locks a key's baseline row (FOR UPDATE,
 * read with the rules in one statement) and writes it back before commit, so 50 concurrent
 * calls of a new key spread over two instances on one PostgreSQL leave a baseline that
 * counts all 50 — the two instances' first groups race to create the row, and neither's
 * calls are lost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readBaseline } from '../../src/monitoring/anomaly-evaluate.js';
import { post, startTestServer, type TestServer } from '../support/mcp-server.js';
import { postgresUrl } from '../support/postgres.js';

let servers: TestServer[] = [];
afterEach(async () => {
  // The second instance first: the first one drops the shared database.
  for (const server of servers.reverse()) await server.close();
  servers = [];
});

const whoami = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'whoami', arguments: {} },
});

describe.skipIf(!postgresUrl())('anomaly baselines shared by instances [postgres]', () => {
  it("keeps one consistent baseline for a new key's 50 concurrent calls over two instances", async () => {
    const first = await startTestServer({ kind: 'postgres' });
    servers.push(first);
    const second = await startTestServer({
      database: first.database,
      env: { TASKGATE_PUBLIC_URL: first.app.config.publicUrl },
    });
    servers.push(second);
    const secret = await first.issueKey({ name: 'two-instance-bot' });
    const workspace = await first.app.store.workspaces.findBySlug('demo');
    const key = await first.app.store.apiKeys.findCurrentByName(workspace!.id, 'two-instance-bot');
    const auth = { authorization: `Bearer ${secret}` };
    const statuses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => post(i % 2 ? second : first, whoami, auth).then((r) => r.status)),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    const baseline = readBaseline((await first.app.store.keyBaselines.find(key!.id))?.state);
    expect([baseline.calls, baseline.hourCount]).toEqual([50, 50]);
  });
});
