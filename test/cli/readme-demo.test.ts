/**
 * The first minutes, as README tells them: `npm start` (the built `demo`) gives a workspace
 * whose policy is the one README states — so a new user meets a preview, a confirmation
 * token and a browser approval — and README's member commands run as written against it.
 * The commands are read out of README.md, so the README cannot drift from what works.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/index.js';
import { type StartedServer, startBinary } from '../support/cli-binary.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const PIPED_PASSWORD = 'read -rs PW && printf %s "$PW" | ';

interface DemoInfo {
  readonly url: string;
  readonly seeded: { firstKey: { key: string } };
}

/** The lines of the `sh` code blocks in a README section. */
function shellLinesIn(heading: string): string[] {
  const start = README.indexOf(heading);
  const end = README.indexOf('\n## ', start + heading.length);
  const section = README.slice(start, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  if (start < 0 || blocks.length === 0) throw new Error(`no sh block in ${heading}`);
  return blocks.flatMap((block) => block.split('\n')).filter((line) => line.trim() !== '');
}

/** `npx taskgate a b c   # comment` → ['a', 'b', 'c'] (README's lines use no quoting). */
function taskgateArgs(line: string): string[] {
  const command = line.replace(PIPED_PASSWORD, '').replace(/\s+#.*$/, '');
  expect(command.startsWith('npx taskgate ')).toBe(true);
  return command.slice('npx taskgate '.length).trim().split(/\s+/);
}

let dir: string;
let env: Record<string, string>;
let demo: StartedServer<DemoInfo>;

async function cli(argv: string[], stdin?: string) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env,
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    cwd: dir,
    ...(stdin !== undefined && { stdin: Readable.from([Buffer.from(stdin)]) }),
  });
  return { code, stdout, stderr };
}

async function callTool(name: string, args: Record<string, unknown>) {
  const response = await fetch(`${demo.info.url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${demo.info.seeded.firstKey.key}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
  });
  const body = (await response.json()) as { result: { structuredContent: Record<string, unknown> } };
  return body.result.structuredContent;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'taskgate-readme-'));
  env = {
    TASKGATE_DATA_DIR: join(dir, 'data'),
    TASKGATE_DATABASE_URL: `sqlite:${join(dir, 'data', 'taskgate.db')}`,
  };
  demo = await startBinary<DemoInfo>(['demo', '--port', '0', '--json'], { cwd: dir, env });
});

afterAll(async () => {
  await demo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the demo workspace of npm start', () => {
  it('has the write policy README states when it is freshly seeded', async () => {
    const stated = taskgateArgs(
      shellLinesIn('## Quick start').find((l) => l.includes('policy set')) ?? 'missing policy set line',
    );
    expect(stated.slice(0, 4)).toEqual(['policy', 'set', '--workspace', 'demo']);
    const tiers: Record<string, string> = {};
    for (let i = 4; i < stated.length; i += 2) tiers[stated[i]!.replace(/^--/, '')] = stated[i + 1]!;

    const shown = await cli(['policy', 'show', '--workspace', 'demo', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const policy = JSON.parse(shown.stdout) as { tiers: Record<string, string> };
    expect(policy.tiers).toEqual(tiers);
    // It shows the product: not every write runs at once.
    expect(new Set(Object.values(policy.tiers))).toEqual(new Set(['none', 'token', 'approve']));
  });

  it('answers an update from the first key with a preview and a confirmation token instead of writing', async () => {
    const before = await callTool('get_task', { task: 'APO-1' });
    const task = before.task as { version: number; title: string };
    const answer = await callTool('update_task', {
      task: 'APO-1',
      version: task.version,
      title: 'Renamed by the demo test',
    });
    expect(answer).toMatchObject({ status: 'confirmation_required', token: expect.stringMatching(/^tgc_/) });
    const after = await callTool('get_task', { task: 'APO-1' });
    expect((after.task as { title: string }).title).toBe(task.title);
  });
});

describe("README's member commands", () => {
  it('run as written against the demo workspace', async () => {
    const lines = shellLinesIn('## Members and web sign-in');
    expect(lines.length).toBeGreaterThan(0);
    const password = `readme-${Math.random().toString(36).slice(2)}-passphrase`;
    const outputs: string[] = [];
    for (const line of lines) {
      const run = await cli(taskgateArgs(line), line.startsWith(PIPED_PASSWORD) ? password : undefined);
      expect(run.code, `${line}\n${run.stderr}`).toBe(0);
      outputs.push(run.stdout);
    }
    const email = /--email (\S+)/.exec(lines[0]!)![1]!;
    const listed = await cli(['members', 'list', '--workspace', 'demo', '--json']);
    const { members } = JSON.parse(listed.stdout) as {
      members: { email: string; role: string; hasPassword: boolean }[];
    };
    expect(members.find((m) => m.email === email)).toMatchObject({ role: 'admin', hasPassword: true });
    expect(outputs.at(-1)).toContain('/login');
  });

  it('asks a member to approve a bulk change in the browser instead of running it', async () => {
    const tasks = await Promise.all(
      ['APO-2', 'APO-3'].map(async (task) => ({
        task,
        version: ((await callTool('get_task', { task })).task as { version: number }).version,
      })),
    );
    const answer = await callTool('bulk_update_tasks', { tasks, set: { priority: 'urgent' } });
    expect(answer).toMatchObject({ status: 'approval_required' });
    expect(JSON.stringify(answer)).toContain('/admin/approvals/');
  });
});
