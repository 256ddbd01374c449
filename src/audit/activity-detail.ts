/**
 * One event as the Activity page shows it: its (already sanitized) arguments and result
 * summary, the before/after diff of what it changed, the client, its place in the hash chain
 * with whether that link verifies, and the ids of what it concerns (task, project, key,
 * pending action). Read only; the link check reads the event and its predecessor as stored.
 */
import {
  CHAIN_HASH,
  CHAIN_PREV_HASH,
  CHAIN_SEQ,
  type ChainValues,
  chainOf,
  GENESIS_HASH,
  scannedRowIntact,
} from '../chain/index.js';
import { isId } from '../core/index.js';
import { describeClient, type FieldDiff, fieldDiff } from '../domain/index.js';
import type { AuditEvent, Member, ObjectChange } from '../model/index.js';
import type { Store } from '../storage/index.js';

export interface ChangeView {
  readonly kind: ObjectChange['kind'];
  readonly op: ObjectChange['op'];
  readonly id: string | null;
  readonly ref: string;
  /** For an update, the fields that changed; empty for a create, delete or restore. */
  readonly fields: readonly FieldDiff[];
  readonly before: ObjectChange['before'];
  readonly after: ObjectChange['after'];
}

export interface ChainPlace {
  readonly chain: string;
  readonly seq: number | null;
  readonly hash: string | null;
  readonly prevHash: string | null;
  /** The event's content matches its hash and its prev_hash is its predecessor's hash. */
  readonly linkVerifies: boolean;
  /** Why not, in words; null when it verifies. */
  readonly problem: string | null;
  /** The chain's newest signed checkpoint, and whether it already covers this event. */
  readonly checkpoint: {
    readonly seq: number;
    readonly at: string;
    readonly keyId: string;
    readonly covers: boolean;
  } | null;
}

export interface ActivityLinks {
  /** The API key or OAuth connection that acted. */
  readonly key: string | null;
  readonly member: string | null;
  readonly tasks: readonly string[];
  readonly projects: readonly string[];
  /** The pending action a confirmed write executed. */
  readonly action: string | null;
  readonly request: string | null;
}

export interface ActivityDetail {
  readonly event: AuditEvent;
  /** Who acted, when the viewer may see them. */
  readonly member: Member | null;
  readonly arguments: unknown;
  readonly result: unknown;
  readonly changes: readonly ChangeView[];
  readonly client: {
    readonly name: string | null;
    readonly version: string | null;
    /** Name and version as one safe line (describeClient), or null. */
    readonly description: string | null;
    readonly userAgent: string | null;
    readonly ip: string | null;
  };
  readonly chain: ChainPlace;
  readonly links: ActivityLinks;
}

export async function detailOf(
  store: Pick<Store, 'audit'>,
  event: AuditEvent,
  member: Member | null,
): Promise<ActivityDetail> {
  const changes = (event.changes ?? []).map((c) => ({
    kind: c.kind,
    op: c.op,
    id: c.id,
    ref: c.ref,
    fields: c.op === 'update' ? fieldDiff(c) : [],
    before: c.before,
    after: c.after,
  }));
  return {
    event,
    member,
    arguments: event.params,
    result: event.result,
    changes,
    client: {
      name: event.clientName,
      version: event.clientVersion,
      description: describeClient(event.clientName, event.clientVersion),
      userAgent: event.userAgent,
      ip: event.ip,
    },
    chain: await chainPlace(store, event),
    links: linksOf(event),
  };
}

function linksOf(event: AuditEvent): ActivityLinks {
  const tasks = new Set<string>();
  const projects = new Set<string>();
  for (const change of event.changes ?? []) {
    if (change.id === null) continue;
    if (change.kind === 'task') tasks.add(change.id);
    if (change.kind === 'project') projects.add(change.id);
  }
  // Ids named in the arguments or result (a read of one task, a created task's id).
  for (const value of [event.params, event.result]) {
    if (!value || typeof value !== 'object') continue;
    for (const field of Object.values(value as Record<string, unknown>)) {
      if (typeof field !== 'string') continue;
      if (isId('task', field)) tasks.add(field);
      if (isId('project', field)) projects.add(field);
    }
  }
  return {
    key: event.credentialId,
    member: event.memberId,
    tasks: [...tasks],
    projects: [...projects],
    action: event.confirmation,
    request: event.requestId,
  };
}

/** Reads the event's row and its predecessor as stored and checks the one link between them. */
async function chainPlace(store: Pick<Store, 'audit'>, event: AuditEvent): Promise<ChainPlace> {
  const chain = chainOf(event.workspaceId);
  const seq = event.seq ?? null;
  const last = await store.audit.lastCheckpoint(chain);
  const checkpoint = last
    ? { seq: last.seq, at: last.at, keyId: last.keyId, covers: seq !== null && last.seq >= seq }
    : null;
  const place = { chain, seq, hash: event.hash ?? null, prevHash: event.prevHash ?? null, checkpoint };
  if (seq === null) return { ...place, linkVerifies: false, problem: 'the event has no place in a chain' };
  const rows: ChainValues[] = [];
  await store.audit.scanChain(chain, Math.max(0, seq - 2), 2, (page) => {
    rows.push(...page);
    return false;
  });
  const own = rows.find((r) => r[CHAIN_SEQ] === seq);
  const prev = rows.find((r) => r[CHAIN_SEQ] === seq - 1);
  const fail = (problem: string) => ({ ...place, linkVerifies: false, problem });
  if (!own) return fail(`event ${seq} is not in its chain`);
  if (!scannedRowIntact(own))
    return fail(`event ${seq} does not match its hash: it was changed after it was written`);
  let expected: string | undefined;
  if (seq === 1) expected = GENESIS_HASH;
  else if (prev) {
    if (!scannedRowIntact(prev)) return fail(`event ${seq - 1}, its predecessor, does not match its hash`);
    expected = prev[CHAIN_HASH] as string;
  } else {
    // Pruned up to here: the checkpoint that anchors the rest pins the predecessor's hash.
    expected = (await store.audit.checkpoints(chain)).find((c) => c.seq === seq - 1)?.hash;
    if (expected === undefined) return fail(`event ${seq - 1}, its predecessor, is missing`);
  }
  return own[CHAIN_PREV_HASH] === expected
    ? { ...place, linkVerifies: true, problem: null }
    : fail(`event ${seq} does not link to event ${seq - 1}`);
}
