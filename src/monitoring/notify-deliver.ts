/**
 * Queuing and sending deliveries. A notice becomes one delivery row per email recipient
 * (the key's owner, and the workspace's owners and admins) and per webhook endpoint, unique
 * per notice and target; the send job takes each due row with a conditional UPDATE (so two
 * instances never send it twice), sends it and records the outcome. A failure is retried
 * after 1 min, 5 min, 30 min, 2 h and 12 h, then the delivery is `failed`; every attempt
 * and its error stay in the delivery log.
 */
import type { Clock, IdGenerator } from '../core/index.js';
import type { DeliveryRow, Repositories, Store } from '../storage/index.js';
import type { EmailTransport } from './email-transport.js';
import type { Notice, NoticePayload } from './notify-notice.js';
import { payloadOf } from './notify-notice.js';
import { openSecret } from './webhooks-secret.js';
import { postWebhook, signWebhook } from './webhooks-send.js';
import type { UrlPolicy } from './webhooks-url.js';

export const RETRY_DELAYS_MS = [60_000, 300_000, 1_800_000, 7_200_000, 43_200_000] as const;
/** How long a sender holds a delivery it took before another may retry it. */
const CLAIM_MS = 5 * 60_000;
const BATCH = 50;
const ERROR_MAX = 500;

export interface DeliveryDeps {
  readonly store: Pick<Store, 'deliveries' | 'webhooks' | 'members' | 'apiKeys'>;
  readonly clock: Clock;
  /** Signature timestamps: the receiver checks them against its own clock. */
  readonly wallClock: Clock;
  readonly ids: IdGenerator;
  readonly email: EmailTransport | null;
  readonly sealKey: Buffer;
  readonly urlPolicy: UrlPolicy;
}

/** Who is emailed about a notice: the key's owner, and the owners and admins (members still there). */
export async function recipientsOf(
  repos: Pick<Repositories, 'members' | 'apiKeys'>,
  notice: Pick<Notice, 'workspaceId' | 'credentialId'>,
): Promise<string[]> {
  const members = await repos.members.list(notice.workspaceId);
  const emails = new Set(
    members.filter((m) => !m.removedAt && (m.role === 'owner' || m.role === 'admin')).map((m) => m.email),
  );
  if (notice.credentialId) {
    const key = await repos.apiKeys.findById(notice.workspaceId, notice.credentialId);
    const owner = key && members.find((m) => m.id === key.memberId && !m.removedAt);
    if (owner) emails.add(owner.email);
  }
  return [...emails].sort();
}

export function createDelivery(deps: DeliveryDeps) {
  const { store, clock, ids } = deps;

  /** Queues the notice to every recipient and endpoint (inside the caller's transaction). */
  async function enqueue(
    repos: Pick<Repositories, 'deliveries' | 'webhooks' | 'members' | 'apiKeys'>,
    notice: Notice,
  ): Promise<DeliveryRow[]> {
    const now = clock.now().toISOString();
    const payload = JSON.stringify(payloadOf(notice));
    const targets: { channel: 'email' | 'webhook'; target: string }[] = [];
    if (deps.email)
      for (const to of await recipientsOf(repos, notice)) targets.push({ channel: 'email', target: to });
    for (const endpoint of await repos.webhooks.list(notice.workspaceId))
      targets.push({ channel: 'webhook', target: endpoint.id });
    const queued: DeliveryRow[] = [];
    for (const { channel, target } of targets) {
      const row: DeliveryRow = {
        id: ids('delivery'),
        workspaceId: notice.workspaceId,
        channel,
        target,
        notice: notice.key,
        kind: notice.kind,
        payload,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        lastError: null,
        createdAt: now,
        deliveredAt: null,
      };
      if (await repos.deliveries.insertIfNew(row)) queued.push(row);
    }
    return queued;
  }

  async function send(row: DeliveryRow): Promise<void> {
    const payload = JSON.parse(row.payload) as NoticePayload;
    if (row.channel === 'email') {
      if (!deps.email) throw new Error('email is not configured (smtpUrl)');
      await deps.email.send({ to: row.target, subject: payload.subject, text: payload.text });
      return;
    }
    const endpoint = await store.webhooks.find(row.workspaceId, row.target);
    if (!endpoint) throw new PermanentError('the webhook endpoint was removed');
    const secret = openSecret(deps.sealKey, endpoint.id, endpoint.secretSealed);
    const body = JSON.stringify({
      type: `taskgate.${payload.kind}`,
      timestamp: payload.occurredAt,
      data: { ...payload.data, subject: payload.subject, text: payload.text, links: payload.links },
    });
    // The delivery id is the message id on every attempt, so a receiver drops a repeat.
    await postWebhook(endpoint.url, signWebhook(secret, row.id, deps.wallClock.now(), body), deps.urlPolicy);
  }

  /** Takes the delivery (if still due and nobody else has) and attempts it; returns the new row. */
  async function attempt(row: DeliveryRow): Promise<DeliveryRow | null> {
    const now = clock.now();
    const taken = await store.deliveries.claim(
      row.id,
      now.toISOString(),
      new Date(now.getTime() + CLAIM_MS).toISOString(),
    );
    if (!taken) return null;
    const attempts = row.attempts + 1;
    let outcome: Pick<DeliveryRow, 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'deliveredAt'>;
    try {
      await send(row);
      outcome = {
        status: 'delivered',
        attempts,
        nextAttemptAt: null,
        lastError: null,
        deliveredAt: now.toISOString(),
      };
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).slice(0, ERROR_MAX);
      const delay = error instanceof PermanentError ? undefined : RETRY_DELAYS_MS[attempts - 1];
      outcome =
        delay === undefined
          ? { status: 'failed', attempts, nextAttemptAt: null, lastError: message, deliveredAt: null }
          : {
              status: 'pending',
              attempts,
              nextAttemptAt: new Date(now.getTime() + delay).toISOString(),
              lastError: message,
              deliveredAt: null,
            };
    }
    await store.deliveries.settle(row.id, outcome);
    return { ...row, ...outcome };
  }

  return {
    enqueue,
    attempt,
    /** Attempts every due delivery (the send job). */
    async deliverDue(): Promise<number> {
      let sent = 0;
      for (;;) {
        const due = await store.deliveries.due(clock.now().toISOString(), BATCH);
        for (const row of due) if (await attempt(row)) sent++;
        if (due.length < BATCH) return sent;
      }
    },
  };
}

export type Delivery = ReturnType<typeof createDelivery>;

/** A failure retrying cannot fix. */
class PermanentError extends Error {}
