/**
 * The built server in a child process and MCP load against it, for the crash test: several
 * official v1 SDK clients, each with its own key, calling tools in loops and recording how
 * every call ended, so the test can tell what a client saw before the server was killed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { App } from '../../src/app.js';
import { RATE_LIMITS_SECTION } from '../../src/monitoring/index.js';
import { openDatabase } from '../../src/storage/index.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
// Generous: start-up takes seconds when other work shares the two CPUs.
const START_TIMEOUT_MS = 30_000;

/** The clients of the load; each gets its own key (the server learns a key's client from `initialize`). */
export const LOAD_CLIENTS = [
  'editor-0',
  'editor-1',
  'editor-2',
  'creator-0',
  'creator-1',
  'reader-0',
  'reader-1',
];

type ToolResult = { isError?: boolean; structuredContent?: Record<string, unknown> };

/** One call as its client saw it: answered (ok or a tool error), or cut short by the kill. */
export interface Call {
  readonly tool: string;
  readonly args: Record<string, unknown>;
  state: 'pending' | 'ok' | 'error' | 'lost';
  /** What its event's `result` must hold: the write's result, or get_task's id and version. */
  expected?: unknown;
}

export interface LoadClient {
  readonly name: string;
  readonly calls: Call[];
}

export interface Load {
  readonly clients: readonly LoadClient[];
  /** Resolves once every client has connected. */
  readonly ready: Promise<unknown>;
  /** Resolves once every loop has ended (after `stop()` or on the first lost call). */
  readonly done: Promise<unknown>;
  stop(): void;
}

export const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

export function exited(child: ChildProcess): Promise<void> {
  return alive(child) ? new Promise((resolve) => child.once('exit', () => resolve())) : Promise.resolve();
}

/**
 * `taskgate serve --port 0 --json` in a child process with `env` and none of our TASKGATE_* settings;
 * resolves with its URL once it prints its JSON. `track` gets the child at once, to kill it.
 */
