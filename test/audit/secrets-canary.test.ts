/**
 * Canary secrets (generated at run time: Taskgate keys for another environment or with a bad
 * checksum, a JWT, an `sk_live_` key, a GitHub token, an AWS key id, passwords, session
 * cookies, a confirmation token) are planted everywhere an attacker or a careless model can
 * put them (canary-attack.ts) — tool arguments, headers, the URL, malformed bodies,
 * validation errors, the sign-in form, `reason` fields, `confirm_action`, a moment when the
 * audit log cannot be written — and then searched for, case-insensitively, in the database
 * (bytes of the .db, -wal and -shm files while open and after closing, and every table over
 * SQL) and in everything the server logged (pino at trace, and the console).
 *
 * Where a canary may be: only in tables of user-typed content, and only a canary a user
 * typed into content (a title, a description, a reason): `tasks`, `task_changes` (history),
 * `comments` (the reason lands in the audit comment on the task) and `pending_actions` (the
 * arguments of a change waiting for confirmation, needed to carry it out). Never in the
 * audit log — there a secret is `hmac-sha256:<hex>` — and never anywhere else.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuditMasks, HMAC_PREFIX } from '../../src/audit/index.js';
import { runCli } from '../../src/cli/index.js';
import { parseApiKey } from '../../src/credentials/index.js';
import {
  type Canary,
  createCanaries,
  dumpSqliteTables,
  holds,
  readSqliteFiles,
} from '../support/canaries.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { plantCanaries } from './canary-attack.js';

const canaries = createCanaries();
const { planted, value } = canaries;

// ---- what the server stored and logged ---------------------------------------------------

let server: TestServer;
let logs = '';
const consoleOutput: string[] = [];
let dbPath: string;
let bytesWhileOpen: string[] = [];
let bytesAfterClose: string[] = [];
let tables: Record<string, Record<string, unknown>[]> = {};
let workspaceId: string;
const SECRET = 'k'.repeat(40); // startTestServer's TASKGATE_SECRET_KEY
const hmac = (secret: string, workspace: string | null = workspaceId) =>
  createAuditMasks(SECRET)(workspace)(secret);

/** Tables where user-typed content (and so a secret a user typed into it) legitimately lives. */
const USER_CONTENT_TABLES = ['tasks', 'task_changes', 'comments', 'pending_actions'];

const auditRows = () => tables.audit_events ?? [];
const rowsWith = (needle: string, rows: Record<string, unknown>[]) =>
  rows.filter((row) => JSON.stringify(row).includes(needle));
const rowsHolding = (c: Canary, rows: Record<string, unknown>[]) =>
  rows.filter((row) => holds(JSON.stringify(row), c));

beforeAll(async () => {
  const logger = pino(
    { level: 'trace' },
    {
      write: (line: string) => {
        logs += line;
      },
    },
  );
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleOutput.push(
        args.map((a) => (a instanceof Error ? `${a.stack}` : (JSON.stringify(a) ?? String(a)))).join(' '),
      );
    });
  }
  server = await startTestServer({ logger, keepDatabase: true });
  dbPath = server.app.config.databaseUrl.replace(/^sqlite:/, '');
  workspaceId = (await server.app.store.workspaces.findBySlug('demo'))!.id;
  await plantCanaries(server, canaries);
  bytesWhileOpen = readSqliteFiles(dbPath);
  await server.close();
  bytesAfterClose = readSqliteFiles(dbPath);
  tables = dumpSqliteTables(dbPath);
  vi.restoreAllMocks();
}, 60_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await server?.database.drop();
});

describe('secrets planted in arguments, headers, the URL, error paths and the sign-in form', () => {
  it('are real canaries: keys in the shapes scanners know, a bad checksum, and every site planted', () => {
    expect(planted.length).toBeGreaterThanOrEqual(35);
    const bad = planted.find((c) => c.label === 'bad-checksum bearer')!;
    expect(parseApiKey(bad.value)).toEqual({ ok: false, error: 'bad_checksum' });
    const foreign = planted.find((c) => c.label === 'foreign-environment bearer')!;
    expect(parseApiKey(foreign.value)).toMatchObject({ ok: true, value: { environment: 'production' } });
    expect(new Set(planted.map((c) => c.needle)).size).toBe(planted.length);
  });

  it('never reach any column of any audit row', () => {
    expect(auditRows().length).toBeGreaterThan(20);
    const leaks = planted.flatMap((c) =>
      rowsHolding(c, auditRows()).map(
        (row) => `${c.label} in ${row.action} ${row.tool ?? ''} (seq ${row.seq})`,
      ),
    );
    expect(leaks).toEqual([]);
  });

  it('never reach any other table, except user-typed content in the content tables', () => {
    const leaks: string[] = [];
    for (const [table, rows] of Object.entries(tables)) {
      for (const c of planted) {
        if (c.content && USER_CONTENT_TABLES.includes(table)) continue;
        if (rowsHolding(c, rows).length) leaks.push(`${c.label} in ${table}`);
      }
    }
    expect(leaks).toEqual([]);
    // The content tables do hold what the user typed: this check can see a canary.
    const title = planted.find((c) => c.label === 'foreign-environment key in a title')!;
    expect(rowsWith(title.needle, tables.tasks!)).toHaveLength(1);
    const replaced = planted.find((c) => c.label === 'sk_live key in a title')!;
    expect(rowsWith(replaced.needle, tables.task_changes!).length).toBeGreaterThan(0);
  });

  it('never reach the database files as bytes (.db, -wal, -shm), open or closed', () => {
    const files = [...bytesWhileOpen, ...bytesAfterClose];
    expect(files[0]!.length).toBeGreaterThan(0);
    const leaks = planted
      .filter((c) => !c.content)
      .filter((c) => files.some((text) => holds(text, c)))
      .map((c) => c.label);
    expect(leaks).toEqual([]);
  });

  it('never reach the logs, which did record the failures', () => {
    expect(logs).toContain('audit write failed');
    const output = `${logs}\n${consoleOutput.join('\n')}`;
    expect(planted.filter((c) => holds(output, c)).map((c) => c.label)).toEqual([]);
  });
});

