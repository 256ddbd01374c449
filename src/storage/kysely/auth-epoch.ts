/** The authentication epoch (migration 0020): one precompiled single-row read. */
import type { Kysely } from 'kysely';
import type { AuthEpochReader } from '../auth-epoch-ports.js';
import type { Database } from '../schema.js';

export function createAuthEpochReader(db: Kysely<Database>): AuthEpochReader {
  // Compiled once: it runs on every authenticated request.
  const query = db.selectFrom('auth_epoch').select('epoch').where('id', '=', 1).compile();
  return {
    async current() {
      const { rows } = await db.executeQuery(query);
      const row = rows[0];
      // SECURITY: without its row nothing could tell a cached credential is stale: fail closed.
      if (!row) throw new Error('auth_epoch has no row: migration 0020 is missing');
      return String(row.epoch);
    },
  };
}