export function serveChild(
  env: Record<string, string>,
  cwd: string,
  track: (child: ChildProcess) => void,
): Promise<{ child: ChildProcess; url: string }> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('TASKGATE_')),
  );
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--json'], {
    cwd,
    env: { ...inherited, TASKGATE_LOG_LEVEL: 'warn', ...env },
  });
  track(child);
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(
      () => reject(new Error(`not listening after ${START_TIMEOUT_MS} ms\n${stderr}`)),
      START_TIMEOUT_MS,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      try {
        const { url } = JSON.parse(stdout) as { url: string };
        clearTimeout(timer);
        resolve({ child, url });
      } catch {
        // Not the whole document yet.
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening\n${stderr}`));
    });
  });
}

/** The v1 SDK client (`@modelcontextprotocol/sdk`) on `<url>/mcp`. */
export async function connectClient(url: string, key: string, name: string): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return client;
}

/** Calls `tool` and records how it ended; undefined when it was not answered with success. */
async function call(client: Client, owner: LoadClient, tool: string, args: Record<string, unknown>) {
  const entry: Call = { tool, args, state: 'pending' };
  owner.calls.push(entry);
  try {
    const result = (await client.callTool({ name: tool, arguments: args })) as ToolResult;
    const content = result.structuredContent;
    entry.state = result.isError ? 'error' : 'ok';
    if (entry.state === 'ok') {
      const task = content?.task as { id: string; version: number } | undefined;
      entry.expected = tool === 'get_task' ? { id: task?.id, version: task?.version } : content?.result;
    }
    return result.isError ? undefined : content;
  } catch (error) {
    // A JSON-RPC error is still an answer (and an event); anything else is the dead server.
    entry.state = error instanceof McpError ? 'error' : 'lost';
    return undefined;
  }
}

/**
 * Starts the load: three editors, each on its own task (get, update with the version read,
 * a comment every third pass); two creators (create a task, then update it); two readers
 * (get_task round the `refs`). A loop ends on `stop()` or at its first unanswered call.
 */
export function startLoad(url: string, keys: ReadonlyMap<string, string>, refs: readonly string[]): Load {
  let stopped = false;
  const clients: LoadClient[] = [];
  const connected: Promise<Client>[] = [];
  const loops: Promise<void>[] = [];
  const run = (name: string, loop: (client: Client, owner: LoadClient) => Promise<void>) => {
    const owner: LoadClient = { name, calls: [] };
    clients.push(owner);
    const connecting = connectClient(url, keys.get(name)!, name);
    connected.push(connecting);
    loops.push(
      connecting.then(async (client) => {
        try {
          await loop(client, owner);
        } finally {
          await client.close().catch(() => undefined);
        }
      }),
    );
  };
  for (let i = 0; i < 3; i++) {
    const task = refs[i]!;
    run(`editor-${i}`, async (client, owner) => {
      for (let n = 0; !stopped; n++) {
        const read = await call(client, owner, 'get_task', { task });
        if (!read) return;
        const version = (read.task as { version: number }).version;
        if (!(await call(client, owner, 'update_task', { task, version, title: `editor ${i} pass ${n}` })))
          return;
        if (n % 3 === 0 && !(await call(client, owner, 'add_comment', { task, body: `note ${i}.${n}` })))
          return;
      }
    });
  }
  for (let i = 0; i < 2; i++) {
    run(`creator-${i}`, async (client, owner) => {
      for (let n = 0; !stopped; n++) {
        const created = await call(client, owner, 'create_task', { project: 'APO', title: `made ${i}.${n}` });
        if (!created) return;
        const { task } = created.result as { task: string };
        if (!(await call(client, owner, 'update_task', { task, version: 1, priority: 'high' }))) return;
      }
    });
  }
  for (let i = 0; i < 2; i++) {
    run(`reader-${i}`, async (client, owner) => {
      for (let n = 0; !stopped; n++)
        if (!(await call(client, owner, 'get_task', { task: refs[(n * 7 + i) % refs.length]! }))) return;
    });
  }
  return {
    clients,
    ready: Promise.all(connected),
    done: Promise.all(loops),
    stop: () => {
      stopped = true;
    },
  };
}

/**
 * Request limits out of the way, for a load that must run flat out until its fault: with the
 * defaults a fast machine reaches the member's 240 writes a minute within a second, every
 * loop ends at its refusal, and no call is left in flight to cut.
 */
export async function raiseRequestLimits(app: Pick<App, 'monitoring'>, workspace: string): Promise<void> {
  const most = 100_000;
  await app.monitoring.settings.change(
    workspace,
    RATE_LIMITS_SECTION,
    Object.fromEntries(
      ['key', 'member', 'ip'].flatMap((who) => [
        [`${who}ReadsPerMinute`, most],
        [`${who}WritesPerMinute`, most],
      ]),
    ),
    null,
  );
}

/** The calls of `load` now in flight, as writes and reads. */
export function inFlight(load: Load): { writes: number; reads: number } {
  const pending = load.clients.map((c) => c.calls.at(-1)).filter((c) => c?.state === 'pending');
  const reads = pending.filter((c) => c?.tool === 'get_task').length;
  return { writes: pending.length - reads, reads };
}

/** How many calls of `load` were answered with success, per tool. */
export function answeredCounts(load: Load): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of load.clients.flatMap((client) => client.calls))
    if (c.state === 'ok') counts[c.tool] = (counts[c.tool] ?? 0) + 1;
  return counts;
}

/**
 * Every task of the workspace with its version, its history rows (`task@version`), and every
 * comment left by keys whose name starts with `keyPrefix`: what a fault test compares before
 * and after the fault.
 */
export async function snapshotTasks(url: string, workspaceId: string, keyPrefix: string) {
  const handle = await openDatabase(url);
  try {
    const tasks = await handle.db
      .selectFrom('tasks')
      .innerJoin('projects', 'projects.id', 'tasks.project_id')
      .select([
        'tasks.id',
        'tasks.number',
        'tasks.version',
        'tasks.deleted_at',
        'projects.key',
        'projects.archived',
      ])
      .where('tasks.workspace_id', '=', workspaceId)
      .orderBy('tasks.id')
      .execute();
    const comments = await handle.db
      .selectFrom('comments')
      .select(['id', 'task_id', 'body'])
      .where('workspace_id', '=', workspaceId)
      .where('credential_name', 'like', `${keyPrefix}%`)
      .execute();
    const history = await handle.db
      .selectFrom('task_changes')
      .select(['task_id', 'version'])
      .where('workspace_id', '=', workspaceId)
      .execute();
    return {
      tasks: new Map(tasks.map((t) => [t.id, t])),
      comments,
      history: history.map((h) => `${h.task_id}@${h.version}`),
    };
  } finally {
    await handle.close();
  }
}
export type TaskSnapshot = Awaited<ReturnType<typeof snapshotTasks>>;
