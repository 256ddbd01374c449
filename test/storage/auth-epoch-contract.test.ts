/**
 * The authentication epoch (migration 0020) on both stores: every committed change to what a
 * credential lookup reads moves it, whoever makes it (here: a second connection writing raw
 * SQL, as the CLI in another process or another instance would), in the same transaction as
 * the change; a key's last-use stamp does not. The principal cache trusts exactly this.
 */
import { type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiKeyRecord } from '../../src/model/index.js';
import { type DatabaseHandle, openDatabase, openStore, type Store } from '../../src/storage/index.js';
import { API_KEY_EPOCH_COLUMNS } from '../../src/storage/migrations/0020-auth-epoch.js';
import type { Database } from '../../src/storage/schema.js';
import { createDomainFixture, type DomainFixture } from '../support/domain-fixture.js';
import { keyRecord } from '../support/key-records.js';
import { createTestDatabase, storeKinds, type TestDatabase } from '../support/stores.js';

const AT = '2026-11-02T09:30:00.000Z';

function fixtureKey(fixture: DomainFixture, id: string): ApiKeyRecord {
  return keyRecord({
    id,
    workspaceId: fixture.workspace.id,
    memberId: fixture.members.member.id,
    hash: `hash-${id}`,
    scopes: ['tasks:read', 'tasks:write'],
  });
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`the authentication epoch [${kind}]`, () => {
    let database: TestDatabase;
    let store: Store;
    // A second connection: another process's view of the same database.
    let other: DatabaseHandle;
    let fixture: DomainFixture;
    beforeEach(async () => {
      database = await createTestDatabase(kind);
      store = await openStore(database.url);
      other = await openDatabase(database.url);
      fixture = await createDomainFixture(store);
      await store.apiKeys.insert(fixtureKey(fixture, 'key_1'));
    });
    afterEach(async () => {
      await other.close();
      await store.close();
      await database.drop();
    });
    const epoch = () => store.authEpoch.current();
    const raw = (db: Kysely<Database>, statement: string) => sql.raw(statement).execute(db);

    it('moves with every committed change a lookup could see, made by another connection', async () => {
      const ws = fixture.workspace.id;
      const member = fixture.members.member.id;
      const changes = [
        `update api_keys set revoked_at = '${AT}' where id = 'key_1'`,
        `update api_keys set scopes = '["tasks:read"]' where id = 'key_1'`,
        `update api_keys set read_only = 1 where id = 'key_1'`,
        `update api_keys set suspended_at = '${AT}', suspended_mode = 'read_only' where id = 'key_1'`,
        `update api_keys set replaced_by = 'key_2', grace_until = '${AT}' where id = 'key_1'`,
        `update api_keys set ip_allow = '["10.0.0.0/8"]' where id = 'key_1'`,
        `update api_keys set oauth_grant_id = 'grant-2' where id = 'key_1'`,
        `update members set role = 'viewer' where id = '${member}'`,
        `update members set removed_at = '${AT}' where id = '${member}'`,
        `update workspaces set environment = 'production' where id = '${ws}'`,
        `insert into workspace_policies (workspace_id, approver, write_budget, delete_budget, budget_window_minutes, updated_at) values ('${ws}', 'member', 60, 10, 10, '${AT}')`,
        `update workspace_policies set require_oauth = 1 where workspace_id = '${ws}'`,
        `delete from workspace_policies where workspace_id = '${ws}'`,
        `delete from api_keys where id = 'key_1'`,
      ];
      for (const change of changes) {
        const before = await epoch();
        await raw(other.db, change);
        expect(BigInt(await epoch()), change).toBeGreaterThan(BigInt(before));
      }
    });

    it('moves for a key created after a lookup missed it', async () => {
      const before = await epoch();
      await store.apiKeys.insert(fixtureKey(fixture, 'key_2'));
      expect(BigInt(await epoch())).toBeGreaterThan(BigInt(before));
    });

    it('stays put for a last-use stamp and a password change, which decide no right', async () => {
      const before = await epoch();
      await store.apiKeys.recordUse('key_1', { at: AT, ip: '10.1.2.3', client: 'cursor' });
      await raw(other.db, `update members set password_hash = 'x' where id = '${fixture.members.member.id}'`);
      expect(await epoch()).toBe(before);
    });

    it('moves in the same transaction as a committed revoke, and not for a rolled-back one', async () => {
      const before = await epoch();
      await expect(
        store.transaction(async (repos) => {
          await repos.apiKeys.revoke(fixture.workspace.id, 'key_1', AT);
          throw new Error('abandoned');
        }),
      ).rejects.toThrow('abandoned');
      expect(await epoch()).toBe(before);
      expect((await store.apiKeys.findOwnedByHash('hash-key_1'))?.key.revokedAt).toBeNull();
      await store.transaction((repos) => repos.apiKeys.revoke(fixture.workspace.id, 'key_1', AT));
      expect(BigInt(await epoch())).toBeGreaterThan(BigInt(before));
    });

    it('watches every api_keys column but last use, so a new column cannot slip past it', async () => {
      const { rows } =
        kind === 'sqlite'
          ? await sql<{ name: string }>`select name from pragma_table_info('api_keys')`.execute(other.db)
          : await sql<{ name: string }>`select column_name as name from information_schema.columns
              where table_schema = current_schema() and table_name = 'api_keys'`.execute(other.db);
      const unwatched = ['last_used_at', 'last_used_ip', 'last_used_client'];
      expect(rows.map((r) => r.name).sort()).toEqual([...API_KEY_EPOCH_COLUMNS, ...unwatched].sort());
    });
  });
}
