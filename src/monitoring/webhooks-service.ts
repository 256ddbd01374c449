/**
 * A workspace's webhook endpoints and its delivery log, for the console and the CLI.
 * Owners and admins only (`null` is the local command line). Adding checks the URL
 * (webhooks-url.ts) before anything is stored, generates the signing secret and returns it
 * once; adding and removing are audited. "Send test" queues a `test` notice to the endpoint
 * and attempts it at once, returning the delivery as the log shows it.
 */
import type { AuditLog } from '../audit/index.js';
import { AppError, type Clock, type IdGenerator, invalidInput } from '../core/index.js';
import { canManageMembers, resolveWorkspace } from '../domain/index.js';
import type { Workspace } from '../model/index.js';
import type { DeliveryChannel, DeliveryRow, Store } from '../storage/index.js';
import type { Delivery } from './notify-deliver.js';
import { noticeText } from './notify-notice.js';
import { newWebhookSecret, sealSecret } from './webhooks-secret.js';
import { type UrlPolicy, vetWebhookUrl } from './webhooks-url.js';

export const WEBHOOK_ADDED_ACTION = 'webhook.added';
export const WEBHOOK_REMOVED_ACTION = 'webhook.removed';
export const MAX_WEBHOOKS = 10;

export interface WebhookView {
  readonly id: string;
  readonly url: string;
  readonly createdAt: string;
}

export interface DeliveryView extends Omit<DeliveryRow, 'payload' | 'workspaceId'> {
  readonly subject: string;
}

