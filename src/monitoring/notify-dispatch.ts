/**
 * The dispatcher: reads each audit chain forward from its cursor (stored in the database, so
 * a restart resumes where it stopped and nothing is read twice), turns the notable events
 * into notices (notify-events.ts) and queues their deliveries in the same transaction that
 * moves the cursor. The cursor moves only from where this run read it: an instance that
 * lost a race rolls back and queues nothing, and the queue's unique notice key would drop a
 * repeat anyway.
 */
import type { Store } from '../storage/index.js';
import type { Delivery } from './notify-deliver.js';
import { noticesOf } from './notify-events.js';

const PAGE = 200;
/** Pages per chain per run, so one busy workspace cannot hold the job for long. */
const PAGES_PER_RUN = 50;

const parseJson = (text: unknown): unknown => {
  if (typeof text !== 'string') return text ?? null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

class CursorMoved extends Error {}

export function createDispatcher(deps: {
  readonly store: Pick<Store, 'audit' | 'notifyCursor' | 'workspaces' | 'transaction'>;
  readonly delivery: Pick<Delivery, 'enqueue'>;
  readonly publicUrl: string;
}) {
  const { store, delivery } = deps;

  /** Reads every chain up to its head; returns how many notices it queued. */
  async function dispatch(): Promise<number> {
    const slugs = new Map((await store.workspaces.list()).map((w) => [w.id, w.slug]));
    const context = { publicUrl: deps.publicUrl, slugOf: (id: string) => slugs.get(id) };
    let queued = 0;
    for (const head of await store.audit.heads()) {
      for (let page = 0; page < PAGES_PER_RUN; page++) {
        const from = await store.notifyCursor.get(head.chain);
        if (head.seq <= (from ?? 0)) break;
        const rows = await store.audit.chainRows(head.chain, from ?? 0, PAGE);
        const last = rows.at(-1);
        if (!last) break;
        const notices = rows.flatMap((row) =>
          noticesOf(
            {
              id: row.id,
              workspaceId: row.workspace_id,
              occurredAt: row.occurred_at,
              action: row.action,
              tool: row.tool,
              outcome: row.outcome as 'ok',
              credentialId: row.credential_id,
              credentialName: row.credential_name,
              detail: parseJson(row.detail),
              confirmation: row.confirmation,
            },
            context,
          ),
        );
        try {
          await store.transaction(async (repos) => {
            if (!(await repos.notifyCursor.advance(head.chain, from, Number(last.seq))))
              throw new CursorMoved();
            for (const notice of notices) if ((await delivery.enqueue(repos, notice)).length > 0) queued++;
          });
        } catch (error) {
          if (error instanceof CursorMoved) break;
          throw error;
        }
        if (rows.length < PAGE) break;
      }
    }
    return queued;
  }

  return { dispatch };
}
