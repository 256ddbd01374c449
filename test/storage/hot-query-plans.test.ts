/**
 * The queries every MCP call makes keep their index on PostgreSQL whatever the statistics
 * say: with none gathered since the rows came (autovacuum off, a bulk load) and after
 * `ANALYZE`. Without statistics the planner once took the (workspace, project) index for
 * the task lookup and filtered a 20k-task project for its number. The queries are the
 * repositories' own, captured as they run, then explained with their parameters — and as
 * the generic plan PostgreSQL may keep for them once the pool has prepared them by name.
 */
import { createHash } from 'node:crypto';
import {
  CompiledQuery,
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  sql,
  type UnknownRow,
} from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKyselyStore,
  type DatabaseHandle,
  openDatabase,
  openStore,
  type Store,
} from '../../src/storage/index.js';
import type { Database } from '../../src/storage/schema.js';
import { auditEvent } from '../support/audit-events.js';
import { postgresUrl } from '../support/postgres.js';
import { createTestDatabase, type TestDatabase } from '../support/stores.js';

const WORKSPACES = 2000;
const BIG_PROJECT_TASKS = 20000;
const AUDIT_ROWS = 20000;
/** An anomaly group of two keys of two workspaces, both with baselines. */
const GROUP = [
  { credentialId: 'key_7', workspaceId: 'wsp_7' },
  { credentialId: 'key_8', workspaceId: 'wsp_8' },
];

/** That group's baselines as a swap writes them: from the state and rules it read (both `{}`). */
const SWAP = GROUP.map((g) => ({
  ...g,
  state: '{"calls":1}',
  lastSeenAt: new Date(0).toISOString(),
  previous: '{}',
  settings: '{}',
}));

/** Keeps each query the store runs, compiled with its parameters. */
function captureQueries(compile: (node: RootOperationNode) => CompiledQuery) {
  const queries: CompiledQuery[] = [];
  const plugin: KyselyPlugin = {
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      queries.push(compile(args.node));
      return args.node;
    },
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      return args.result;
    },
  };
  return { plugin, queries };
}

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly Plans?: readonly PlanNode[];
}

const flatten = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(flatten)];

// Rows enough that a wrong plan costs: 2,000 workspaces, each with a member, a key, its
// baseline, a policy, a chain head and two projects of three tasks; one project of 20k tasks;
// one chain of 20k audit events.
async function load(store: Store, db: Kysely<Database>): Promise<void> {
  const at = '2026-12-01T00:00:00.000Z';
  const statements = [
    sql`insert into workspaces (id, slug, name, environment, created_at)
      select 'wsp_' || i, 'ws-' || i, 'W', 'development', ${at} from generate_series(1, ${WORKSPACES}) i`,
    sql`insert into members (id, workspace_id, email, name, role, created_at)
      select 'mem_' || i, 'wsp_' || i, 'm' || i || '@example.com', 'M', 'owner', ${at}
      from generate_series(1, ${WORKSPACES}) i`,
    sql`insert into projects (id, workspace_id, key, name, created_at, updated_at)
      select 'prj_' || i || '_' || p, 'wsp_' || i, 'P' || p, 'P', ${at}, ${at}
      from generate_series(1, ${WORKSPACES}) i, generate_series(1, 2) p`,
    sql`insert into tasks (id, workspace_id, project_id, number, title, status, priority, version,
        created_at, created_by, created_via, updated_at, updated_by, updated_via)
      select 'tsk_' || i || '_' || p || '_' || n, 'wsp_' || i, 'prj_' || i || '_' || p, n, 'T', 'todo',
        'medium', 1, ${at}, 'mem_' || i, 'mcp', ${at}, 'mem_' || i, 'mcp'
      from generate_series(1, ${WORKSPACES}) i, generate_series(1, 2) p, generate_series(1, 3) n`,
    sql`insert into tasks (id, workspace_id, project_id, number, title, status, priority, version,
        created_at, created_by, created_via, updated_at, updated_by, updated_via)
      select 'tsk_big_' || n, 'wsp_1', 'prj_1_1', n, 'T', 'todo', 'medium', 1, ${at}, 'mem_1', 'mcp',
        ${at}, 'mem_1', 'mcp'
      from generate_series(4, ${BIG_PROJECT_TASKS}) n`,
    sql`insert into api_keys (id, workspace_id, member_id, name, environment, hash, prefix, last4,
        scopes, read_only, dry_run_only, created_at, expires_at)
      select 'key_' || i, 'wsp_' || i, 'mem_' || i, 'k', 'development', md5('key' || i), 'tg_dev_', 'abcd',
        '[]', 0, 0, ${at}, '2027-12-01T00:00:00.000Z' from generate_series(1, ${WORKSPACES}) i`,
    sql`insert into key_baselines (workspace_id, credential_id, state, last_seen_at)
      select 'wsp_' || i, 'key_' || i, '{}', ${at} from generate_series(1, ${WORKSPACES}) i`,
    sql`insert into monitoring_settings (workspace_id, section, value, updated_at)
      select 'wsp_' || i, s, '{}', ${at} from generate_series(1, ${WORKSPACES}) i,
        unnest(array['anomalyRules', 'rateLimits']) s`,
    sql`insert into workspace_policies (workspace_id, require_reason, require_read_first, require_oauth,
        approver, write_budget, delete_budget, budget_window_minutes, updated_at)
      select 'wsp_' || i, 0, 0, 0, 'member', 100, 10, 60, ${at} from generate_series(1, ${WORKSPACES}) i`,
    sql`insert into audit_heads (chain, seq, hash)
      select 'wsp_' || i, 0, repeat('0', 64) from generate_series(2, ${WORKSPACES}) i`,
  ];
  for (const statement of statements) await statement.execute(db);
  // The big chain goes through the store: the rows are chained as the code chains them.
  for (let from = 0; from < AUDIT_ROWS; from += 250) {
    const events = Array.from({ length: 250 }, (_, i) =>
      auditEvent({ id: `evt_${String(from + i).padStart(8, '0')}`, workspaceId: 'wsp_1' }),
    );
    expect((await store.appendAudit(events)).every((error) => error === null)).toBe(true);
  }
}

