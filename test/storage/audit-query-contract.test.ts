/**
 * The audit read contract on SQLite and PostgreSQL: every filter of `AuditRepository.list`
 * returns exactly the matching events of one workspace, and keyset paging walks them once,
 * newest first and oldest first. Also pins the indexes of migration 0007.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/index.js';
import { createIdGenerator, createManualClock, createSeededRandom } from '../../src/core/index.js';
import type { AuditEvent, AuditOutcome } from '../../src/model/index.js';
import { type AuditQuery, openDatabase, openStore, type Store } from '../../src/storage/index.js';
import { createTestDatabase, describeEachStore, storeKinds } from '../support/stores.js';

const WS = 'wsp_01JAAAAAAAAAAAAAAAAAAAAAAA';
const OTHER_WS = 'wsp_01JZZZZZZZZZZZZZZZZZZZZZZZ';
const T0 = new Date('2026-11-20T08:00:00.000Z');
const KEYS = [
  { id: 'key_01JAAAAAAAAAAAAAAAAAAAAAA1', name: 'cursor-laptop' },
  { id: 'key_01JAAAAAAAAAAAAAAAAAAAAAA2', name: 'claude-desktop-mac' },
  // A rotated key: same name, new id.
  { id: 'key_01JAAAAAAAAAAAAAAAAAAAAAA3', name: 'cursor-laptop' },
];
const MEMBERS = ['mbr_01JAAAAAAAAAAAAAAAAAAAAAA1', 'mbr_01JAAAAAAAAAAAAAAAAAAAAAA2'];
const TOOLS = ['get_task', 'update_task', 'delete_task', null];
const OUTCOMES: AuditOutcome[] = ['ok', 'ok', 'denied', 'error', 'dry_run', 'pending'];
const IPS = ['203.0.113.7', '2001:db8::1', null];

/** 36 events one minute apart in WS (ids in time order), 3 in OTHER_WS, 1 without a workspace. */
async function seed(store: Store): Promise<AuditEvent[]> {
  const clock = createManualClock(T0);
  const audit = createAuditLog({ store, clock, ids: createIdGenerator(clock, createSeededRandom(7)) });
  const events: AuditEvent[] = [];
  for (let i = 0; i < 36; i++) {
    const key = KEYS[i % 3]!;
    const tool = TOOLS[i % 4]!;
    events.push(
      await audit.record(store, {
        workspaceId: WS,
        action: tool ? 'mcp.tool_called' : 'key.rotated',
        tool,
        outcome: OUTCOMES[i % 6]!,
        memberId: MEMBERS[i % 2]!,
        credentialId: key.id,
        credentialName: key.name,
        ip: IPS[i % 3]!,
      }),
    );
    clock.advance(60_000);
  }
  for (let i = 0; i < 3; i++) {
    await audit.record(store, {
      workspaceId: OTHER_WS,
      action: 'mcp.tool_called',
      tool: 'get_task',
      outcome: 'ok',
      credentialName: 'cursor-laptop',
      memberId: MEMBERS[0]!,
      ip: '203.0.113.7',
    });
    clock.advance(60_000);
  }
  await audit.record(store, { action: 'mcp.rejected', outcome: 'denied', ip: '203.0.113.7' });
  return events;
}

const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000).toISOString();
const ids = (events: readonly AuditEvent[]) => events.map((e) => e.id);
const newestFirst = (events: readonly AuditEvent[]) => [...events].reverse();

