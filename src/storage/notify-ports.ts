/**
 * Notifications (src/monitoring): webhook endpoints, the delivery log, the dispatcher's
 * cursor in each audit chain, and the lease rows of scheduled jobs. Every claim is a
 * conditional UPDATE, so several instances on one database never both win it.
 */

export interface WebhookEndpointRow {
  readonly id: string;
  readonly workspaceId: string;
  readonly url: string;
  /** The signing secret, sealed by the monitoring layer. */
  readonly secretSealed: string;
  readonly createdAt: string;
  readonly createdBy: string | null;
}

export interface WebhookRepository {
  /** Inside a transaction: holds the workspace's endpoints until commit, so the cap holds under races. */
  lock(workspaceId: string): Promise<void>;
  insert(row: WebhookEndpointRow): Promise<void>;
  list(workspaceId: string): Promise<WebhookEndpointRow[]>;
  find(workspaceId: string, id: string): Promise<WebhookEndpointRow | undefined>;
  /** Returns whether it removed one. */
  remove(workspaceId: string, id: string): Promise<boolean>;
}

export type DeliveryChannel = 'email' | 'webhook';
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryRow {
  readonly id: string;
  readonly workspaceId: string;
  readonly channel: DeliveryChannel;
  /** An email address, or a webhook endpoint's id. */
  readonly target: string;
  /** What the delivery is about, unique per channel and target (`evt_…`, `rotation:key_…:7d`). */
  readonly notice: string;
  readonly kind: string;
  /** JSON text: the subject, text and data of the notice. */
  readonly payload: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly deliveredAt: string | null;
}

export interface DeliveryOutcome {
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastError: string | null;
  readonly deliveredAt: string | null;
}

export interface DeliveryRepository {
  /** Queues the delivery unless its notice already went (or waits) to that target; returns whether. */
  insertIfNew(row: DeliveryRow): Promise<boolean>;
  /** Pending deliveries whose next attempt is due at `now`, oldest first. */
  due(now: string, limit: number): Promise<DeliveryRow[]>;
  /** Takes a due pending delivery until `until` (its next attempt moves there); false if another did. */
  claim(id: string, now: string, until: string): Promise<boolean>;
  settle(id: string, outcome: DeliveryOutcome): Promise<void>;
  /** Newest first; `before` is an id (keyset paging). */
  list(
    workspaceId: string,
    query: { readonly limit: number; readonly before?: string },
  ): Promise<DeliveryRow[]>;
  find(workspaceId: string, id: string): Promise<DeliveryRow | undefined>;
}

export interface NotifyCursorRepository {
  /** Where the dispatcher stopped in `chain`; undefined for a chain it never read. */
  get(chain: string): Promise<number | undefined>;
  /** Moves the cursor from `from` to `to`; false if it was not at `from` (another instance moved it). */
  advance(chain: string, from: number | undefined, to: number): Promise<boolean>;
}

export interface JobRow {
  readonly name: string;
  readonly nextRunAt: string;
  readonly leaseOwner: string | null;
  readonly leaseUntil: string | null;
  readonly lastRunAt: string | null;
}

export interface JobRepository {
  /** Adds the job's row, first due at `nextRunAt`, unless it exists. */
  ensure(name: string, nextRunAt: string): Promise<void>;
  /** Leases a due job to `owner` until `until` unless another holds a live lease; returns whether. */
  acquire(name: string, owner: string, now: string, until: string): Promise<boolean>;
  /** Ends `owner`'s lease and sets the next run. */
  finish(
    name: string,
    owner: string,
    run: { readonly at: string; readonly nextRunAt: string },
  ): Promise<void>;
  list(): Promise<JobRow[]>;
}
