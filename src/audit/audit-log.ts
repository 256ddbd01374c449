/**
 * Writes audit events, two ways:
 * - `record(repos, draft)` inside the caller's transaction, so a change and its record
 *   commit together or not at all;
 * - `append(draft)` for calls that change nothing (reads, refusals): group commit — events
 *   from concurrent requests share one transaction and one disk sync, and each promise
 *   resolves only once its event is durable.
 * Either way a failure to record propagates and the caller fails closed.
 */
import type { Clock, IdGenerator } from '../core/index.js';
import type { AuditEvent } from '../model/index.js';
import type { ChainHead, Repositories, Store } from '../storage/index.js';
import { type Mask, maskSecretShapes, redact, redactText, sanitizeForAudit } from './sanitize.js';

export type AuditDraft = Partial<Omit<AuditEvent, 'id' | 'occurredAt'>> &
  Pick<AuditEvent, 'action' | 'outcome'> & {
    /** The OAuth client a connection acts for; kept in `detail.oauth_client`. */
    readonly oauthClient?: { readonly id: string; readonly name: string } | null;
  };

/** `detail` with the OAuth client folded in (a detail that is no object is kept under `value`). */
function withOauthClient(draft: AuditDraft): unknown {
  if (!draft.oauthClient) return draft.detail;
  const detail = draft.detail ?? {};
  const base = typeof detail === 'object' && !Array.isArray(detail) ? detail : { value: detail };
  return { ...base, oauth_client: { id: draft.oauthClient.id, name: draft.oauthClient.name } };
}

export interface AuditLog {
  record(repos: Repositories, draft: AuditDraft): Promise<AuditEvent>;
  /** The event `record` would write for `draft`, not written yet (see `recordPrepared`). */
  prepare(draft: AuditDraft): AuditEvent;
  /**
   * `record` for a prepared event: written in the caller's transaction, unless the store
   * already placed it there (`placed`, from `writeUsage.insert`).
   */
  recordPrepared(repos: Repositories, event: AuditEvent, placed?: ChainHead): Promise<AuditEvent>;
  append(draft: AuditDraft): Promise<AuditEvent>;
}

/** The group commit's backlog, for metrics: events queued or being written, not yet durable. */
export interface AuditQueue {
  queueDepth(): number;
}

/** Upper bound on events per group commit, so one transaction stays short. */
export const MAX_AUDIT_BATCH = 256;

interface Pending {
  readonly event: AuditEvent;
  resolve(event: AuditEvent): void;
  reject(error: unknown): void;
}

export function createAuditLog(deps: {
  store: Pick<Store, 'appendAudit'>;
  clock: Clock;
  ids: IdGenerator;
  /** Told how many events were written (checkpoints follow the count). */
  onWritten?: (count: number) => void;
  /** What replaces a secret in a workspace's events (an HMAC); plain redaction without it. */
  masks?: (workspaceId: string | null) => Mask;
}): AuditLog & AuditQueue {
  const { store } = deps;
  let queue: Pending[] = [];
  let writing = 0;
  let scheduled = false;

  const build = (draft: AuditDraft): AuditEvent => {
    const mask = deps.masks?.(draft.workspaceId ?? null) ?? redact;
    const clean = (value: unknown) => sanitizeForAudit(value, mask);
    // Client-supplied text (a tool name asked for, the client's name) can carry a secret too.
    const text = (value: string | null | undefined) => (value ? redactText(value, mask) : null);
    return {
      id: deps.ids('auditEvent'),
      occurredAt: deps.clock.now().toISOString(),
      workspaceId: draft.workspaceId ?? null,
      action: draft.action,
      tool: text(draft.tool),
      outcome: draft.outcome,
      errorCode: draft.errorCode ?? null,
      memberId: draft.memberId ?? null,
      credentialId: draft.credentialId ?? null,
      credentialName: draft.credentialName ?? null,
      environment: draft.environment ?? null,
      params: draft.params === undefined ? null : clean(draft.params),
      result: draft.result === undefined ? null : clean(draft.result),
      ip: draft.ip ?? null,
      userAgent: draft.userAgent ? (clean(draft.userAgent) as string) : null,
      clientName: text(draft.clientName),
      clientVersion: text(draft.clientVersion),
      requestId: draft.requestId ?? null,
      durationMs: draft.durationMs ?? null,
      detail: draft.detail === undefined && !draft.oauthClient ? null : clean(withOauthClient(draft)),
      // Not truncated: a revert needs the exact before state. Secrets are still masked.
      changes: draft.changes ? maskSecretShapes(draft.changes, mask) : null,
      reason: draft.reason ? (clean(draft.reason) as string) : null,
      confirmation: draft.confirmation ?? null,
    };
  };

  async function recordPrepared(repos: Repositories, event: AuditEvent, placed?: ChainHead) {
    const { seq, hash } = placed ?? (await repos.audit.insert(event));
    deps.onWritten?.(1);
    return { ...event, seq, hash };
  }

  async function flush(): Promise<void> {
    const batch = queue.slice(0, MAX_AUDIT_BATCH);
    queue = queue.slice(batch.length);
    writing += batch.length;
    try {
      const results = await store.appendAudit(batch.map((pending) => pending.event));
      batch.forEach((pending, i) => {
        const error = results[i];
        if (error) pending.reject(error);
        else pending.resolve(pending.event);
      });
      deps.onWritten?.(results.filter((error) => error === null).length);
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    } finally {
      writing -= batch.length;
    }
    if (queue.length) setImmediate(() => void flush());
    else scheduled = false;
  }

  return {
    queueDepth: () => queue.length + writing,
    record: (repos, draft) => recordPrepared(repos, build(draft)),
    prepare: build,
    recordPrepared,
    append(draft) {
      return new Promise<AuditEvent>((resolve, reject) => {
        queue.push({ event: build(draft), resolve, reject });
        if (!scheduled) {
          scheduled = true;
          // Let the requests already in flight queue theirs, then commit them together.
          setImmediate(() => void flush());
        }
      });
    },
  };
}
