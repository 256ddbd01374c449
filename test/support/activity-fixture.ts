/**
 * A workspace with one member per role, another workspace, and a spread of audit events
 * (tools, outcomes, addresses, members) a minute apart, with the Activity service over them.
 * Real stores only: the caller hands in a SQLite or PostgreSQL store.
 */
import { randomBytes } from 'node:crypto';
import {
  type ActivityService,
  type ActivityViewer,
  type AuditLog,
  type Checkpointer,
  createActivityService,
  createAuditLog,
  createAuditSigner,
  createCheckpointer,
} from '../../src/audit/index.js';
import { createIdGenerator, createSeededRandom, type ManualClock } from '../../src/core/index.js';
import type { AuditEvent, AuditOutcome, Member, Workspace } from '../../src/model/index.js';
import type { Store } from '../../src/storage/index.js';
import { createDomainFixture } from './domain-fixture.js';

export const IPS = ['203.0.113.7', '203.0.113.200', '198.51.100.2', '2001:db8::1', '::ffff:203.0.113.9'];
export const TOOLS = ['get_task', 'update_task', 'delete_task'];
const OUTCOMES: AuditOutcome[] = ['ok', 'denied', 'ok', 'error', 'dry_run'];

export interface ActivityFixture {
  readonly activity: ActivityService;
  readonly audit: AuditLog;
  readonly checkpointer: Checkpointer;
  readonly clock: ManualClock;
  readonly workspace: Workspace;
  readonly other: Workspace;
  readonly members: { owner: Member; admin: Member; member: Member; viewer: Member };
  readonly otherOwner: Member;
  /** The seeded events of `workspace`, oldest first. */
  readonly events: AuditEvent[];
  readonly otherEvents: AuditEvent[];
  as(member: Member): ActivityViewer;
}

export async function createActivityFixture(store: Store, count = 30): Promise<ActivityFixture> {
  const acme = await createDomainFixture(store, 'acme');
  const globex = await createDomainFixture(store, 'globex');
  const clock = acme.clock;
  const signer = createAuditSigner(randomBytes(32));
  const checkpointer = createCheckpointer({ store, signer, clock, logger: { error: () => {} } });
  const audit = createAuditLog({
    store,
    clock,
    ids: createIdGenerator(clock, createSeededRandom(11)),
    onWritten: (n) => checkpointer.noteEvents(n),
  });
  const activity = createActivityService({
    store,
    audit,
    signer,
    clock,
    cursorKey: Buffer.alloc(32, 7),
    productVersion: '0.0.0-test',
  });
  const { owner, member, viewer } = acme.members;
  const actors = [owner, member, viewer];
  const events: AuditEvent[] = [];
  for (let i = 0; i < count; i++) {
    events.push(
      await audit.record(store, {
        workspaceId: acme.workspace.id,
        action: 'mcp.tool_called',
        tool: TOOLS[i % 3]!,
        outcome: OUTCOMES[i % 5]!,
        memberId: actors[i % 3]!.id,
        ip: IPS[i % 5]!,
        clientName: 'cursor',
        clientVersion: '1.2.0',
        params: { task: `APO-${i}` },
      }),
    );
    // Signed as a running server signs them (every minute): no span is left unsigned too long.
    await checkpointer.checkpointAll();
    clock.advance(60_000);
  }
  const otherEvents: AuditEvent[] = [];
  for (let i = 0; i < 3; i++) {
    otherEvents.push(
      await audit.record(store, {
        workspaceId: globex.workspace.id,
        action: 'mcp.tool_called',
        tool: 'get_task',
        outcome: 'ok',
        memberId: globex.members.owner.id,
        ip: IPS[0]!,
      }),
    );
    clock.advance(60_000);
  }
  await checkpointer.checkpointAll();
  return {
    activity,
    audit,
    checkpointer,
    clock,
    workspace: acme.workspace,
    other: globex.workspace,
    members: acme.members,
    otherOwner: globex.members.owner,
    events,
    otherEvents,
    as: (m) => ({ kind: 'member', member: m }),
  };
}

/** Every page of a view, newest first, following the cursors. */
export async function allPages(
  activity: ActivityService,
  viewer: ActivityViewer,
  input: Parameters<ActivityService['page']>[1] = {},
): Promise<AuditEvent[]> {
  const seen: AuditEvent[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await activity.page(viewer, { ...input, ...(cursor !== undefined && { cursor }) });
    seen.push(...page.events);
    if (page.nextCursor === null) return seen;
    cursor = page.nextCursor;
  }
  throw new Error('paging did not end');
}
