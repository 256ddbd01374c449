/**
 * Concurrent write transactions on one store (on SQLite they share one transaction and one
 * commit: src/storage/kysely/sqlite-turns.ts; on PostgreSQL those of one `group` key do:
 * src/storage/kysely/postgres-groups.ts): each commits or fails on its own, none is lost,
 * none is reported done before it is stored, and a group that breaks stores nothing.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createAuditSigner, verifyAudit } from '../../src/audit/index.js';
import { deriveKey } from '../../src/core/index.js';
import type { Workspace } from '../../src/model/index.js';
import { openStore, type Repositories, type Store } from '../../src/storage/index.js';
import { auditEvent } from '../support/audit-events.js';
import { postgresUrl } from '../support/postgres.js';
import { createTestDatabase, describeEachStore } from '../support/stores.js';

const workspace = (n: number): Workspace => ({
  id: `wsp_group_${n}`,
  slug: `group-${n}`,
  name: `Group ${n}`,
  environment: 'development',
  keyRotationDays: 90,
  createdAt: new Date(0).toISOString(),
});

/** A write of `credential` as the guard's `execute` runs one: in its key's group, its budget lock first. */
const keyWrite = <T>(store: Store, credential: string, work: (repos: Repositories) => Promise<T>) =>
  store.transaction(
    async (repos) => {
      await repos.writeUsage.lockForWrite('wsp_group_0', credential);
      return work(repos);
    },
    { group: `write-budget:${credential}` },
  );

describeEachStore('write transactions under concurrency', (current) => {
  it('50 concurrent transactions, every third failing: each failure rolls back only itself', async () => {
    const store = current();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, n) =>
        store.transaction(async (repos) => {
          await repos.workspaces.insert(workspace(n));
          if (n % 3 === 0) throw new Error(`refused ${n}`);
          return n;
        }),
      ),
    );
    const kept = (await store.workspaces.list()).map((w) => w.slug).filter((s) => s.startsWith('group-'));
    const expected = Array.from({ length: 50 }, (_, n) => n).filter((n) => n % 3 !== 0);
    expect(kept.sort()).toEqual(expected.map((n) => `group-${n}`).sort());
    results.forEach((r, n) => {
      if (n % 3 === 0) expect(r).toMatchObject({ status: 'rejected', reason: { message: `refused ${n}` } });
      else expect(r).toEqual({ status: 'fulfilled', value: n });
    });
  });

  it('a transaction sees its own writes and those committed before it, never a failed one', async () => {
    const store = current();
    const failed = store.transaction(async (repos) => {
      await repos.workspaces.insert(workspace(1));
      throw new Error('rolled back');
    });
    const seen = store.transaction(async (repos) => {
      await repos.workspaces.insert(workspace(2));
      return [await repos.workspaces.findById('wsp_group_1'), await repos.workspaces.findById('wsp_group_2')];
    });
    await expect(failed).rejects.toThrow('rolled back');
    const [one, two] = await seen;
    expect(one).toBeUndefined();
    expect(two?.slug).toBe('group-2');
  });
});

const verifies = async (store: Store) => {
  const signer = createAuditSigner(deriveKey(randomBytes(32).toString('hex'), 'audit-signing'));
  expect((await verifyAudit(store, signer)).problems).toEqual([]);
};

describeEachStore('write transactions of one group key', (current) => {
  it('50 concurrent writes of one credential, every third failing after its audit event: each failure takes back only itself, and the chain stays whole', async () => {
    const store = current();
    const credential = `key_${randomBytes(4).toString('hex')}`;
    await store.workspaces.insert(workspace(0));
    const write = (n: number) =>
      keyWrite(store, credential, async (repos) => {
        await repos.workspaces.insert(workspace(n + 1));
        await repos.audit.insert(auditEvent({ id: `evt_group_${n}`, workspaceId: 'wsp_group_0' }));
        if (n % 3 === 0) throw new Error(`refused ${n}`);
        return n;
      });
    const settle = async (ns: number[]) => {
      const results = await Promise.allSettled(ns.map(write));
      results.forEach((r, i) => {
        const n = ns[i] as number;
        if (n % 3 === 0) expect(r).toMatchObject({ status: 'rejected', reason: { message: `refused ${n}` } });
        else expect(r).toEqual({ status: 'fulfilled', value: n });
      });
    };
    await settle(Array.from({ length: 50 }, (_, n) => n));
    // Later groups chain after what the earlier ones committed, not after a rolled-back event.
    await settle([50, 51, 52, 53]);
    const kept = Array.from({ length: 54 }, (_, n) => n).filter((n) => n % 3 !== 0);
    const slugs = (await store.workspaces.list()).map((w) => w.slug).filter((s) => s !== 'group-0');
    expect(slugs.sort()).toEqual(kept.map((n) => `group-${n + 1}`).sort());
    const rows = await store.audit.chainRows('wsp_group_0', 0, 1000);
    expect(rows.map((r) => r.seq)).toEqual(kept.map((_, i) => i + 1));
    expect(rows.map((r) => r.id).sort()).toEqual(kept.map((n) => `evt_group_${n}`).sort());
    await verifies(store);
  });
});

