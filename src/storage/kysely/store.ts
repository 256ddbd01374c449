/** The kysely implementation of the Store port, the same code for SQLite and PostgreSQL. */
import { type Kysely, sql } from 'kysely';
import type { DatabaseHandle } from '../connect.js';
import type { Repositories, Store } from '../ports.js';
import type { Database } from '../schema.js';
import { createCommentRepository, createTimeEntryRepository } from './comments-time.js';
import { createApiKeyRepository, createAuditRepository } from './keys-audit.js';
import { createProjectRepository } from './projects.js';
import { createTaskRepository } from './tasks.js';
import { createMemberRepository, createWorkspaceRepository } from './workspace-members.js';

function createRepositories(db: Kysely<Database>): Repositories {
  return {
    workspaces: createWorkspaceRepository(db),
    members: createMemberRepository(db),
    projects: createProjectRepository(db),
    tasks: createTaskRepository(db),
    comments: createCommentRepository(db),
    timeEntries: createTimeEntryRepository(db),
    apiKeys: createApiKeyRepository(db),
    audit: createAuditRepository(db),
  };
}

export function createKyselyStore(handle: DatabaseHandle): Store {
  const { db } = handle;
  return {
    kind: handle.kind,
    ...createRepositories(db),
    transaction: (work) => db.transaction().execute((trx) => work(createRepositories(trx))),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => handle.close(),
  };
}
