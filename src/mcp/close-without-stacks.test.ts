import { McpServer, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { closeWithoutStacks } from './endpoint.js';

describe('closeWithoutStacks', () => {
  const limit = Error.stackTraceLimit;
  afterEach(() => {
    Error.stackTraceLimit = limit;
  });

  it('builds errors made while closing without a stack, and restores the limit after', async () => {
    let made: Error | undefined;
    await closeWithoutStacks({
      close: async () => {
        made = new Error('connection closed');
      },
    });
    expect(made?.stack).toBe('Error: connection closed');
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error('after').stack?.split('\n').length).toBeGreaterThan(1);
  });

  it('restores the limit when close throws at once, and passes the error on', () => {
    expect(() =>
      closeWithoutStacks({
        close: () => {
          throw new Error('broken');
        },
      }),
    ).toThrow('broken');
    expect(Error.stackTraceLimit).toBe(limit);
  });

  it('closes a real SDK server, which can then serve on a new transport', async () => {
    const server = new McpServer({ name: 't', version: '1' });
    let closed = 0;
    server.server.onclose = () => {
      closed += 1;
    };
    for (let i = 0; i < 2; i++) {
      await server.connect(new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined }));
      await closeWithoutStacks(server);
    }
    expect(closed).toBe(2);
    expect(Error.stackTraceLimit).toBe(limit);
  });
});
