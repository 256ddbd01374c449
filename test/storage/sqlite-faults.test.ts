/**
 * SQLite faults fail closed like PostgreSQL outages: a write that cannot take the lock within
 * the busy timeout (another process holds the file's write lock) answers 503 with
 * `Retry-After` and a JSON-RPC error, changes nothing, and the server serves again as soon
 * as the lock is gone. The lock is a real one, taken by a second connection on the file.
 */
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/index.js';
import { SQLITE_BUSY_TIMEOUT_MS } from '../../src/storage/connect.js';
import { callToolOverHttp, post, startTestServer, type TestServer } from '../support/mcp-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('SQLite faults', () => {
  it('answers 503 with Retry-After, changing nothing, when another process holds the write lock past the busy timeout', async () => {
    server = await startTestServer({ kind: 'sqlite' });
    const key = await server.issueKey({ name: 'cursor-locked' });
    await server.app.policy.set(null, 'demo', { create: 'none', update: 'none' });
    const file = server.app.config.databaseUrl.slice('sqlite:'.length);
    const before = (await callToolOverHttp(server, key, 'get_task', { task: 'APO-1' })).result
      ?.structuredContent;

    const other = new SQLite(file, { timeout: 0 });
    other.exec('begin exclusive');
    let released = false;
    try {
      const started = Date.now();
      const response = await post(
        server,
        JSON.stringify({
          jsonrpc: '2.0',
          id: 7,
          method: 'tools/call',
          params: { name: 'update_task', arguments: { task: 'APO-1', title: 'Written under a lock' } },
        }),
        { authorization: `Bearer ${key}` },
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(SQLITE_BUSY_TIMEOUT_MS - 500);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await response.json()).toMatchObject({
        jsonrpc: '2.0',
        error: { data: { code: 'unavailable' } },
      });
      other.exec('rollback');
      released = true;
    } finally {
      if (!released) other.exec('rollback');
      other.close();
    }

    const after = await callToolOverHttp(server, key, 'get_task', { task: 'APO-1' });
    expect(after.status).toBe(200);
    expect(after.result?.structuredContent).toEqual(before);
    const written = await callToolOverHttp(server, key, 'update_task', {
      task: 'APO-1',
      title: 'After the lock',
    });
    expect(written.status).toBe(200);
    expect(written.result?.isError).toBeFalsy();
    expect((await verifyAudit(server.app.store, server.app.auditSigner)).ok).toBe(true);
  }, 60_000); // a deliberate busy-timeout wait, then recovery calls that each write their event and baseline
});
