/**
 * The PostgreSQL counters as two instances use them: a call's three counters move in one
 * statement (src/storage/rate-limit-pool.ts), concurrent calls' in one statement per group,
 * and that must count exactly under 50 concurrent calls spread over two pools, start a window over once it ended, and refuse
 * the call (503) when PostgreSQL cannot answer rather than let it through unlimited.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/index.js';
import { toHttpResponse } from '../../src/http/to-http-error.js';
import {
  createRateLimits,
  type MonitoringSettings,
  RATE_LIMITS_SECTION,
} from '../../src/monitoring/index.js';
import { openRateLimitPool, openStore, type RateLimitPool } from '../../src/storage/index.js';
import { postgresUrl } from '../support/postgres.js';
import { createTestDatabase, type TestDatabase } from '../support/stores.js';

const TIMEOUTS = { connectMs: 2000, statementMs: 5000, idleInTransactionMs: 5000 };
const subject = {
  workspaceId: 'ws_1',
  memberId: 'mem_1',
  credentialId: 'key_1',
  credentialName: 'cursor-laptop',
  environment: 'development',
  ip: '192.0.2.7',
};

function limiterOn(pool: RateLimitPool, windowSeconds = 60) {
  const limits = RATE_LIMITS_SECTION.schema.parse({ keyReadsPerMinute: 20, keyWritesPerMinute: 5 });
  return createRateLimits({
    backend: { kind: 'postgres', pool },
    settings: { read: async () => limits } as unknown as MonitoringSettings,
    audit: { append: async (draft) => draft as never },
    signals: { rateLimited: () => {}, alertRaised: () => {} },
    clock: { now: () => new Date() },
    logger: { error: () => {} },
    addressLimits: { failedAuthPerMinute: 2, oauthPerMinute: 2, loginPerMinute: 2 },
    windowSeconds,
  });
}

describe.skipIf(!postgresUrl())('rate-limit counters on PostgreSQL', () => {
  let database: TestDatabase;
  const pools: RateLimitPool[] = [];
  const open = () => {
    const pool = openRateLimitPool(database.url, { timeouts: TIMEOUTS })!;
    pools.push(pool);
    return pool;
  };
  const points = async (key: string) => {
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    try {
      const schema = new URL(database.url).searchParams.get('schema');
      const { rows } = await client.query(`select points from "${schema}".rate_limits where key = $1`, [key]);
      return rows[0]?.points as number | undefined;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    await (await openStore(database.url)).close();
  });
  afterAll(async () => {
    for (const pool of pools) await pool.close();
    await database?.drop();
  });

  it('counts 50 concurrent calls on two instances exactly: 20 served, 30 refused, no count lost', async () => {
    const instances = [limiterOn(open()), limiterOn(open())];
    const checks = await Promise.all(
      Array.from({ length: 50 }, (_, i) => instances[i % 2]!.checkCall(subject, { reads: 1, writes: 0 })),
    );
    expect(checks.filter((c) => !c.refused)).toHaveLength(20);
    expect(checks.filter((c) => c.refused?.name === 'mcp.key.read')).toHaveLength(30);
    expect(await points('mcp.key.read:key_1')).toBe(50);
    expect(await points('mcp.member.read:mem_1')).toBe(50);
    expect(await points('mcp.ip.read:ws_1:192.0.2.7')).toBe(50);
  });

  it('moves six counters of 50 concurrent mixed calls in one order, without a deadlock', async () => {
    const instances = [limiterOn(open()), limiterOn(open())];
    const mixed = { ...subject, credentialId: 'key_2', memberId: 'mem_2', ip: '192.0.2.8' };
    const checks = await Promise.all(
      Array.from({ length: 50 }, (_, i) => instances[i % 2]!.checkCall(mixed, { reads: 2, writes: 1 })),
    );
    // The write limit (5) refuses first; every counter still counts every call.
    expect(checks.filter((c) => !c.refused)).toHaveLength(5);
    expect(await points('mcp.key.read:key_2')).toBe(100);
    expect(await points('mcp.key.write:key_2')).toBe(50);
    expect(await points('mcp.ip.write:ws_1:192.0.2.8')).toBe(50);
  });

  it('an address blocked for failed sign-ins on another instance is refused by every check sent after, though 50 checks share reads', async () => {
    const here = limiterOn(open());
    const there = limiterOn(open());
    const ip = '192.0.2.9';
    // Checks in flight here while the other instance counts the failures that block the address.
    const before = Array.from({ length: 50 }, () => here.isBlocked('auth.failed.ip', ip));
    for (let i = 0; i < 3; i++) await there.hitAddress('auth.failed.ip', ip);
    const after = await Promise.all(Array.from({ length: 50 }, () => here.isBlocked('auth.failed.ip', ip)));
    expect(after.map((refusal) => refusal?.name)).toEqual(Array(50).fill('auth.failed.ip'));
    // Those sent before may have been answered either way; none failed.
    await Promise.all(before);
    expect(await points(`auth.failed.ip:${ip}`)).toBe(3);
  });

  it('50 concurrent calls on one instance go in two statements, each answered with the exact count after its own points', async () => {
    const pool = open();
    let statements = 0;
    (pool.client as pg.Pool).on('acquire', () => {
      statements += 1;
    });
    const states = await Promise.all(
      Array.from({ length: 50 }, () =>
        pool.consume(
          [
            { key: 'group:a', points: 1 },
            { key: 'group:b', points: 2 },
          ],
          60_000,
        ),
      ),
    );
    const sorted = (values: number[]) => values.sort((x, y) => x - y);
    const upTo = (n: number, step: number) => Array.from({ length: n }, (_, i) => (i + 1) * step);
    expect(sorted(states.map((s) => s.get('group:a')!.points))).toEqual(upTo(50, 1));
    expect(sorted(states.map((s) => s.get('group:b')!.points))).toEqual(upTo(50, 2));
    expect(statements).toBe(2);
    expect(await points('group:a')).toBe(50);
    expect(await points('group:b')).toBe(100);
  });

  it('a statement that fails fails only its own group: the calls after it are counted', async () => {
    const pool = open();
    const tooLong = 'x'.repeat(300); // the key column is varchar(255)
    const first = pool.consume([{ key: 'fault:a', points: 1 }], 60_000);
    const failing = [
      pool.consume([{ key: tooLong, points: 1 }], 60_000),
      pool.consume([{ key: 'fault:a', points: 1 }], 60_000),
    ];
    expect((await first).get('fault:a')?.points).toBe(1);
    for (const call of await Promise.allSettled(failing)) expect(call.status).toBe('rejected');
    expect((await pool.consume([{ key: 'fault:a', points: 1 }], 60_000)).get('fault:a')?.points).toBe(2);
  });

  it('starts a window over once it ended', async () => {
    const limits = limiterOn(open(), 1);
    const fresh = { ...subject, credentialId: 'key_3', memberId: 'mem_3' };
    for (let i = 0; i < 4; i++) await limits.checkCall(fresh, { reads: 1, writes: 0 });
    expect(await points('mcp.key.read:key_3')).toBe(4);
    await sleep(1100);
    await limits.checkCall(fresh, { reads: 1, writes: 0 });
    expect(await points('mcp.key.read:key_3')).toBe(1);
  });

  it('fails closed: counters PostgreSQL cannot answer refuse the call with 503, never serve it unlimited', async () => {
    const url = new URL(database.url);
    url.port = '1'; // nothing listens there
    const gone = openRateLimitPool(url.toString(), { timeouts: TIMEOUTS })!;
    pools.push(gone);
    const error = await limiterOn(gone)
      .checkCall(subject, { reads: 1, writes: 0 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isAppError(error) && error.code).toBe('unavailable');
    if (!isAppError(error)) throw new Error('expected an AppError');
    expect(toHttpResponse(error).status).toBe(503);
  });
});