/** The pid of the backend holding `name`'s advisory lock (store.writeUsage.lockForWrite). */
async function lockHolder(client: pg.Client, name: string): Promise<number | undefined> {
  const { rows } = await client.query<{ pid: number }>(
    `select pid from pg_locks where locktype = 'advisory' and granted
       and ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`,
    [name],
  );
  return rows[0]?.pid;
}

const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
};

const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not reached in 5 s');
};

describe.skipIf(!postgresUrl())('write transactions of one group key [postgres]', () => {
  const withStore = async (test: (store: Store, client: pg.Client, schema: string) => Promise<void>) => {
    const database = await createTestDatabase('postgres');
    const store = await openStore(database.url);
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    try {
      await test(store, client, new URL(database.url).searchParams.get('schema') ?? 'public');
    } finally {
      await client.end();
      await store.close();
      await database.drop();
    }
  };

  it('a write after one rolled back in the same group takes the credential lock again, not trusting the rolled-back one', async () => {
    await withStore(async (store, client) => {
      const credential = `key_${randomBytes(4).toString('hex')}`;
      const name = `write-budget:${credential}`;
      const first = gate();
      const held: (number | undefined)[] = [];
      const write = (n: number) =>
        keyWrite(store, credential, async () => {
          if (n === 0) await first.opened;
          if (n === 1) throw new Error('refused after taking the lock');
          if (n === 2) held.push(await lockHolder(client, name));
          return n;
        });
      // 0 runs alone while 1 and 2 queue; they then share a transaction, 1 rolled back to its savepoint.
      const calls = [write(0), write(1), write(2)];
      first.open();
      const results = await Promise.allSettled(calls);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(held).toHaveLength(1);
      expect(held[0]).toEqual(expect.any(Number));
    });
  });

  it('a group whose connection is killed mid-way stores none of its writes and fails every caller; the next group is served', async () => {
    await withStore(async (store, client) => {
      const credential = `key_${randomBytes(4).toString('hex')}`;
      const name = `write-budget:${credential}`;
      const first = gate();
      const stalled = gate();
      const write = (n: number) =>
        keyWrite(store, credential, async (repos) => {
          await repos.workspaces.insert(workspace(n));
          if (n === 0) await first.opened;
          if (n === 3) await stalled.opened;
          return n;
        });
      const calls = Array.from({ length: 10 }, (_, n) => write(n));
      // Handled from the start: the kill may land before 3 waits, and fail the group at once.
      const settled = Promise.allSettled(calls);
      first.open();
      await calls[0];
      // Writes 1–9 form one group; 3 waits, holding the lock, until its backend is gone.
      let pid: number | undefined;
      await until(async () => {
        pid = await lockHolder(client, name);
        return pid !== undefined;
      });
      await client.query('select pg_terminate_backend($1)', [pid]);
      stalled.open();
      const results = await settled;
      expect(results.map((r) => r.status)).toEqual(['fulfilled', ...Array(9).fill('rejected')]);
      const stored = async () =>
        (await store.workspaces.list()).map((w) => w.slug).filter((s) => s.startsWith('group-'));
      expect(await stored()).toEqual(['group-0']);
      await expect(write(10)).resolves.toBe(10);
      expect((await stored()).sort()).toEqual(['group-0', 'group-10']);
    });
  });

  it('one key flooding writes cannot take every pooled connection from other workspaces’ reads', async () => {
    await withStore(async (store) => {
      const credential = `key_${randomBytes(4).toString('hex')}`;
      await store.workspaces.insert(workspace(0));
      const first = gate();
      // The key's first write holds its budget lock and waits; 49 more of the key arrive.
      const write = (n: number) =>
        keyWrite(store, credential, async () => {
          if (n === 0) await first.opened;
          return n;
        });
      const writes = Array.from({ length: 50 }, (_, n) => write(n));
      await new Promise((r) => setTimeout(r, 100));
      // Each of those 49 would otherwise sit on a pooled connection (10) waiting for the lock.
      expect(store.connectionUse().total - store.connectionUse().idle).toBeLessThanOrEqual(1);
      const reads = await Promise.all(
        Array.from({ length: 20 }, () => store.workspaces.findById('wsp_group_0')),
      );
      expect(reads.map((w) => w?.slug)).toEqual(Array(20).fill('group-0'));
      first.open();
      expect(await Promise.all(writes)).toEqual(Array.from({ length: 50 }, (_, n) => n));
    });
  });

  it('two keys’ write groups taking two rows in opposite orders do not deadlock: each gives way, every write is stored', async () => {
    await withStore(async (store) => {
      await store.workspaces.insert(workspace(0));
      await store.workspaces.insert(workspace(1));
      const firsts = [gate(), gate()];
      const holding = [gate(), gate()];
      const both = Promise.all(holding.map((g) => g.opened));
      // Key 0's group updates row 0 then row 1; key 1's group row 1 then row 0.
      const write = (key: 0 | 1, n: 0 | 1 | 2) =>
        keyWrite(store, `key_${key}`, async (repos) => {
          // The first write runs alone, so that the other two queue and form a group.
          if (n === 0) {
            await firsts[key]?.opened;
            return `${key}:${n}`;
          }
          const row = n === 1 ? key : 1 - key;
          if (n === 2) await both;
          await repos.workspaces.setKeyRotationDays(`wsp_group_${row}`, 10 * key + n);
          if (n === 1) holding[key]?.open();
          return `${key}:${n}`;
        });
      const calls = ([0, 1] as const).flatMap((key) => [write(key, 0), write(key, 1), write(key, 2)]);
      for (const g of firsts) g.open();
      const results = await Promise.allSettled(calls);
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual([
        '0:0',
        '0:1',
        '0:2',
        '1:0',
        '1:1',
        '1:2',
      ]);
    });
  });

  it('a deadlock between a write group and a person’s edit is not left for PostgreSQL to break: the group gives way, both are stored', async () => {
    await withStore(async (store, client, schema) => {
      const credential = `key_${randomBytes(4).toString('hex')}`;
      await store.workspaces.insert(workspace(0));
      await store.workspaces.insert(workspace(1));
      const chainEvents = (n: number) => auditEvent({ id: `evt_deadlock_${n}`, workspaceId: 'wsp_group_0' });
      // A writer that is not grouped, as the console and the CLI are: its row first, the head last.
      const person = new pg.Client({ connectionString: postgresUrl() });
      await person.connect();
      try {
        await person.query(`set search_path to "${schema}"`);
        const personPid = (await person.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]
          ?.pid;
        await person.query('begin');
        await person.query(`update workspaces set key_rotation_days = 30 where id = 'wsp_group_1'`);
        const first = gate();
        const write = (n: number) =>
          keyWrite(store, credential, async (repos) => {
            if (n === 0) await first.opened;
            // Write 1 moves the chain's head and holds it to the group's commit…
            await repos.audit.insert(chainEvents(n));
            // …and write 2 then waits for the row the person holds.
            if (n === 2) await repos.workspaces.setKeyRotationDays('wsp_group_1', 45);
            return n;
          });
        const calls = [write(0), write(1), write(2)];
        first.open();
        await calls[0];
        await until(async () => {
          const { rows } = await client.query<{ n: number }>(
            'select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))',
            [personPid],
          );
          return (rows[0]?.n ?? 0) > 0;
        });
        // The person's edit now wants the head the group holds: a cycle, unless the group gives way.
        await person.query(`update audit_heads set seq = seq where chain = 'wsp_group_0'`);
        await person.query('commit');
        const results = await Promise.allSettled(calls);
        expect(results).toEqual([0, 1, 2].map((value) => ({ status: 'fulfilled', value })));
        // Write 2 ran after the person's edit, in a group of its own.
        expect((await store.workspaces.findById('wsp_group_1'))?.keyRotationDays).toBe(45);
        const rows = await store.audit.chainRows('wsp_group_0', 0, 10);
        expect(rows.map((r) => r.id)).toEqual([0, 1, 2].map((n) => `evt_deadlock_${n}`));
        await verifies(store);
      } finally {
        await person.end();
      }
    });
  });
});

describe('write transactions on SQLite', () => {
  // PostgreSQL isolates by row locks the code takes (`lock()`); SQLite by running them in turn.
  it('a lost update cannot happen: 50 concurrent read-modify-writes of one row all count', async () => {
    const db = await createTestDatabase('sqlite');
    const store = await openStore(db.url);
    try {
      await store.workspaces.insert(workspace(0));
      await Promise.all(
        Array.from({ length: 50 }, () =>
          store.transaction(async (repos) => {
            const row = await repos.workspaces.findById('wsp_group_0');
            await new Promise((r) => setImmediate(r));
            await repos.workspaces.setKeyRotationDays('wsp_group_0', (row?.keyRotationDays ?? 0) + 1);
          }),
        ),
      );
      expect((await store.workspaces.findById('wsp_group_0'))?.keyRotationDays).toBe(90 + 50);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