describeEachStore('audit query contract', (current) => {
  const cases: [string, Omit<AuditQuery, 'limit'>, (e: AuditEvent) => boolean][] = [
    [
      'key name (every key that carried it)',
      { credentialName: 'cursor-laptop' },
      (e) => e.credentialName === 'cursor-laptop',
    ],
    ['key id', { credentialId: KEYS[2]!.id }, (e) => e.credentialId === KEYS[2]!.id],
    ['member', { memberId: MEMBERS[1] }, (e) => e.memberId === MEMBERS[1]],
    ['tool', { tool: 'update_task' }, (e) => e.tool === 'update_task'],
    ['action', { action: 'key.rotated' }, (e) => e.action === 'key.rotated'],
    ['outcome', { outcome: 'denied' }, (e) => e.outcome === 'denied'],
    ['IPv4 address', { ip: '203.0.113.7' }, (e) => e.ip === '203.0.113.7'],
    ['IPv6 address', { ip: '2001:db8::1' }, (e) => e.ip === '2001:db8::1'],
    ['since (inclusive)', { since: at(30) }, (e) => e.occurredAt >= at(30)],
    ['until (exclusive)', { until: at(5) }, (e) => e.occurredAt < at(5)],
    [
      'every filter at once',
      { credentialName: 'cursor-laptop', memberId: MEMBERS[0], outcome: 'ok', since: at(1), until: at(30) },
      (e) =>
        e.credentialName === 'cursor-laptop' &&
        e.memberId === MEMBERS[0] &&
        e.outcome === 'ok' &&
        e.occurredAt >= at(1) &&
        e.occurredAt < at(30),
    ],
  ];

  for (const [name, query, matches] of cases) {
    it(`filters by ${name}, newest first, within the workspace only`, async () => {
      const events = await seed(current());
      const expected = newestFirst(events.filter(matches));
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(events.length);
      expect(ids(await current().audit.list(WS, { ...query, limit: 100 }))).toEqual(ids(expected));
    });
  }

  it('returns the events as recorded, every field', async () => {
    const events = await seed(current());
    const listed = await current().audit.list(WS, { limit: 100, order: 'asc' });
    const unchained = (list: AuditEvent[]) =>
      list.map(({ seq: _s, prevHash: _p, hash: _h, ...event }) => event);
    expect(unchained(listed)).toEqual(unchained(events));
    // Each stored event also carries its place in the workspace's hash chain.
    expect(listed.map((e) => e.seq)).toEqual(listed.map((_, i) => i + 1));
    expect(listed.every((e, i) => e.prevHash === (i ? listed[i - 1]!.hash : '0'.repeat(64)))).toBe(true);
  });

  it('keeps workspaces apart and lists workspace-less events only under null', async () => {
    await seed(current());
    const other = await current().audit.list(OTHER_WS, { credentialName: 'cursor-laptop', limit: 100 });
    expect(other).toHaveLength(3);
    expect(other.every((e) => e.workspaceId === OTHER_WS)).toBe(true);
    expect((await current().audit.list(null, { limit: 100 })).map((e) => e.action)).toEqual(['mcp.rejected']);
  });

  for (const order of ['desc', 'asc'] as const) {
    it(`pages ${order === 'desc' ? 'newest' : 'oldest'} first with a cursor, each event once`, async () => {
      const events = await seed(current());
      const filter = { credentialName: 'cursor-laptop' };
      const matching = events.filter((e) => e.credentialName === 'cursor-laptop');
      const expected = order === 'desc' ? newestFirst(matching) : matching;
      const seen: AuditEvent[] = [];
      let cursor: string | undefined;
      for (let guard = 0; guard < 20; guard++) {
        const page = await current().audit.list(WS, {
          ...filter,
          order,
          limit: 5,
          ...(cursor && { cursor }),
        });
        seen.push(...page);
        if (page.length < 5) break;
        cursor = page.at(-1)!.id;
      }
      expect(ids(seen)).toEqual(ids(expected));
    });
  }
});

describe('audit read indexes (migration 0007)', () => {
  for (const kind of storeKinds()) {
    it(`exist on ${kind}, and SQLite walks the key index in id order without sorting`, async () => {
      const database = await createTestDatabase(kind);
      await (await openStore(database.url)).close();
      const handle = await openDatabase(database.url);
      try {
        const names =
          kind === 'sqlite'
            ? await sql<{
                name: string;
              }>`select name from sqlite_master where type = 'index' and tbl_name = 'audit_events'`.execute(
                handle.db,
              )
            : await sql<{
                name: string;
              }>`select indexname as name from pg_indexes where tablename = 'audit_events' and schemaname = current_schema()`.execute(
                handle.db,
              );
        expect(names.rows.map((r) => r.name)).toEqual(
          expect.arrayContaining([
            'audit_events_credential_name_idx',
            'audit_events_member_idx',
            'audit_events_occurred_idx',
            'audit_events_workspace_idx',
          ]),
        );
        if (kind === 'sqlite') {
          const plan = await sql<{ detail: string }>`explain query plan
            select * from audit_events where workspace_id = ${WS} and credential_name = ${'cursor-laptop'}
            order by id desc limit 51`.execute(handle.db);
          const details = plan.rows.map((r) => r.detail).join('\n');
          expect(details).toContain('audit_events_credential_name_idx');
          expect(details).not.toContain('TEMP B-TREE');
        }
      } finally {
        await handle.close();
        await database.drop();
      }
    });
  }
});

describe.skipIf(!storeKinds().includes('postgres'))('migrations on PostgreSQL', () => {
  it('migrates a fresh schema while another schema of the same database is migrated', async () => {
    const other = await createTestDatabase('postgres');
    const fresh = await createTestDatabase('postgres');
    try {
      // `other` now holds kysely's migration tables; `fresh` must still create its own.
      await (await openStore(other.url)).close();
      const store = await openStore(fresh.url);
      expect(await store.audit.list(WS, { limit: 1 })).toEqual([]);
      await store.close();
    } finally {
      await other.drop();
      await fresh.drop();
    }
  });
});
