/**
 * A client that hangs up while its tool call runs: the call still finishes and leaves its one
 * `mcp.tool_called` event, and the route does not add a second, false `mcp.request` record
 * for it (found by the issue 17 benchmark: every request autocannon dropped at the end of a
 * run on the 2026-07-28 path left two events). PostgreSQL, so the audit insert can be held
 * by a table lock while the client goes away.
 */
import { request as httpRequest } from 'node:http';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { postgresUrl } from '../support/postgres.js';

const ERAS = {
  '2025-11-25': {
    params: { name: 'get_task', arguments: { task: 'APO-1' } },
    headers: { 'mcp-protocol-version': '2025-11-25' },
  },
  '2026-07-28': {
    params: {
      name: 'get_task',
      arguments: { task: 'APO-1' },
      _meta: {
        [PROTOCOL_VERSION_META_KEY]: '2026-07-28',
        [CLIENT_CAPABILITIES_META_KEY]: {},
        [CLIENT_INFO_META_KEY]: { name: 'hangs-up', version: '1.0.0' },
      },
    },
    headers: { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'get_task' },
  },
} as const;

describe.skipIf(!postgresUrl())('a client that hangs up mid-call [postgres]', () => {
  let server: TestServer;
  let sql: pg.Client;
  beforeAll(async () => {
    server = await startTestServer({ kind: 'postgres' });
    sql = new pg.Client({ connectionString: server.database.url.replace(/[?&]schema=([^&]+)/, '') });
    await sql.connect();
    const schema = /[?&]schema=([^&]+)/.exec(server.database.url)?.[1];
    await sql.query(`set search_path = ${schema}`);
  });
  afterAll(async () => {
    await sql.end();
    await server.close();
  });

  const eventsOf = async (credentialName: string) =>
    (
      await sql.query<{ action: string; outcome: string }>(
        "select action, outcome from audit_events where credential_name = $1 and action like 'mcp.%' order by seq",
        [credentialName],
      )
    ).rows;

  for (const [era, call] of Object.entries(ERAS)) {
    it(`leaves exactly its one tool event, never a second false record (${era})`, async () => {
      const name = `hangs-up-${era}`;
      const key = await server.issueKey({ name });
      await sql.query('begin');
      // Holds every audit insert until the client has gone.
      await sql.query('lock table audit_events in exclusive mode');
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: call.params });
      const req = httpRequest(server.mcpUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${key}`,
          ...call.headers,
        },
      });
      req.on('error', () => undefined);
      req.end(body);
      await new Promise((r) => setTimeout(r, 300));
      req.destroy();
      await new Promise((r) => setTimeout(r, 200));
      await sql.query('commit');
      // Wait until nothing more arrives for the key.
      let seen = -1;
      for (let stable = 0; stable < 5; ) {
        await new Promise((r) => setTimeout(r, 100));
        const n = (await eventsOf(name)).length;
        stable = n === seen ? stable + 1 : 0;
        seen = n;
      }
      expect(await eventsOf(name)).toEqual([{ action: 'mcp.tool_called', outcome: 'ok' }]);
    });
  }
});
