/**
 * A precompiled query (src/storage/kysely/precompiled.ts) answers exactly what the same query
 * built on each call answers, on both stores: each call's values are bound parameters, never
 * text, never another call's; a query that would inline a value is refused when built.
 */
import {
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  sql,
  type UnknownRow,
} from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Project } from '../../src/model/index.js';
import { type DatabaseHandle, openDatabase, openStore, type Store } from '../../src/storage/index.js';
import { precompiled } from '../../src/storage/kysely/precompiled.js';
import type { Database } from '../../src/storage/schema.js';
import { createTestDatabase, storeKinds, type TestDatabase } from '../support/stores.js';

const T0 = '2026-12-07T09:00:00.000Z';
const MARK = '\u0000precompiled-argument:0';
/** Keys a caller may send: quotes, SQL, a LIKE pattern, the helper's placeholder text without its NUL. */
const KEYS = ['APO', "O'BRIEN", "X'; DROP TABLE projects; --", '%', 'A"B', 'Ü-KEY', `${MARK.slice(1)}`];

const projectByKey = precompiled(2, (db: Kysely<Database>, workspaceId: string, key: string) =>
  db
    .selectFrom('projects')
    .select(['id', 'key'])
    .where('workspace_id', '=', workspaceId)
    .where('key', '=', key)
    .where('next_task_number', '>=', 1),
);
const built = (db: Kysely<Database>, workspaceId: string, key: string) =>
  db
    .selectFrom('projects')
    .select(['id', 'key'])
    .where('workspace_id', '=', workspaceId)
    .where('key', '=', key)
    .where('next_task_number', '>=', 1);

const project = (i: number, key: string, workspaceId = 'wsp_1'): Project => ({
  id: `prj_${String(i).padStart(26, '0')}`,
  workspaceId,
  key,
  name: key,
  description: '',
  archived: false,
  createdAt: T0,
  updatedAt: T0,
});

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`precompiled queries [${kind}]`, () => {
    let database: TestDatabase;
    let store: Store;
    let handle: DatabaseHandle;

    beforeEach(async () => {
      database = await createTestDatabase(kind);
      store = await openStore(database.url);
      for (const ws of ['wsp_1', 'wsp_2']) {
        await store.workspaces.insert({
          id: ws,
          slug: ws.replace('_', '-'),
          name: ws,
          environment: 'development',
          keyRotationDays: 90,
          createdAt: T0,
        });
      }
      for (const [i, key] of KEYS.entries()) await store.projects.insert(project(i, key));
      await store.projects.insert(project(99, 'APO', 'wsp_2'));
      handle = await openDatabase(database.url);
    });
    afterEach(async () => {
      await handle?.close();
      await store?.close();
      await database?.drop();
    });

    it('answers what the query built on each call answers, for every value, glued quotes and SQL included', async () => {
      const { db } = handle;
      for (const workspaceId of ['wsp_1', 'wsp_2', "wsp_1' OR '1'='1"]) {
        for (const key of [...KEYS, 'NOPE', `${KEYS[1]}${KEYS[2]}`]) {
          const expected = await built(db, workspaceId, key).execute();
          const { rows } = await db.executeQuery(projectByKey(db, workspaceId, key));
          expect(rows, `${workspaceId} / ${JSON.stringify(key)}`).toEqual(expected);
        }
      }
    });

    it('treats the placeholder text itself, sent as a value, as a value', async () => {
      const { db } = handle;
      if (kind === 'sqlite') {
        await store.projects.insert(project(60, MARK));
        const { rows } = await db.executeQuery(projectByKey(db, 'wsp_1', MARK));
        expect(rows).toEqual([{ id: project(60, MARK).id, key: MARK }]);
      } else {
        // PostgreSQL text holds no NUL: both forms of the query refuse it alike.
        const refusal = /invalid byte sequence/;
        await expect(built(db, 'wsp_1', MARK).execute()).rejects.toThrow(refusal);
        await expect(db.executeQuery(projectByKey(db, 'wsp_1', MARK))).rejects.toThrow(refusal);
      }
    });

    it('sends the text the builder sends, with only the values changed', () => {
      const { db } = handle;
      const a = projectByKey(db, 'wsp_1', 'APO');
      const b = projectByKey(db, 'wsp_2', 'ZED');
      const reference = built(db, 'wsp_2', 'ZED').compile();
      expect(b.sql).toBe(reference.sql);
      expect(b.parameters).toEqual(reference.parameters);
      // The same string object each time: PostgreSQL's prepared-statement names are looked up by it.
      expect(a.sql).toBe(b.sql);
      expect(a.parameters).toEqual(['wsp_1', 'APO', 1]);
    });

    it('50 concurrent calls with different values each get their own answer', async () => {
      const { db } = handle;
      const calls = Array.from({ length: 50 }, (_, i) => {
        const key = KEYS[i % KEYS.length]!;
        const workspaceId = i % 3 === 0 ? 'wsp_2' : 'wsp_1';
        return { workspaceId, key };
      });
      const answers = await Promise.all(
        calls.map(({ workspaceId, key }) => db.executeQuery(projectByKey(db, workspaceId, key))),
      );
      for (const [i, { workspaceId, key }] of calls.entries()) {
        expect(answers[i]!.rows).toEqual(await built(db, workspaceId, key).execute());
      }
    });

    it('runs on the transaction it is given, seeing that transaction’s own uncommitted rows', async () => {
      const { db } = handle;
      await db
        .transaction()
        .execute(async (trx) => {
          await sql`insert into projects (id, workspace_id, key, name, description, archived, next_task_number, created_at, updated_at)
            values (${project(50, 'NEW').id}, 'wsp_1', 'NEW', 'NEW', '', 0, 1, ${T0}, ${T0})`.execute(trx);
          const inside = await trx.executeQuery(projectByKey(trx, 'wsp_1', 'NEW'));
          expect(inside.rows).toEqual([{ id: project(50, 'NEW').id, key: 'NEW' }]);
          throw new Error('roll back');
        })
        .catch((error: Error) => expect(error.message).toBe('roll back'));
      const after = await db.executeQuery(projectByKey(db, 'wsp_1', 'NEW'));
      expect(after.rows).toEqual([]);
    });

    it('lets a plugin see every query: an instance with plugins builds each call', async () => {
      const seen: string[] = [];
      const plugin: KyselyPlugin = {
        transformQuery: (args: PluginTransformQueryArgs): RootOperationNode => {
          seen.push(args.node.kind);
          return args.node;
        },
        transformResult: async (args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> =>
          args.result,
      };
      const withPlugin = handle.db.withPlugin(plugin);
      const { rows } = await withPlugin.executeQuery(projectByKey(withPlugin, 'wsp_2', 'APO'));
      expect(rows).toEqual([{ id: project(99, 'APO').id, key: 'APO' }]);
      expect(seen).toEqual(['SelectQueryNode']);
    });

    it('refuses, when first built, a query that puts a value into its text or leaves one out', () => {
      const { db } = handle;
      const inlined = precompiled(1, (d: Kysely<Database>, key: string) =>
        d.selectFrom('projects').select('id').where('key', '=', sql.lit(key)),
      );
      expect(() => inlined(db, 'APO')).toThrow('inlined into the SQL text');
      const unused = precompiled(2, (d: Kysely<Database>, key: string, _ignored: string) =>
        d.selectFrom('projects').select('id').where('key', '=', key),
      );
      expect(() => unused(db, 'APO', 'x')).toThrow('argument 1 is not a parameter');
    });
  });
}
