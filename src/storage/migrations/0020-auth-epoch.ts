/**
 * The authentication epoch (issue 17): one row whose counter moves with every committed
 * change to what a credential lookup reads, so an instance may keep credentials it has read
 * and still see a revocation on the next request. Triggers, not application code, move it:
 * the CLI in another process, another instance and a hand-written UPDATE bump it alike.
 * Columns that change on every use (`last_used_*`) do not: they decide no right.
 *
 * On PostgreSQL the triggers are deferred constraint triggers: the counter row is locked at
 * commit, the last lock a writer takes, so two writers never wait on each other through it
 * in opposite orders (no deadlock), and the bump is still inside the writer's transaction.
 */
import { type Kysely, type Migration, PostgresAdapter, sql } from 'kysely';

/** Every `api_keys` column the lookup maps into a credential, i.e. all but last use. */
export const API_KEY_EPOCH_COLUMNS = [
  'id',
  'workspace_id',
  'member_id',
  'name',
  'environment',
  'hash',
  'prefix',
  'last4',
  'scopes',
  'project_ids',
  'read_only',
  'dry_run_only',
  'ip_allow',
  'client',
  'created_at',
  'created_by',
  'expires_at',
  'revoked_at',
  'replaces',
  'replaced_by',
  'replaced_at',
  'grace_until',
  'flagged_at',
  'flagged_reason',
  'kind',
  'oauth_client_id',
  'oauth_client_name',
  'oauth_grant_id',
  'suspended_at',
  'suspended_mode',
  'suspended_reason',
  'suspended_by',
] as const;

/** The member columns the lookup reads (`password_hash` and sign-in state do not matter). */
const MEMBER_EPOCH_COLUMNS = ['id', 'workspace_id', 'email', 'name', 'role', 'created_at', 'removed_at'];

/** Table -> the columns whose update moves the epoch (null: any update). */
const WATCHED: ReadonlyArray<readonly [string, readonly string[] | null]> = [
  ['api_keys', API_KEY_EPOCH_COLUMNS],
  ['members', MEMBER_EPOCH_COLUMNS],
  ['workspaces', null],
  ['workspace_policies', null],
];

const updateOf = (columns: readonly string[] | null) =>
  columns ? `update of ${columns.join(', ')}` : 'update';

export const authEpoch: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`create table auth_epoch (id integer primary key check (id = 1), epoch bigint not null)`.execute(
      db,
    );
    await sql`insert into auth_epoch (id, epoch) values (1, 0)`.execute(db);
    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      // The schema is pinned into the function: a writer's search_path cannot point it elsewhere.
      await sql`create function auth_epoch_bump() returns trigger language plpgsql
        set search_path from current as $$
        begin update auth_epoch set epoch = epoch + 1 where id = 1; return null; end $$`.execute(db);
      for (const [table, columns] of WATCHED) {
        await sql
          .raw(
            `create constraint trigger ${table}_auth_epoch after insert or delete or ${updateOf(columns)}` +
              ` on ${table} deferrable initially deferred for each row execute function auth_epoch_bump()`,
          )
          .execute(db);
      }
      return;
    }
    for (const [table, columns] of WATCHED) {
      for (const event of ['insert', 'delete', updateOf(columns)]) {
        const name = `${table}_auth_epoch_${event.split(' ')[0]}`;
        await sql
          .raw(
            `create trigger ${name} after ${event} on ${table}` +
              ' begin update auth_epoch set epoch = epoch + 1 where id = 1; end',
          )
          .execute(db);
      }
    }
  },
};