export function createWebhookService(deps: {
  readonly store: Pick<
    Store,
    'workspaces' | 'members' | 'webhooks' | 'deliveries' | 'apiKeys' | 'transaction'
  >;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly sealKey: Buffer;
  readonly urlPolicy: UrlPolicy;
  readonly delivery: Delivery;
  readonly publicUrl: string;
  readonly emailConfigured?: boolean;
}) {
  const { store, audit, clock, ids } = deps;

  async function authorize(workspaceRef: string, memberId: string | null): Promise<Workspace> {
    const workspace = await resolveWorkspace(store, workspaceRef);
    if (memberId === null) return workspace;
    const member = await store.members.findById(workspace.id, memberId);
    if (!member || member.removedAt) throw new AppError('not_found', `workspace ${workspaceRef} not found`);
    if (!canManageMembers(member.role))
      throw new AppError(
        'forbidden',
        `your role (${member.role}) cannot manage notifications; ask an owner or admin`,
      );
    return workspace;
  }

  const view = (row: { id: string; url: string; createdAt: string }): WebhookView => ({
    id: row.id,
    url: row.url,
    createdAt: row.createdAt,
  });

  /** A test notice to one target now; the delivery log keeps it (and retries it). */
  async function sendTest(
    workspace: Workspace,
    to: { readonly channel: DeliveryChannel; readonly target: string },
    lines: readonly string[],
    data: Record<string, string> = {},
  ): Promise<DeliveryView> {
    const at = clock.now().toISOString();
    const links = [`${deps.publicUrl}/admin/notifications`];
    const row: DeliveryRow = {
      id: ids('delivery'),
      workspaceId: workspace.id,
      ...to,
      notice: `test:${ids('delivery')}`,
      kind: 'test',
      payload: JSON.stringify({
        kind: 'test',
        subject: `[Taskgate ${workspace.slug}] Test notification`,
        text: noticeText([`Workspace: ${workspace.slug}`, ...lines], links),
        links,
        data: { workspace: workspace.slug, ...data },
        occurredAt: at,
      }),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: at,
      lastError: null,
      createdAt: at,
      deliveredAt: null,
    };
    await store.deliveries.insertIfNew(row);
    return toView((await deps.delivery.attempt(row)) ?? row);
  }

  return {
    async list(workspaceRef: string, memberId: string | null): Promise<WebhookView[]> {
      const workspace = await authorize(workspaceRef, memberId);
      return (await store.webhooks.list(workspace.id)).map(view);
    },

    /** Adds an endpoint; the returned `secret` is shown once and never again. */
    async add(
      workspaceRef: string,
      url: string,
      memberId: string | null,
    ): Promise<WebhookView & { secret: string }> {
      const workspace = await authorize(workspaceRef, memberId);
      const vetted = await vetWebhookUrl(url, deps.urlPolicy);
      const id = ids('webhook');
      const secret = newWebhookSecret();
      const createdAt = clock.now().toISOString();
      await store.transaction(async (repos) => {
        await repos.webhooks.lock(workspace.id);
        if ((await repos.webhooks.list(workspace.id)).length >= MAX_WEBHOOKS)
          throw new AppError(
            'conflict',
            `a workspace has at most ${MAX_WEBHOOKS} webhook endpoints; remove one first`,
          );
        await repos.webhooks.insert({
          id,
          workspaceId: workspace.id,
          url: vetted.url.href,
          secretSealed: sealSecret(deps.sealKey, id, secret),
          createdAt,
          createdBy: memberId,
        });
        await audit.record(repos, {
          action: WEBHOOK_ADDED_ACTION,
          outcome: 'ok',
          workspaceId: workspace.id,
          memberId,
          environment: workspace.environment,
          detail: { webhookId: id, url: vetted.url.href },
        });
      });
      return { id, url: vetted.url.href, createdAt, secret };
    },

    async remove(workspaceRef: string, id: string, memberId: string | null): Promise<WebhookView> {
      const workspace = await authorize(workspaceRef, memberId);
      return store.transaction(async (repos) => {
        const row = await repos.webhooks.find(workspace.id, id);
        if (!row || !(await repos.webhooks.remove(workspace.id, id)))
          throw new AppError('not_found', `webhook ${id} not found in ${workspace.slug}`);
        await audit.record(repos, {
          action: WEBHOOK_REMOVED_ACTION,
          outcome: 'ok',
          workspaceId: workspace.id,
          memberId,
          environment: workspace.environment,
          detail: { webhookId: id, url: row.url },
        });
        return view(row);
      });
    },

    /** Sends a test notice to one endpoint now; the delivery log keeps it (and retries it). */
    async test(workspaceRef: string, id: string, memberId: string | null): Promise<DeliveryView> {
      const workspace = await authorize(workspaceRef, memberId);
      const endpoint = await store.webhooks.find(workspace.id, id);
      if (!endpoint) throw new AppError('not_found', `webhook ${id} not found in ${workspace.slug}`);
      return sendTest(
        workspace,
        { channel: 'webhook', target: endpoint.id },
        ['This is a test from Taskgate: your endpoint receives signed notifications.'],
        { webhookId: endpoint.id },
      );
    },

    /** Emails a test notice to a current member now (only them: never an address typed freely). */
    async testEmail(workspaceRef: string, to: string, memberId: string | null): Promise<DeliveryView> {
      const workspace = await authorize(workspaceRef, memberId);
      if (!deps.emailConfigured)
        throw new AppError('conflict', 'email is not configured: set TASKGATE_SMTP_URL');
      const recipient = await store.members.findByEmail(workspace.id, to.trim().toLowerCase());
      if (!recipient || recipient.removedAt)
        throw invalidInput([{ field: 'to', message: `must be a member of ${workspace.slug}` }]);
      return sendTest(workspace, { channel: 'email', target: recipient.email }, [
        'This is a test from Taskgate: notification email reaches you.',
      ]);
    },

    /** The delivery log, newest first. */
    async log(
      workspaceRef: string,
      memberId: string | null,
      query: { readonly limit?: number; readonly before?: string } = {},
    ): Promise<DeliveryView[]> {
      const workspace = await authorize(workspaceRef, memberId);
      const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
      const rows = await store.deliveries.list(workspace.id, {
        limit,
        ...(query.before !== undefined && { before: query.before }),
      });
      return rows.map(toView);
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;

function toView(row: DeliveryRow): DeliveryView {
  const { payload, workspaceId: _workspace, ...rest } = row;
  let subject = '';
  try {
    subject = String((JSON.parse(payload) as { subject?: unknown }).subject ?? '');
  } catch {
    subject = '';
  }
  return { ...rest, subject };
}