describe.skipIf(!postgresUrl())('hot query plans [postgres]', () => {
  let database: TestDatabase;
  let close: () => Promise<void>;
  let store: Store;
  let handle: DatabaseHandle;
  let captured: CompiledQuery[];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    // Migrated as a fresh deployment is (statistics, if any, taken on empty tables).
    await (await openStore(database.url)).close();
    handle = await openDatabase(database.url);
    const capture = captureQueries((node) => handle.db.getExecutor().compileQuery(node, { queryId: '' }));
    captured = capture.queries;
    store = createKyselyStore({ ...handle, db: handle.db.withPlugin(capture.plugin) });
    close = () => store.close();
    await load(store, handle.db);
  }, 120_000);

  afterAll(async () => {
    await close?.();
    await database?.drop();
  });

  type Explained = { 'QUERY PLAN': { Plan: PlanNode }[] };

  /**
   * The generic plan PostgreSQL may keep for the query as a named prepared statement (the
   * pool prepares hot queries: src/storage/postgres-prepared.ts), planned without its values.
   */
  async function genericPlan(query: CompiledQuery): Promise<Explained> {
    return handle.db.connection().execute(async (conn) => {
      await sql`set plan_cache_mode = force_generic_plan`.execute(conn);
      try {
        await conn.executeQuery(CompiledQuery.raw(`prepare hot_query as ${query.sql}`));
        const values = query.parameters.map((v) => (typeof v === 'number' ? String(v) : literal(String(v))));
        const explained = await conn.executeQuery<Explained>(
          CompiledQuery.raw(`explain (format json) execute hot_query(${values.join(', ')})`),
        );
        // Planned without the values, as a generic plan is: they show as $n in its conditions.
        if (values.length > 0) expect(JSON.stringify(explained.rows[0])).toMatch(/\$\d/);
        return explained.rows[0]!;
      } finally {
        await sql`deallocate hot_query`.execute(conn).catch(() => undefined);
        await sql`reset plan_cache_mode`.execute(conn);
      }
    });
  }

  /** The plan of each query `run` makes that reads `table`, as the scans of every table. */
  async function scansOf(
    table: string,
    run: () => Promise<unknown>,
    plan: 'custom' | 'generic',
  ): Promise<PlanNode[][]> {
    captured.length = 0;
    await run();
    const reads = captured.filter((q) => /^\s*(select|with) /i.test(q.sql) && q.sql.includes(`"${table}"`));
    expect(reads.length).toBeGreaterThan(0);
    const plans: PlanNode[][] = [];
    for (const query of reads) {
      const explained =
        plan === 'generic'
          ? await genericPlan(query)
          : (
              await handle.db.executeQuery<Explained>(
                CompiledQuery.raw(`explain (format json) ${query.sql}`, [...query.parameters]),
              )
            ).rows[0]!;
      plans.push(flatten(explained['QUERY PLAN'][0]!.Plan));
    }
    return plans;
  }

  let events = 0;
  const HOT_QUERIES: readonly [string, string, string, (s: Store) => Promise<unknown>][] = [
    [
      'the key lookup by hash',
      'api_keys',
      'api_keys_hash_key',
      (s) => s.apiKeys.findOwnedByHash(md5('key7')),
    ],
    [
      'the workspace policy',
      'workspace_policies',
      'workspace_policies_pkey',
      (s) => s.policies.find('wsp_7'),
    ],
    [
      'the project by key',
      'projects',
      'projects_workspace_key_uq',
      (s) => s.projects.findByKey('wsp_1', 'P1'),
    ],
    [
      'the task by number',
      'tasks',
      // Either unique index fetches the one row; the (workspace, project) one read the project.
      '(tasks_workspace_project_number_uq|tasks_project_number_uq)',
      (s) => s.tasks.findByProjectKey('wsp_1', 'P1', 12345),
    ],
    [
      'the project of a task key',
      'projects',
      'projects_workspace_key_uq',
      (s) => s.tasks.findByProjectKey('wsp_1', 'P1', 12345),
    ],
    ['the key baseline', 'key_baselines', 'key_baselines_pk', (s) => s.keyBaselines.find('key_7')],
    [
      'the key baselines of a group, locked',
      'key_baselines',
      'key_baselines_pk',
      (s) =>
        s.transaction((repos) => repos.keyBaselines.claim(GROUP, 'anomalyRules', new Date().toISOString())),
    ],
    [
      'the anomaly rules read with a group',
      'monitoring_settings',
      'monitoring_settings_pk',
      (s) =>
        s.transaction((repos) => repos.keyBaselines.claim(GROUP, 'anomalyRules', new Date().toISOString())),
    ],
    [
      // A group's baselines by compare-and-set (src/monitoring/anomaly-swap.ts).
      'the baseline swap of a group',
      'key_baselines',
      'key_baselines_pk',
      (s) => s.keyBaselines.swap!(SWAP, 'anomalyRules'),
    ],
    [
      'the anomaly rules compared by a swap',
      'monitoring_settings',
      'monitoring_settings_pk',
      (s) => s.keyBaselines.swap!(SWAP, 'anomalyRules'),
    ],
    [
      'the audit head lock of one event',
      'audit_heads',
      'audit_heads_pkey',
      (s) => s.transaction((repos) => repos.audit.lockedHead('wsp_7')),
    ],
    [
      // A chain this store has not written yet: its head is locked and read.
      'the audit head lock of a batch',
      'audit_heads',
      'audit_heads_pkey',
      (s) => s.appendAudit([auditEvent({ id: `evt_x${++events}`, workspaceId: `wsp_${100 + events}` })]),
    ],
    [
      // The second batch of a chain moves its known head (src/storage/kysely/audit-known-head.ts).
      'the known-head update of a batch',
      'audit_heads',
      'audit_heads_pkey',
      async (s) => {
        const chain = `wsp_${1000 + ++events}`;
        await s.appendAudit([auditEvent({ id: `evt_x${events}`, workspaceId: chain })]);
        await s.appendAudit([auditEvent({ id: `evt_y${events}`, workspaceId: chain })]);
      },
    ],
  ];

  for (const statistics of ['without statistics', 'after ANALYZE'] as const) {
    describe(statistics, () => {
      beforeAll(async () => {
        if (statistics !== 'after ANALYZE') return;
        // This schema's tables only: the test database holds other suites' schemas.
        const { rows } = await sql<{ name: string }>`select tablename as name from pg_tables
          where schemaname = current_schema()`.execute(handle.db);
        await sql`analyze ${sql.join(rows.map((row) => sql.id(row.name)))}`.execute(handle.db);
      });
      for (const [name, table, index, run] of HOT_QUERIES) {
        for (const kind of ['custom', 'generic'] as const)
          it(`reads ${name} through ${index} ${statistics}, ${kind} plan`, async () => {
            for (const plan of await scansOf(table, () => run(store), kind)) {
              // The scans that find the rows; an update's own node (ModifyTable) is not one.
              const onTable = plan.filter(
                (node) =>
                  node['Node Type'] !== 'ModifyTable' &&
                  (node['Relation Name'] === table || node['Index Name']?.startsWith(`${table}_`)),
              );
              const scans = onTable.map((node) => `${node['Node Type']} ${node['Index Name'] ?? ''}`.trim());
              // A list of keys (a group's) may be fetched as a bitmap over the same index.
              const viaBitmap = [
                'Bitmap Heap Scan',
                expect.stringMatching(new RegExp(`^Bitmap Index Scan ${index}$`)),
              ];
              const viaIndex = [expect.stringMatching(new RegExp(`Index (Only )?Scan ${index}$`))];
              expect(scans).toEqual(scans[0] === 'Bitmap Heap Scan' ? viaBitmap : viaIndex);
            }
          });
      }
    });
  }
});

/** A string as an SQL literal (test values only: ids, hashes, timestamps). */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}
