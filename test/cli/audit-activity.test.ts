/**
 * The Activity service through the CLI (issue 15): `audit show`, `--as` taking a member's
 * view, an address-block filter, and `audit verify` recording who verified and what it found.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/index.js';
import { createIdGenerator, createManualClock, createSeededRandom } from '../../src/core/index.js';
import type { AuditEvent } from '../../src/model/index.js';
import { openStore } from '../../src/storage/index.js';
import { type CliSandbox, createCliSandbox } from '../support/cli.js';

let sandbox: CliSandbox;

beforeEach(async () => {
  sandbox = createCliSandbox();
  const ok = async (...argv: string[]) => {
    const result = await sandbox.run(...argv);
    expect(result.code, result.stderr).toBe(0);
  };
  await ok('init', '--workspace', 'acme', '--owner', 'ada@acme.test');
  await ok('members', 'add', '--workspace', 'acme', '--email', 'bob@acme.test', '--role', 'member');
  const store = await openStore(sandbox.databaseUrl);
  try {
    const workspace = (await store.workspaces.findBySlug('acme'))!;
    const ada = (await store.members.findByEmail(workspace.id, 'ada@acme.test'))!;
    const bob = (await store.members.findByEmail(workspace.id, 'bob@acme.test'))!;
    const clock = createManualClock(new Date(Date.now() - 60_000));
    const audit = createAuditLog({ store, clock, ids: createIdGenerator(clock, createSeededRandom(5)) });
    for (let i = 0; i < 6; i++) {
      await audit.record(store, {
        workspaceId: workspace.id,
        action: 'mcp.tool_called',
        tool: 'get_task',
        outcome: 'ok',
        memberId: i % 2 ? bob.id : ada.id,
        ip: i % 3 ? '203.0.113.7' : '198.51.100.2',
        params: { task: `APO-${i}` },
      });
      clock.advance(1_000);
    }
  } finally {
    await store.close();
  }
});
afterEach(() => sandbox.remove());

async function json<T>(...argv: string[]): Promise<T> {
  const result = await sandbox.run(...argv, '--json');
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}
type Page = { events: AuditEvent[]; nextCursor: string | null };

it("takes a member's view with --as: only their own events, and not_found for another's", async () => {
  const all = (await json<Page>('audit', 'query', '--action', 'mcp.tool_called')).events;
  const bobs = (await json<Page>('audit', 'query', '--as', 'bob@acme.test')).events;
  expect(bobs.length).toBeGreaterThan(0);
  expect(bobs.every((e) => e.memberId === bobs[0]!.memberId)).toBe(true);
  const adas = all.find((e) => e.memberId !== bobs[0]!.memberId)!;
  const refused = await sandbox.run('audit', 'show', adas.id, '--as', 'bob@acme.test');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(`no event ${adas.id}`);
});

it('filters by an address block', async () => {
  const events = (await json<Page>('audit', 'query', '--ip', '203.0.113.0/24')).events;
  expect(events).toHaveLength(4);
  expect((await sandbox.run('audit', 'query', '--ip', '203.0.113.0/24;x')).code).toBe(2);
});

it('shows one event with its arguments and a chain link that verifies', async () => {
  const [event] = (await json<Page>('audit', 'query', '--action', 'mcp.tool_called', '--limit', '1')).events;
  const human = await sandbox.run('audit', 'show', event!.id);
  expect(human.code, human.stderr).toBe(0);
  expect(human.stdout).toContain('link verifies');
  expect(human.stdout).toMatch(/arguments {2}\{"task":"APO-5"\}/);
  const detail = await json<{ chain: { linkVerifies: boolean; seq: number } }>('audit', 'show', event!.id);
  expect(detail.chain).toMatchObject({ linkVerifies: true, seq: event!.seq });
  const bad = await sandbox.run('audit', 'show', `${event!.id}\u001b[2J`);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/id: must be a single line/);
});

it('records audit.verified: the operator in the instance chain, an admin by --as in the workspace', async () => {
  expect((await sandbox.run('audit', 'verify')).code).toBe(0);
  expect((await sandbox.run('audit', 'verify', '--as', 'ada@acme.test')).code).toBe(0);
  const [verified] = (await json<Page>('audit', 'query', '--action', 'audit.verified')).events;
  expect(verified).toMatchObject({
    action: 'audit.verified',
    outcome: 'ok',
    detail: expect.objectContaining({ result: 'intact' }),
  });
  expect(verified!.memberId).toMatch(/^mbr_/);
  const refused = await sandbox.run('audit', 'verify', '--as', 'bob@acme.test');
  expect(refused.code).toBe(1);
  const store = await openStore(sandbox.databaseUrl);
  try {
    const operator = await store.audit.list(null, { action: 'audit.verified', limit: 10 });
    expect(operator).toHaveLength(1);
    expect(operator[0]).toMatchObject({ memberId: null, outcome: 'ok' });
  } finally {
    await store.close();
  }
});
