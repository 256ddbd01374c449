import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toolsForRole } from './build-server.js';
import { defineTool } from './define-tool.js';
import { TOOLS } from './tools/index.js';

const fake = (name: string, scopes: Parameters<typeof defineTool>[0]['scopes']) =>
  defineTool({
    name,
    title: name,
    description: name,
    scopes,
    annotations: {},
    input: z.object({}),
    output: z.object({}),
    run: async () => ({ structured: {}, text: '', summary: null }),
  });

describe('tools a role can see', () => {
  it('hides a tool whose scopes the role can never hold', () => {
    const tools = [
      fake('read_audit', ['audit:read']),
      fake('delete_task', ['tasks:delete']),
      fake('get_task', ['tasks:read']),
    ];
    expect(toolsForRole('viewer', tools).map((t) => t.name)).toEqual(['get_task']);
    expect(toolsForRole('member', tools).map((t) => t.name)).toEqual(['delete_task', 'get_task']);
    expect(toolsForRole('admin', tools).map((t) => t.name)).toEqual([
      'read_audit',
      'delete_task',
      'get_task',
    ]);
  });

  it('lists every read tool to every role, since each role may read', () => {
    for (const role of ['owner', 'admin', 'member', 'viewer'] as const)
      expect(toolsForRole(role)).toHaveLength(TOOLS.length);
  });

  it('gives every tool a bounded, strict input schema and a description', () => {
    for (const tool of TOOLS) {
      expect(tool.description.length).toBeGreaterThan(10);
      expect(tool.input.safeParse({ unexpected: true }).success, tool.name).toBe(false);
    }
  });
});
