/**
 * Notifications put together: the delivery queue, the dispatcher over the audit log, the
 * reminders and the weekly digest, the webhook endpoints' service, and the four scheduled
 * jobs that drive them. `runDueJobs()` is all a server (or a test) calls.
 */
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/index.js';
import { type Clock, type IdGenerator, systemClock } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { createDigests } from './digest.js';
import { createEmailTransport, type EmailTransport } from './email-transport.js';
import { createJobRunner, every, type Job, type JobRunner, nextWeekly } from './jobs.js';
import { createDelivery, type Delivery } from './notify-deliver.js';
import { createDispatcher } from './notify-dispatch.js';
import { createReminders } from './notify-reminders.js';
import { createWebhookService, type WebhookService } from './webhooks-service.js';
import type { BlockedRange, Resolve } from './webhooks-url.js';

export const NOTIFY_JOBS = {
  dispatch: 'notify.dispatch',
  deliver: 'notify.deliver',
  reminders: 'notify.reminders',
  digest: 'notify.digest',
} as const;

const MINUTE = 60_000;

export interface NotificationsDeps {
  readonly store: Store;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly publicUrl: string;
  /** Key that seals webhook secrets (derived from the instance secret). */
  readonly sealKey: Buffer;
  /** `smtp://…` / `smtps://…`; without it no email is queued. */
  readonly smtpUrl?: string | undefined;
  readonly notifyFrom: string;
  /** SSRF: the addresses webhooks may not reach (src/oauth's blockedRange). */
  readonly blockedRange: BlockedRange;
  /** Test only: `host:port` pairs exempt from the address check (and allowed over http). */
  readonly webhookTestHosts?: readonly string[];
  readonly resolve?: Resolve;
  /** This instance's name for job leases. */
  readonly instanceId: string;
  /** Signature timestamps (receivers compare them with their clock); default the system's. */
  readonly wallClock?: Clock;
  readonly email?: EmailTransport;
  readonly logger?: Logger;
}

export interface Notifications {
  readonly webhooks: WebhookService;
  readonly delivery: Delivery;
  readonly jobs: JobRunner;
  readonly emailConfigured: boolean;
  /** Runs every due job this instance wins the lease of; returns their names. */
  runDueJobs(): Promise<string[]>;
  close(): void;
}

export function createNotifications(deps: NotificationsDeps): Notifications {
  const { store, clock, publicUrl } = deps;
  const email = deps.email ?? (deps.smtpUrl ? createEmailTransport(deps.smtpUrl, deps.notifyFrom) : null);
  const urlPolicy = {
    blockedRange: deps.blockedRange,
    testHosts: deps.webhookTestHosts ?? [],
    ...(deps.resolve && { resolve: deps.resolve }),
  };
  const delivery = createDelivery({
    store,
    clock,
    wallClock: deps.wallClock ?? systemClock,
    ids: deps.ids,
    email,
    sealKey: deps.sealKey,
    urlPolicy,
  });
  const dispatcher = createDispatcher({ store, delivery, publicUrl });
  const reminders = createReminders({ store, delivery, publicUrl });
  const digests = createDigests({ store, delivery, publicUrl });
  const webhooks = createWebhookService({
    store,
    audit: deps.audit,
    clock,
    ids: deps.ids,
    sealKey: deps.sealKey,
    urlPolicy,
    delivery,
    publicUrl,
    emailConfigured: email !== null,
  });
  const now = (at: Date) => at;
  const jobs: Job[] = [
    {
      name: NOTIFY_JOBS.dispatch,
      first: now,
      next: every(MINUTE / 2),
      leaseMs: 5 * MINUTE,
      run: () => dispatcher.dispatch().then(() => undefined),
    },
    // After the dispatcher in the list, so a run queues and sends in one pass.
    {
      name: NOTIFY_JOBS.deliver,
      first: now,
      next: every(MINUTE / 2),
      leaseMs: 10 * MINUTE,
      run: () => delivery.deliverDue().then(() => undefined),
    },
    {
      name: NOTIFY_JOBS.reminders,
      first: now,
      next: every(60 * MINUTE),
      leaseMs: 10 * MINUTE,
      run: (at) => reminders.remind(at).then(() => undefined),
    },
    // Mondays 08:00 UTC.
    {
      name: NOTIFY_JOBS.digest,
      first: (at) => nextWeekly(at, 1, 8),
      next: (at) => nextWeekly(at, 1, 8),
      leaseMs: 30 * MINUTE,
      run: (at) => digests.send(at).then(() => undefined),
    },
  ];
  const runner = createJobRunner({
    store,
    clock,
    owner: deps.instanceId,
    jobs,
    ...(deps.logger && { logger: deps.logger }),
  });
  return {
    webhooks,
    delivery,
    jobs: runner,
    emailConfigured: email !== null,
    runDueJobs: () => runner.runDueJobs(),
    close: () => email?.close(),
  };
}