describe('correlation: a secret in the audit log is its workspace HMAC', () => {
  const eventsWith = (label: string, workspace: string | null = workspaceId) =>
    rowsWith(hmac(value(label), workspace), auditRows());
  const describeRow = (row: Record<string, unknown>) => `${row.action} ${row.tool ?? '-'} ${row.outcome}`;

  it('puts the HMAC where each secret was planted', () => {
    // The update's change carries the title it replaced.
    expect(eventsWith('sk_live key in a title').map(describeRow)).toEqual([
      'mcp.tool_called create_task ok',
      'mcp.tool_called update_task ok',
    ]);
    expect(eventsWith('JWT in a description').map(describeRow)).toEqual([
      'mcp.tool_called create_task ok',
      'mcp.tool_called update_task ok',
    ]);
    // ...and so does the confirmed update after it (the task as it was and became).
    expect(eventsWith('foreign-environment key in a title').map(describeRow)).toEqual([
      'mcp.tool_called update_task ok',
      'mcp.tool_called confirm_action ok',
    ]);
    expect(eventsWith('task ref that is a key').map(describeRow)).toEqual([
      'mcp.tool_called update_task error',
    ]);
    expect(eventsWith('forged confirmation token').map(describeRow)).toEqual([
      'mcp.tool_called confirm_action error',
    ]);
    expect(eventsWith('real confirmation token').map(describeRow)).toEqual([
      'mcp.tool_called confirm_action ok',
    ]);
    expect(eventsWith('key in a User-Agent').map(describeRow)).toEqual(['mcp.request - ok']);
    // Emails are compared lowercased, so the HMAC is of the lowercased key.
    const email = value('key as the sign-in email').toLowerCase();
    expect(rowsWith(hmac(email), auditRows()).map(describeRow)).toEqual(['member.sign_in_failed - denied']);
    // A refused request that named no workspace is masked under the instance-wide key.
    expect(eventsWith('key in the User-Agent of a refused request', null).map(describeRow)).toEqual([
      'mcp.auth_failed - denied',
    ]);
  });

  it('keeps request metadata shaped like a credential only as [redacted] (tool, method, client)', () => {
    const requests = auditRows().filter((row) => row.action === 'mcp.request');
    expect(requests.filter((row) => row.tool === '[redacted]')).toHaveLength(2);
    expect(requests.some((row) => JSON.stringify(row.detail).includes('[redacted]'))).toBe(true);
    const poisoned = auditRows().filter(
      (row) => row.credential_name === 'poisoned-client' && row.action !== 'key.created',
    );
    expect(poisoned.map((row) => [row.client_name, row.client_version])).toEqual([
      ['[redacted]', '[redacted]'],
      ['[redacted]', '[redacted]'],
    ]);
  });

  it('masks a secret echoed back in an error message the same way', () => {
    const [refused] = eventsWith('assignee echoed by an error');
    const mac = hmac(value('assignee echoed by an error'));
    expect(refused).toMatchObject({ tool: 'create_task', outcome: 'error', error_code: 'invalid_input' });
    expect(JSON.parse(refused!.params as string)).toMatchObject({ assignee: mac });
    expect(JSON.parse(refused!.detail as string).error).toContain(`no member ${mac} in this workspace`);
  });

  it('masks tool and client names handed to the audit log uncleaned', () => {
    const [row] = eventsWith('client name handed to the audit log');
    expect(row).toMatchObject({
      tool: hmac(value('tool name handed to the audit log')),
      client_name: hmac(value('client name handed to the audit log')),
      client_version: hmac(value('client version handed to the audit log')),
    });
  });

  it('gives two events carrying the same secret the same HMAC', () => {
    const mac = hmac(value('GitHub token in a reason and a search query'));
    const rows = rowsWith(mac, auditRows());
    expect(rows.map(describeRow).sort()).toEqual([
      'mcp.tool_called create_task ok',
      'mcp.tool_called search_tasks ok',
    ]);
    expect(rows.find((r) => r.tool === 'create_task')!.reason).toBe(`pasted ${mac} by mistake`);
    expect(JSON.parse(rows.find((r) => r.tool === 'search_tasks')!.params as string)).toMatchObject({
      query: mac,
    });
  });

  it('is what `taskgate audit hash` prints for the value', async () => {
    let stdout = '';
    const code = await runCli(
      ['audit', 'hash', '--workspace', 'demo', '--json', value('sk_live key in a title')],
      {
        env: { TASKGATE_DATABASE_URL: `sqlite:${dbPath}`, TASKGATE_SECRET_KEY: SECRET },
        stdout: {
          write: (chunk: string) => {
            stdout += chunk;
          },
        },
        stderr: { write: () => undefined },
      },
    );
    expect(code).toBe(0);
    const printed = (JSON.parse(stdout) as { hmac: string }).hmac;
    expect(printed.startsWith(HMAC_PREFIX)).toBe(true);
    expect(printed).toBe(hmac(value('sk_live key in a title')));
  });
});
