/**
 * Migration 0010 on SQLite rebuilds `audit_events` so that each event is stored as the text
 * its hash covers (`body`) and every other column is read out of it. It must lose nothing:
 * every event reads back as it was, the indexes are all there, an intact chain still
 * verifies, and a row tampered with before the migration is still found afterwards — the
 * migration must not launder it. A second run changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { Migrator } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditSigner, verifyAudit } from '../../src/audit/index.js';
import {
  AUDIT_COLUMNS,
  type ChainedRow,
  chainRow,
  eventBody,
  GENESIS_HASH,
  GLOBAL_CHAIN,
  type UnchainedRow,
} from '../../src/chain/index.js';
import { MIGRATIONS, openDatabase, openStore } from '../../src/storage/index.js';
import { auditBody, SQLITE_AUDIT_TABLE_SQL } from '../../src/storage/migrations/0010-audit-body.js';
import { createTestDatabase, type TestDatabase } from '../support/stores.js';

const WS = 'wsp_01JAAAAAAAAAAAAAAAAAAAAAAA';
const EVENTS = 12;

function event(i: number, workspaceId: string | null): UnchainedRow {
  return {
    id: `evt_${String(i).padStart(4, '0')}${workspaceId ? 'w' : 'g'}`,
    workspace_id: workspaceId,
    occurred_at: new Date(Date.UTC(2026, 10, 20, 8, 0, i)).toISOString(),
    action: 'mcp.tool_called',
    tool: i % 2 ? 'update_task' : null,
    outcome: i % 3 ? 'ok' : 'denied',
    error_code: null,
    member_id: 'mbr_1',
    credential_id: 'key_1',
    credential_name: `cursor-${i}`,
    environment: 'production',
    params: JSON.stringify({ title: `Überprüfung "${i}"\n\t💶 \u0001` }),
    result: null,
    ip: '203.0.113.7',
    user_agent: 'cursor/1.2.0',
    client_name: 'cursor',
    client_version: '1.2.0',
    request_id: `req_${i}`,
    duration_ms: i * 7,
    detail: i % 4 ? null : JSON.stringify({ i }),
    changes: null,
    reason: i % 5 ? null : 'because',
    confirmation: null,
  };
}

describe('migration 0010: audit events stored as the text their hashes cover (SQLite)', () => {
  let database: TestDatabase;
  const written = new Map<string, ChainedRow[]>();
  const signer = createAuditSigner(randomBytes(32));

  beforeEach(async () => {
    database = await createTestDatabase('sqlite');
    const before = await openDatabase(database.url);
    try {
      const migrator = new Migrator({
        db: before.db,
        provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
      });
      expect((await migrator.migrateTo('0009-oauth-connections')).error).toBeUndefined();
      const sqlite = before.rawSqlite!;
      const insert = sqlite.prepare(
        `insert into audit_events (${AUDIT_COLUMNS.join(', ')}) values (${AUDIT_COLUMNS.map((c) => `@${c}`).join(', ')})`,
      );
      for (const workspaceId of [WS, null]) {
        const rows: ChainedRow[] = [];
        let head = { seq: 0, hash: GENESIS_HASH };
        for (let i = 0; i < EVENTS; i++) {
          const row = chainRow(event(i, workspaceId), head);
          rows.push(row);
          insert.run(row);
          head = row;
        }
        const chain = workspaceId ?? GLOBAL_CHAIN;
        sqlite
          .prepare('insert into audit_heads (chain, seq, hash) values (?, ?, ?)')
          .run(chain, head.seq, head.hash);
        written.set(chain, rows);
      }
    } finally {
      await before.close();
    }
  });
  afterEach(async () => {
    await database.drop();
  });

  /** The old table, tampered with the way the old verifier caught: a changed value, a blob. */
  async function tamperBeforeMigration(): Promise<void> {
    const before = await openDatabase(database.url);
    try {
      before.rawSqlite!.exec(`update audit_events set credential_name = 'someone-else' where workspace_id = '${WS}' and seq = 4;
        update audit_events set params = cast(params as blob) where workspace_id = '${WS}' and seq = 9`);
    } finally {
      await before.close();
    }
  }

  it('keeps every event as it was, with its indexes, and the chains verify', async () => {
    const store = await openStore(database.url);
    const handle = await openDatabase(database.url);
    try {
      const sqlite = handle.rawSqlite!;
      expect(
        sqlite
          .prepare(`select sql from sqlite_master where type = 'table' and name = 'audit_events'`)
          .pluck()
          .get(),
      ).toBe(SQLITE_AUDIT_TABLE_SQL);
      expect(
        sqlite
          .prepare(
            `select name from sqlite_master where type = 'index' and tbl_name = 'audit_events' order by name`,
          )
          .pluck()
          .all(),
      ).toEqual([
        'audit_events_action_idx',
        'audit_events_chain_seq_uq',
        'audit_events_credential_idx',
        'audit_events_credential_name_idx',
        'audit_events_credential_time_idx',
        'audit_events_id_uq',
        'audit_events_member_idx',
        'audit_events_occurred_idx',
        'audit_events_workspace_idx',
      ]);
      for (const [chain, rows] of written) {
        expect(await store.audit.chainRows(chain, 0, 100)).toEqual(rows);
        const bodies = sqlite
          .prepare(`select body from audit_events where coalesce(workspace_id, '*') = ? order by seq`)
          .pluck()
          .all(chain);
        expect(bodies).toEqual(rows.map((row) => eventBody(row)));
      }
      expect(await verifyAudit(store, signer)).toMatchObject({ ok: true, chains: 2, events: 2 * EVENTS });
      expect(() =>
        sqlite.prepare('insert into audit_events (body) values (?)').run(eventBody(written.get(WS)![0]!)),
      ).toThrow(/UNIQUE constraint failed/);
    } finally {
      await handle.close();
      await store.close();
    }
  });

  it('does not launder events tampered with before it: they are still found, at their seqs', async () => {
    await tamperBeforeMigration();
    const store = await openStore(database.url);
    try {
      const report = await verifyAudit(store, signer);
      expect(report.problems).toEqual([expect.objectContaining({ chain: WS, seq: 4, kind: 'modified' })]);
      const [changed] = await store.audit.chainRows(WS, 3, 1);
      expect(changed!.credential_name).toBe('someone-else');
      const blobbed = (await store.audit.chainRows(WS, 8, 1))[0]!;
      expect(blobbed.params).not.toBe(written.get(WS)![8]!.params);
      // Once event 4 is set right again, event 9 — its blob written out as JSON — is next.
      const handle = await openDatabase(database.url);
      try {
        handle
          .rawSqlite!.prepare(`update audit_events set body = ? where workspace_id = ? and seq = 4`)
          .run(eventBody(written.get(WS)![3]!), WS);
      } finally {
        await handle.close();
      }
      expect((await verifyAudit(store, signer)).problems).toEqual([
        expect.objectContaining({ chain: WS, seq: 9, kind: 'modified' }),
      ]);
    } finally {
      await store.close();
    }
  });

  it('changes nothing when it runs again', async () => {
    const store = await openStore(database.url);
    await store.close();
    const handle = await openDatabase(database.url);
    try {
      const snapshot = () =>
        handle
          .rawSqlite!.prepare('select rowid, body, prev_hash, hash from audit_events order by rowid')
          .all();
      const before = snapshot();
      await auditBody.up(handle.db as never);
      expect(snapshot()).toEqual(before);
    } finally {
      await handle.close();
    }
  });
});
