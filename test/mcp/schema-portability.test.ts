/**
 * Issue 13 point 12: clients that map tool schemas onto a single-`type` dialect (Gemini's
 * OpenAPI subset; MCP Inspector's `--strict` check) reject `type: ["string", "null"]`.
 * Every tool's input and output schema, as a real server lists it in both protocol eras,
 * passes the Inspector's portability rules (test/support/schema-portability.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectV1, connectV2, startTestServer, type TestServer } from '../support/mcp-server.js';
import { lintToolSchemas } from '../support/schema-portability.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

describe('tool schema portability (MCP Inspector strict mode)', () => {
  it('flags the constructs the Inspector warns about, so a clean result means something', () => {
    const findings = lintToolSchemas([
      {
        name: 'bad',
        inputSchema: {
          type: 'object',
          properties: { a: { type: ['string', 'null'] }, b: {}, c: { $ref: 'https://example.com/s.json' } },
          additionalProperties: false,
        },
        outputSchema: { type: 'object', properties: { d: true } },
      },
    ]);
    expect(findings.map((f) => `${f.rule} ${f.path}`)).toEqual([
      'type-union inputSchema.properties.a',
      'untyped-schema inputSchema.properties.b',
      'remote-ref inputSchema.properties.c',
      'boolean-schema outputSchema.properties.d',
    ]);
  });

  it('lists every tool schema without type arrays or other unportable constructs to a 2025-era client', async () => {
    const key = await server.issueKey();
    const { client } = await connectV1(server, key);
    const { tools } = await client.listTools();
    await client.close();
    // An owner's full key sees every tool, write tools and confirm/cancel included.
    expect(tools.length).toBeGreaterThanOrEqual(18);
    expect(tools.filter((t) => t.outputSchema).length).toBeGreaterThan(0);
    expect(lintToolSchemas(tools)).toEqual([]);
  });

  it('lists the same portable schemas to a 2026-07-28 client', async () => {
    const key = await server.issueKey();
    const client = await connectV2(server, key);
    const { tools } = await client.listTools();
    await client.close();
    expect(lintToolSchemas(tools)).toEqual([]);
  });

  it('still says null is allowed where it is: a nullable field becomes anyOf string|null', async () => {
    const key = await server.issueKey();
    const { client } = await connectV1(server, key);
    const { tools } = await client.listTools();
    await client.close();
    const listTasks = tools.find((t) => t.name === 'list_tasks');
    const output = listTasks?.outputSchema as { properties: Record<string, unknown> } | undefined;
    expect(output?.properties.nextCursor).toEqual({ anyOf: [{ type: 'string' }, { type: 'null' }] });
  });
});
