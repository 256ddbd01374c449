/**
 * The Activity service's recorded verification, its exports and its paging under load, on
 * SQLite and PostgreSQL: `audit.verified` names who ran it and what it found, a verification
 * whose record cannot be written is an error (never a result nobody can see later), exports
 * keep the viewer's scope, and 50 concurrent page walks while writes land see every event
 * that existed when they started exactly once.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/audit/index.js';
import { chainOf } from '../../src/chain/index.js';
import type { AuditEvent } from '../../src/model/index.js';
import { openDatabase, openStore, type Store } from '../../src/storage/index.js';
import { allPages, createActivityFixture } from '../support/activity-fixture.js';
import { tamperEvent } from '../support/audit-tamper.js';
import { rejection } from '../support/errors.js';
import { createTestDatabase, storeKinds, type TestDatabase } from '../support/stores.js';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`activity: verify, export, load [${kind}]`, () => {
    let database: TestDatabase;
    let store: Store;
    beforeEach(async () => {
      database = await createTestDatabase(kind);
      store = await openStore(database.url);
    });
    afterEach(async () => {
      await store.close();
      await database.drop();
    });
    const withHandle = async (work: (handle: Awaited<ReturnType<typeof openDatabase>>) => Promise<void>) => {
      const handle = await openDatabase(database.url);
      try {
        await work(handle);
      } finally {
        await handle.close();
      }
    };

    it('records audit.verified with the admin who ran it and the result, and lastVerification reports it', async () => {
      const f = await createActivityFixture(store);
      expect(await f.activity.lastVerification(f.workspace)).toBeNull();
      const done = await f.activity.verify(f.as(f.members.admin));
      expect(JSON.stringify(done.report.problems)).toBe('[]');
      expect(done.report).toMatchObject({ ok: true, chains: 1, events: f.events.length });
      expect(done.event).toMatchObject({
        workspaceId: f.workspace.id,
        action: 'audit.verified',
        outcome: 'ok',
        memberId: f.members.admin.id,
      });
      expect(await f.activity.lastVerification(f.workspace)).toEqual({
        at: done.event.occurredAt,
        memberId: f.members.admin.id,
        result: 'intact',
        problems: 0,
        eventId: done.event.id,
      });
      const [shown] = (await f.activity.page(f.as(f.members.owner), { action: 'audit.verified' })).events;
      expect(shown?.id).toBe(done.event.id);
      // Another workspace was not verified by it.
      expect(await f.activity.lastVerification(f.other)).toBeNull();
    });

    it('answers not_found when a member or viewer tries to verify the chain', async () => {
      const f = await createActivityFixture(store);
      for (const m of [f.members.member, f.members.viewer]) {
        expect((await rejection(f.activity.verify(f.as(m)))).code).toBe('not_found');
      }
      expect(await f.activity.lastVerification(f.workspace)).toBeNull();
    });

    it("records the operator's verification in the instance chain, for each workspace it covered, newest wins", async () => {
      const f = await createActivityFixture(store);
      const byAdmin = await f.activity.verify(f.as(f.members.admin));
      f.clock.advance(60_000);
      const byOperator = await f.activity.verify(OPERATOR);
      expect(byOperator.event).toMatchObject({ workspaceId: null, memberId: null, action: 'audit.verified' });
      expect(await f.activity.lastVerification(f.workspace)).toMatchObject({
        memberId: null,
        result: 'intact',
        eventId: byOperator.event.id,
      });
      expect((await f.activity.lastVerification(f.other))?.eventId).toBe(byOperator.event.id);
      f.clock.advance(60_000);
      const again = await f.activity.verify(f.as(f.members.owner));
      expect((await f.activity.lastVerification(f.workspace))?.eventId).toBe(again.event.id);
      expect(byAdmin.event.id < again.event.id).toBe(true);
    });

    it('records a broken chain as broken, and the detail view says which link no longer verifies', async () => {
      const f = await createActivityFixture(store);
      const victim = f.events[4]!;
      await withHandle((handle) =>
        tamperEvent(handle, chainOf(f.workspace.id), victim.seq!, {
          outcome: 'ok',
          tool: 'get_task',
          ip: '192.0.2.1',
        }),
      );
      const done = await f.activity.verify(f.as(f.members.owner));
      expect(done.report.ok).toBe(false);
      expect(done.event).toMatchObject({ outcome: 'error', errorCode: 'chain_broken' });
      expect(await f.activity.lastVerification(f.workspace)).toMatchObject({ result: 'broken', problems: 1 });
      const detail = await f.activity.event(f.as(f.members.owner), victim.id);
      expect(detail.chain).toMatchObject({ seq: victim.seq, linkVerifies: false });
      expect(detail.chain.problem).toMatch(/does not match its hash/);
      const next = await f.activity.event(f.as(f.members.owner), f.events[5]!.id);
      expect(next.chain).toMatchObject({ linkVerifies: false });
      expect(next.chain.problem).toMatch(/predecessor, does not match its hash/);
      expect((await f.activity.event(f.as(f.members.owner), f.events[7]!.id)).chain.linkVerifies).toBe(true);
    });

    it('fails the verification, and records nothing, when the database refuses its event mid-operation', async () => {
      const f = await createActivityFixture(store);
      await withHandle(async (handle) => {
        if (kind === 'sqlite') {
          await sql`create trigger refuse_verified before insert on audit_events
            when new.action = 'audit.verified' begin select raise(abort, 'injected audit failure'); end`.execute(
            handle.db,
          );
        } else {
          await sql`create function refuse_verified() returns trigger language plpgsql as $$
            begin if new.action = 'audit.verified' then raise exception 'injected audit failure'; end if; return new; end $$`.execute(
            handle.db,
          );
          await sql`create trigger refuse_verified before insert on audit_events
            for each row execute function refuse_verified()`.execute(handle.db);
        }
      });
      await expect(f.activity.verify(f.as(f.members.admin))).rejects.toThrow();
      expect(await f.activity.lastVerification(f.workspace)).toBeNull();
      await withHandle(async (handle) => {
        await sql`drop trigger refuse_verified${kind === 'postgres' ? sql` on audit_events` : sql``}`.execute(
          handle.db,
        );
      });
      expect((await f.activity.verify(f.as(f.members.admin))).report.ok).toBe(true);
      expect(await f.activity.lastVerification(f.workspace)).toMatchObject({ memberId: f.members.admin.id });
    });

    it("exports only the viewer's own events to a member, in every format, with the same filters as the page", async () => {
      const f = await createActivityFixture(store);
      const asMember = f.as(f.members.member);
      const own = f.events.filter((e) => e.memberId === f.members.member.id);
      const text = async (format: string, input = {}) => {
        const download = await f.activity.export(asMember, input, format);
        let out = '';
        let events = 0;
        for await (const chunk of download.chunks) {
          out += chunk.text;
          events += chunk.events;
        }
        return { out, events, download };
      };
      const jsonl = await text('jsonl');
      expect(
        jsonl.out
          .trimEnd()
          .split('\n')
          .map((l) => (JSON.parse(l) as AuditEvent).id),
      ).toEqual(own.map((e) => e.id));
      expect(jsonl.download).toMatchObject({
        filename: 'acme-audit.jsonl',
        contentType: 'application/x-ndjson',
      });
      const csv = await text('CSV');
      expect(csv.events).toBe(own.length);
      expect(csv.out.split('\r\n').filter(Boolean)).toHaveLength(own.length + 1);
      const ocsf = await text('ocsf', { ip: '203.0.113.0/24' });
      const inBlock = own.filter((e) => e.ip?.includes('203.0.113.'));
      expect(ocsf.events).toBe(inBlock.length);
      expect(ocsf.out).not.toContain(f.members.owner.email);
      expect((await rejection(f.activity.export(asMember, {}, 'xml'))).fields.map((i) => i.field)).toEqual([
        'format',
      ]);
    });

    it('neither skips nor repeats an event across 50 concurrent page walks while writes land', async () => {
      const f = await createActivityFixture(store, 60);
      const existing = new Set(f.events.map((e) => e.id));
      const owner = f.as(f.members.owner);
      const writes = (async () => {
        for (let i = 0; i < 40; i++) {
          await f.audit.append({
            workspaceId: f.workspace.id,
            action: 'mcp.tool_called',
            tool: 'get_task',
            outcome: 'ok',
            memberId: f.members.owner.id,
          });
          f.clock.advance(1_000);
        }
      })();
      const walks = Array.from({ length: 50 }, (_, i) => allPages(f.activity, owner, { limit: 5 + (i % 7) }));
      const [seenByWalk] = await Promise.all([Promise.all(walks), writes]);
      for (const seen of seenByWalk) {
        const walked = seen.map((e) => e.id);
        expect(new Set(walked).size).toBe(walked.length);
        expect([...walked].sort().reverse()).toEqual(walked);
        expect(walked.filter((id) => existing.has(id))).toHaveLength(existing.size);
      }
      expect(await allPages(f.activity, owner, { limit: 1000 })).toHaveLength(100);
    });
  });
}
