/**
 * The authorization server's persistence: oidc-provider's objects as JSON rows keyed by
 * (model, id), and the registration log behind the DCR rate limit. Every instance shares
 * these rows, so single use (`consume`) and the rate limit are decided by the database,
 * never by one process's memory.
 */
import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type SqlBool,
  sql,
} from 'kysely';
import type { OAuthModelPayload, OAuthRegistration } from '../../model/index.js';
import type { DatabaseKind } from '../connect.js';
import type { OAuthModelRepository, OAuthRegistrationRepository } from '../oauth-ports.js';
import type { Database, OAuthModelTable } from '../schema.js';

type ModelsBuilder = ExpressionBuilder<Database, 'oauth_models'>;

const textOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** oidc-provider reads `consumed` as epoch seconds; the column holds ISO-8601 like every time. */
const consumedAtOf = (consumed: unknown): string | null =>
  typeof consumed === 'number' && Number.isFinite(consumed) ? new Date(consumed * 1000).toISOString() : null;

const toPayload = (row: Pick<Selectable<OAuthModelTable>, 'payload' | 'consumed_at'>): OAuthModelPayload => ({
  ...(JSON.parse(row.payload) as Record<string, unknown>),
  ...(row.consumed_at !== null && { consumed: Math.floor(Date.parse(row.consumed_at) / 1000) }),
});

const alive =
  (now: string) =>
  (eb: ModelsBuilder): Expression<SqlBool> =>
    eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]);

export function createOAuthModelRepository(db: Kysely<Database>): OAuthModelRepository {
  async function findWhere(
    model: string,
    now: string,
    where: (eb: ModelsBuilder) => Expression<SqlBool>,
  ): Promise<OAuthModelPayload | undefined> {
    const row = await db
      .selectFrom('oauth_models')
      .select(['payload', 'consumed_at'])
      .where('model', '=', model)
      .where(where)
      .where(alive(now))
      .executeTakeFirst();
    return row && toPayload(row);
  }

  return {
    async upsert(model, id, payload, expiresAt) {
      // `consumed` lives in its own column, the one the conditional update in consume() guards.
      const { consumed, ...rest } = payload;
      await db
        .insertInto('oauth_models')
        .values({
          model,
          id,
          payload: JSON.stringify(rest),
          grant_id: textOrNull(payload.grantId),
          user_code: textOrNull(payload.userCode),
          uid: textOrNull(payload.uid),
          expires_at: expiresAt,
          consumed_at: consumedAtOf(consumed),
        })
        .onConflict((oc) =>
          oc.columns(['model', 'id']).doUpdateSet((eb) => ({
            payload: eb.ref('excluded.payload'),
            grant_id: eb.ref('excluded.grant_id'),
            user_code: eb.ref('excluded.user_code'),
            uid: eb.ref('excluded.uid'),
            expires_at: eb.ref('excluded.expires_at'),
            // SECURITY: a rewrite never brings a consumed code or refresh token back to life.
            consumed_at: eb.fn.coalesce('oauth_models.consumed_at', 'excluded.consumed_at'),
          })),
        )
        .execute();
    },
    find: (model, id, now) => findWhere(model, now, (eb) => eb('id', '=', id)),
    findByUid: (model, uid, now) => findWhere(model, now, (eb) => eb('uid', '=', uid)),
    findByUserCode: (model, userCode, now) => findWhere(model, now, (eb) => eb('user_code', '=', userCode)),
    async list(model, now) {
      const rows = await db
        .selectFrom('oauth_models')
        .select(['payload', 'consumed_at'])
        .where('model', '=', model)
        .where(alive(now))
        .orderBy('id')
        .execute();
      return rows.map(toPayload);
    },
    async consume(model, id, at) {
      // SECURITY: the conditional update is the single-use guarantee across instances: two
      // token requests presenting the same code or refresh token cannot both flip it.
      const result = await db
        .updateTable('oauth_models')
        .set({ consumed_at: at })
        .where('model', '=', model)
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async destroy(model, id) {
      await db.deleteFrom('oauth_models').where('model', '=', model).where('id', '=', id).execute();
    },
    async revokeByGrantId(grantId) {
      const result = await db.deleteFrom('oauth_models').where('grant_id', '=', grantId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async pruneExpired(now) {
      const result = await db.deleteFrom('oauth_models').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export function createOAuthRegistrationRepository(
  db: Kysely<Database>,
  kind: DatabaseKind,
): OAuthRegistrationRepository {
  /** Registrations from `ip` (null matches null) at or after `since`, counted. */
  const countFrom = (trx: Kysely<Database>, ip: string | null, since: string) =>
    trx
      .selectFrom('oauth_registrations')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where((eb) => (ip === null ? eb('ip', 'is', null) : eb('ip', '=', ip)))
      .where('at', '>=', since);

  /**
   * One INSERT … SELECT … WHERE (count) < limit: on SQLite a write statement holds the write
   * lock from its first read, so count and insert are one step (and no lock is held across an
   * await, which would stall another connection of the same process in its busy wait).
   */
  async function insertIfUnder(trx: Kysely<Database>, r: OAuthRegistration, since: string, limit: number) {
    const result = await trx
      .insertInto('oauth_registrations')
      .columns(['id', 'ip', 'at'])
      .expression(
        trx
          .selectNoFrom((eb) => [eb.val(r.id).as('id'), eb.val(r.ip).as('ip'), eb.val(r.at).as('at')])
          .where(countFrom(trx, r.ip, since), '<', limit),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows) === 1;
  }

  return {
    async admit(registration, { since, limit }) {
      if (kind === 'sqlite') return insertIfUnder(db, registration, since, limit);
      // PostgreSQL's read committed would let two instances count the same rows (and a lock
      // taken inside the statement comes after its snapshot): queue per address first.
      const work = async (trx: Kysely<Database>) => {
        const key = `oauth_registrations:${registration.ip ?? ''}`;
        await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
        return insertIfUnder(trx, registration, since, limit);
      };
      return db.isTransaction ? work(db) : db.transaction().execute(work);
    },
    async count(ip, since) {
      return Number((await countFrom(db, ip, since).executeTakeFirstOrThrow()).n);
    },
    async deleteBefore(before) {
      const result = await db.deleteFrom('oauth_registrations').where('at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
