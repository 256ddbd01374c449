/**
 * `taskgate usage` through the real CLI, in-process, on a SQLite file: the day table, the
 * keys and tools behind it, `--json`, `--key`, and bad `--days` refused naming the flag.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/index.js';
import { createIdGenerator, createManualClock, createSeededRandom } from '../../src/core/index.js';
import { openStore } from '../../src/storage/index.js';
import { type CliSandbox, createCliSandbox } from '../support/cli.js';

const DAY_MS = 86_400_000;
const ESCAPES = 'get_task\u001b[2J\u001b]0;pwned\u0007\u202e';

let sandbox: CliSandbox;
/** Noon (UTC) yesterday: inside any window of at least two days, whenever the test runs. */
let yesterday: string;

beforeEach(async () => {
  sandbox = createCliSandbox();
  const ok = async (...argv: string[]) => expect((await sandbox.run(...argv)).code).toBe(0);
  await ok('init', '--workspace', 'acme', '--owner', 'ada@acme.test', '--env', 'production');
  await ok('init', '--workspace', 'beta', '--owner', 'bea@beta.test', '--env', 'production');
  for (const name of ['cursor-work-laptop', 'claude-desktop-mac']) {
    await ok('keys', 'create', '--workspace', 'acme', '--name', name, '--env', 'production');
  }
  const store = await openStore(sandbox.databaseUrl);
  try {
    const workspace = (await store.workspaces.findBySlug('acme'))!;
    const [cursor, claude] = [...(await store.apiKeys.list(workspace.id))].sort((a, b) =>
      a.name < b.name ? 1 : -1,
    );
    const at = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS / 2);
    yesterday = at.toISOString().slice(0, 10);
    const clock = createManualClock(at);
    const audit = createAuditLog({ store, clock, ids: createIdGenerator(clock, createSeededRandom(5)) });
    const calls = [
      { key: cursor!, tool: 'get_task', outcome: 'ok' as const },
      { key: cursor!, tool: 'get_task', outcome: 'ok' as const },
      { key: cursor!, tool: 'update_task', outcome: 'denied' as const },
      { key: claude!, tool: 'list_tasks', outcome: 'error' as const },
      { key: claude!, tool: ESCAPES, outcome: 'denied' as const, action: 'mcp.request' },
    ];
    for (const c of calls) {
      await audit.record(store, {
        workspaceId: workspace.id,
        action: c.action ?? 'mcp.tool_called',
        tool: c.tool,
        outcome: c.outcome,
        credentialId: c.key.id,
        credentialName: c.key.name,
      });
      clock.advance(60_000);
    }
  } finally {
    await store.close();
  }
});
afterEach(() => sandbox.remove());

describe('taskgate usage', () => {
  it('prints a row per day, the totals, and the keys and tools behind them', async () => {
    const result = await sandbox.run('usage', '--workspace', 'acme', '--days', '7');
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^Usage of acme, \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2} \(7 days, UTC\): 5 calls, 1 errors, 2 denied, 0 writes\.$/,
    );
    expect(lines[2]).toMatch(/^DAY\s+CALLS\s+ERRORS\s+DENIED\s+WRITES$/);
    expect(lines.filter((l) => /^\d{4}-\d{2}-\d{2}\s/.test(l))).toHaveLength(7);
    expect(lines.find((l) => l.startsWith(yesterday))).toMatch(
      new RegExp(`^${yesterday}\\s+5\\s+1\\s+2\\s+0$`),
    );
    expect(lines.find((l) => l.startsWith('cursor-work-laptop'))).toMatch(/^cursor-work-laptop\s+3$/);
    expect(lines.find((l) => l.startsWith('claude-desktop-mac'))).toMatch(/^claude-desktop-mac\s+2$/);
    expect(lines.find((l) => l.startsWith('get_task '))).toMatch(/^get_task\s+2$/);
  });

  it('spells out the control characters of a tool name a client sent, so it cannot rewrite the terminal', async () => {
    const result = await sandbox.run('usage', '--workspace', 'acme');
    expect(result.code, result.stderr).toBe(0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
    expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(result.stdout).toContain('get_task\\u001b[2J\\u001b]0;pwned\\u0007\\u202e');
  });

  it('prints one JSON document with --json: 30 days by default, quiet days as zeros', async () => {
    const result = await sandbox.run('usage', '--workspace', 'acme', '--json');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.workspace).toBe('acme');
    expect(report.days).toHaveLength(30);
    expect(report.calls.perDay).toHaveLength(30);
    expect(report.calls.total).toBe(5);
    expect(report.calls.perDay.filter((n: number) => n === 0)).toHaveLength(29);
    expect(report.byKey.map((s: { label: string }) => s.label)).toEqual([
      'cursor-work-laptop',
      'claude-desktop-mac',
    ]);
  });

  it('narrows to one key with --key, and answers an unknown key as not found', async () => {
    const one = JSON.parse(
      (await sandbox.run('usage', '--workspace', 'acme', '--key', 'claude-desktop-mac', '--json')).stdout,
    );
    expect([one.key, one.calls.total, one.errors.total]).toEqual(['claude-desktop-mac', 2, 1]);
    const missing = await sandbox.run('usage', '--workspace', 'acme', '--key', 'no-such-key');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('taskgate: no key "no-such-key" in workspace acme\n');
  });

  it("counts only the workspace's own events", async () => {
    const beta = JSON.parse((await sandbox.run('usage', '--workspace', 'beta', '--json')).stdout);
    expect(beta.calls.total).toBe(0);
    expect(beta.byKey).toEqual([]);
  });

  for (const days of ['0', '91', '3x', '1e1', '0x1e', '-5', '', '7.5']) {
    it(`refuses --days ${JSON.stringify(days)} naming the flag, exit 2, and prints no report`, async () => {
      const result = await sandbox.run('usage', '--workspace', 'acme', '--days', days);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe('taskgate: days: must be a whole number of days from 1 to 90\n');
      expect(result.stdout).toBe('');
    });
  }

  it('answers bad --days with --json as one error object', async () => {
    const result = await sandbox.run('usage', '--workspace', 'acme', '--days', '91', '--json');
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      error: {
        code: 'invalid_input',
        message: 'days: must be a whole number of days from 1 to 90',
        fields: [{ field: 'days', message: 'must be a whole number of days from 1 to 90' }],
      },
    });
  });

  it('refuses an unknown workspace as not found', async () => {
    const result = await sandbox.run('usage', '--workspace', 'nope');
    expect([result.code, result.stderr]).toEqual([1, 'taskgate: workspace nope not found\n']);
  });
});
