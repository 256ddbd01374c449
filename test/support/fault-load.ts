/**
 * MCP load that keeps going through a database outage, for the fault tests: official v1 SDK
 * clients, each with its own key, calling tools in loops and recording for every call how it
 * ended (a result, a tool error, HTTP 503 with its Retry-After, anything else) and how long
 * the answer took. Unlike the crash load, a failed call does not end a loop.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { connectClient } from './crash-load.js';

type ToolResult = { isError?: boolean; structuredContent?: Record<string, unknown> };

export interface FaultCall {
  readonly tool: string;
  readonly started: number;
  ms?: number;
  state: 'pending' | 'ok' | 'tool_error' | 'unavailable' | 'failed';
  /** The write's result (for `ok`), which its audit event must carry. */
  result?: unknown;
  /** What a `failed` call or a tool error saw, for the failure message. */
  error?: string;
}

export interface FaultLoadClient {
  readonly name: string;
  readonly calls: FaultCall[];
}

export interface FaultLoad {
  readonly clients: readonly FaultLoadClient[];
  readonly ready: Promise<unknown>;
  readonly done: Promise<unknown>;
  stop(): void;
  /** Calls in flight at some time in [from, to) (ms since epoch). */
  between(from: number, to: number): FaultCall[];
}

async function call(client: Client, owner: FaultLoadClient, tool: string, args: Record<string, unknown>) {
  const entry: FaultCall = { tool, started: Date.now(), state: 'pending' };
  owner.calls.push(entry);
  try {
    const result = (await client.callTool({ name: tool, arguments: args })) as ToolResult;
    entry.state = result.isError ? 'tool_error' : 'ok';
    if (result.isError) entry.error = JSON.stringify(result).slice(0, 500);
    if (!result.isError) entry.result = result.structuredContent?.result;
    return result.isError ? undefined : result.structuredContent;
  } catch (error) {
    if (error instanceof StreamableHTTPError && error.code === 503) entry.state = 'unavailable';
    else if (error instanceof McpError) {
      entry.state = 'tool_error';
      entry.error = String(error);
    } else {
      entry.state = 'failed';
      entry.error = String(error);
    }
    // Retry-After asks for seconds; a test cannot wait that long, but must not spin either.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return undefined;
  } finally {
    entry.ms = Date.now() - entry.started;
  }
}

/**
 * Two editors (get then update their own task, a comment every other pass), two creators
 * (create a task, then update it) and a reader, each on its own key; loops until `stop()`.
 */
export function startFaultLoad(
  url: string,
  keys: ReadonlyMap<string, string>,
  refs: readonly string[],
): FaultLoad {
  let stopped = false;
  const clients: FaultLoadClient[] = [];
  const connected: Promise<Client>[] = [];
  const loops: Promise<void>[] = [];
  const run = (name: string, loop: (client: Client, owner: FaultLoadClient) => Promise<void>) => {
    const owner: FaultLoadClient = { name, calls: [] };
    clients.push(owner);
    const connecting = connectClient(url, keys.get(name)!, name);
    connected.push(connecting);
    loops.push(
      connecting.then(async (client) => {
        try {
          while (!stopped) await loop(client, owner);
        } finally {
          await client.close().catch(() => undefined);
        }
      }),
    );
  };
  for (let i = 0; i < 2; i++) {
    const task = refs[i]!;
    let pass = 0;
    run(`editor-${i}`, async (client, owner) => {
      const read = await call(client, owner, 'get_task', { task });
      if (!read) return;
      const version = (read.task as { version: number }).version;
      await call(client, owner, 'update_task', { task, version, title: `editor ${i} pass ${pass}` });
      if (pass++ % 2 === 0) await call(client, owner, 'add_comment', { task, body: `note ${i}.${pass}` });
    });
  }
  for (let i = 0; i < 2; i++) {
    let n = 0;
    run(`creator-${i}`, async (client, owner) => {
      const created = await call(client, owner, 'create_task', { project: 'APO', title: `made ${i}.${n++}` });
      if (!created) return;
      const { task } = created.result as { task: string };
      await call(client, owner, 'update_task', { task, version: 1, priority: 'high' });
    });
  }
  let r = 0;
  run('reader-0', async (client, owner) => {
    await call(client, owner, 'get_task', { task: refs[r++ % refs.length]! });
  });
  return {
    clients,
    ready: Promise.all(connected),
    done: Promise.all(loops),
    stop: () => {
      stopped = true;
    },
    between: (from, to) =>
      clients
        .flatMap((c) => c.calls)
        .filter((c) => c.started < to && c.started + (c.ms ?? Number.POSITIVE_INFINITY) >= from),
  };
}

export const FAULT_LOAD_CLIENTS = ['editor-0', 'editor-1', 'creator-0', 'creator-1', 'reader-0'];
