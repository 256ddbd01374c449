/**
 * Built MCP servers are reused across requests (a pool per role and protocol era): nothing one
 * request leaves on a server may reach another's — not another role's tools, not a client's
 * declared capabilities or name, not the protocol era. A probe registered through the
 * test-only extension hook reads what the server itself holds while it serves a request.
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { initializeBody, post, startTestServer, type TestServer } from '../support/mcp-server.js';

const PROBE = 'probe_client_identity';
type Era = '2025-11-25' | '2026-07-28';

let server: TestServer;
let ownerKey: string;
let viewerKey: string;

beforeAll(async () => {
  server = await startTestServer({
    extendMcpServer: (mcp) =>
      mcp.registerTool(PROBE, { inputSchema: z.object({}) }, () => {
        // The deprecated accessors are the server's own connection-scoped view of its client.
        const held = {
          capabilities: mcp.server.getClientCapabilities() ?? null,
          client: mcp.server.getClientVersion() ?? null,
        };
        return { content: [{ type: 'text', text: JSON.stringify(held) }] };
      }),
  });
  ownerKey = await server.issueKey();
  viewerKey = await server.issueKey({ member: 'katherine@example.com', preset: 'read-only' });
});
afterAll(async () => server.close());

interface Envelope {
  readonly capabilities?: Record<string, unknown>;
  readonly client?: { name: string; version: string };
}

/** One stateless JSON-RPC request in either era; a 2026-07-28 one carries its `_meta` envelope. */
async function rpc(
  era: Era,
  key: string,
  method: string,
  params: Record<string, unknown>,
  env: Envelope = {},
) {
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, 'mcp-protocol-version': era };
  let sent = params;
  if (era === '2026-07-28') {
    headers['mcp-method'] = method;
    if (typeof params.name === 'string') headers['mcp-name'] = params.name;
    sent = {
      ...params,
      _meta: {
        [PROTOCOL_VERSION_META_KEY]: era,
        [CLIENT_CAPABILITIES_META_KEY]: env.capabilities ?? {},
        ...(env.client && { [CLIENT_INFO_META_KEY]: env.client }),
      },
    };
  }
  const response = await post(
    server,
    JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: sent }),
    headers,
  );
  expect(response.status).toBe(200);
  return (await response.json()) as {
    result?: { tools?: { name: string }[]; content?: { text: string }[]; isError?: boolean };
    error?: { message: string };
  };
}

const toolNames = async (era: Era, key: string, env: Envelope = {}) =>
  ((await rpc(era, key, 'tools/list', {}, env)).result?.tools ?? []).map((t) => t.name).sort();

async function probe(era: Era, env: Envelope = {}) {
  const answer = await rpc(era, ownerKey, 'tools/call', { name: PROBE, arguments: {} }, env);
  return JSON.parse(answer.result?.content?.[0]?.text ?? 'null') as {
    capabilities: unknown;
    client: unknown;
  };
}

const ALICE = { name: 'alice-client', version: '9.9.9' };
const RICH_CAPABILITIES = { elicitation: { form: {}, url: {} }, roots: {} };

describe.each(['2025-11-25', '2026-07-28'] as const)('reused MCP servers [%s]', (era) => {
  it("never serves a viewer's request with an admin's tools when viewer and owner requests interleave", async () => {
    const ownerTools = await toolNames(era, ownerKey);
    const viewerTools = await toolNames(era, viewerKey);
    expect(viewerTools.length).toBeGreaterThan(0);
    expect(ownerTools).toEqual(expect.arrayContaining(viewerTools));
    expect(ownerTools).toContain('create_task');
    expect(viewerTools).not.toContain('create_task');

    for (let round = 0; round < 3; round++) {
      // Half the 2026-07-28 requests name their client, half do not (they are pooled apart).
      const lists = await Promise.all(
        Array.from({ length: 16 }, (_, i) => ({
          key: i % 2 ? viewerKey : ownerKey,
          env: i % 4 < 2 ? { client: ALICE } : {},
        })).map(async ({ key, env }) => ({ key, tools: await toolNames(era, key, env) })),
      );
      for (const { key, tools } of lists) expect(tools).toEqual(key === viewerKey ? viewerTools : ownerTools);
      const [, refused] = await Promise.all([
        rpc(era, ownerKey, 'tools/call', { name: 'whoami', arguments: {} }, { client: ALICE }),
        rpc(
          era,
          viewerKey,
          'tools/call',
          { name: 'create_task', arguments: { project: 'APO', title: 'x' } },
          { client: ALICE },
        ),
      ]);
      expect(refused.result?.isError ?? refused.error !== undefined).toBe(true);
      expect(JSON.stringify(refused)).toMatch(/not found|unknown tool/i);
    }
  });
});

describe("a client's identity on a reused server", () => {
  it("does not hand one client's initialize (capabilities, name) to a later 2025-era request", async () => {
    for (let round = 0; round < 3; round++) {
      const init = JSON.parse(initializeBody) as { params: Record<string, unknown> };
      const initialized = await rpc('2025-11-25', ownerKey, 'initialize', {
        ...init.params,
        capabilities: RICH_CAPABILITIES,
        clientInfo: ALICE,
      });
      expect(initialized.result).toBeDefined();
      // A stateless request that never initialized holds no client, whichever server it gets.
      const held = await Promise.all([probe('2025-11-25'), probe('2025-11-25')]);
      for (const h of held) expect(h).toEqual({ capabilities: null, client: null });
    }
  });

  it('does not show one 2026-07-28 client’s envelope to a later request that names no client', async () => {
    for (let round = 0; round < 3; round++) {
      expect(await probe('2026-07-28', { capabilities: RICH_CAPABILITIES, client: ALICE })).toEqual({
        capabilities: RICH_CAPABILITIES,
        client: ALICE,
      });
      const held = await Promise.all([probe('2026-07-28'), probe('2026-07-28')]);
      for (const h of held) expect(h).toEqual({ capabilities: {}, client: null });
    }
  });

  it('keeps the eras apart: a 2025-era request after 2026-07-28 ones is answered in the 2025 form', async () => {
    await Promise.all(Array.from({ length: 4 }, () => probe('2026-07-28', { client: ALICE })));
    const modern = await rpc('2026-07-28', ownerKey, 'tools/call', { name: 'whoami', arguments: {} });
    const legacy = await rpc('2025-11-25', ownerKey, 'tools/call', { name: 'whoami', arguments: {} });
    // The 2026-07-28 encoder stamps serverInfo into every result's _meta; 2025 results carry none.
    expect(JSON.stringify(modern.result)).toContain('io.modelcontextprotocol/serverInfo');
    expect(JSON.stringify(legacy.result)).not.toContain('io.modelcontextprotocol/serverInfo');
    expect(await probe('2025-11-25')).toEqual({ capabilities: null, client: null });
  });
});
