/**
 * Console actions on `/admin/notifications` (owners and admins; a member or viewer gets the
 * unknown page): add a webhook endpoint, remove one (both in sudo mode) and send a test. They
 * call the same webhook service `taskgate webhooks` does, acting as the signed-in member.
 * SECURITY: the URL is vetted by the service (https, no private or metadata address, at most
 * 2,000 printable characters) before anything is stored; a refusal comes back beside the
 * field. The `whsec_` secret is on the add result page only: the service stores it sealed.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../core/index.js';
import type { WebhookService, WebhookView } from '../monitoring/index.js';
import { Field, mountAction } from './action.js';
import type { SignedInMember } from './session.js';

export const NOTIFICATIONS_PATH = '/admin/notifications';
export const WEBHOOK_ADD_PATH = '/admin/notifications/webhooks/new';
export const webhookRemovePath = (id: string) => `/admin/notifications/webhooks/${id}/remove`;
export const webhookTestPath = (id: string) => `/admin/notifications/webhooks/${id}/test`;

export const EMAIL_TEST_PATH = '/admin/notifications/email/test';

export type WebhookActionsPort = Pick<WebhookService, 'list' | 'add' | 'remove' | 'test' | 'testEmail'>;

// Raw text on purpose: the service's URL rules are the one place a URL is judged.
const addForm = z.object({ url: z.string({ error: 'is required' }) });
const noFields = z.object({});
const emailForm = z.object({ to: z.string({ error: 'is required' }) });

async function endpointOf(
  webhooks: WebhookActionsPort,
  c: Context,
  signedIn: SignedInMember,
): Promise<WebhookView> {
  const id = c.req.param('id') ?? '';
  const found = (await webhooks.list(signedIn.workspace.id, signedIn.member.id)).find((w) => w.id === id);
  if (!found) throw new AppError('not_found', `webhook ${id} not found`);
  return found;
}

const back = <a href={NOTIFICATIONS_PATH}>Back to notifications</a>;

export function mountWebhookActions(app: Hono, webhooks: WebhookActionsPort): void {
  mountAction(app, {
    path: WEBHOOK_ADD_PATH,
    current: NOTIFICATIONS_PATH,
    title: 'Add a webhook endpoint',
    page: 'notifications',
    event: 'webhook.added',
    sudo: true,
    schema: addForm,
    submitLabel: 'Add the endpoint',
    fields: ({ values, errors }) => (
      <>
        <p>
          Taskgate posts alerts to this https:// URL, signed with Standard Webhooks. The signing secret is
          shown once, on the next page.
        </p>
        <Field name="url" label="Endpoint URL" value={values.url} error={errors.url} />
      </>
    ),
    run: async (input, { signedIn }) => {
      const added = await webhooks.add(signedIn.workspace.id, input.url, signedIn.member.id);
      return {
        title: 'Webhook endpoint added',
        body: (
          <>
            <p role="status">
              Endpoint <code>{added.id}</code> posts to {added.url}.
            </p>
            <p class="error">
              This is the only time the signing secret is shown. Copy it now into the receiver's
              configuration: it cannot be shown again.
            </p>
            <div class="field">
              <label for="new-secret">Signing secret</label>
              <input
                id="new-secret"
                type="text"
                readonly
                value={added.secret}
                autocomplete="off"
                spellcheck={false}
              />
            </div>
            <p>
              <button type="button" data-copy="new-secret">
                Copy
              </button>
            </p>
            <p>
              <a href={webhookTestPath(added.id)}>Send a test</a> · {back}
            </p>
          </>
        ),
      };
    },
  });

  mountAction(app, {
    path: '/admin/notifications/webhooks/:id/remove',
    current: NOTIFICATIONS_PATH,
    title: 'Remove a webhook endpoint',
    page: 'notifications',
    event: 'webhook.removed',
    sudo: true,
    subject: (c, signedIn) => endpointOf(webhooks, c, signedIn),
    schema: noFields,
    submitLabel: 'Remove the endpoint',
    fields: ({ subject }) => (
      <p>
        Stop sending notifications to {subject.url} (<code>{subject.id}</code>).
      </p>
    ),
    run: async (_input, { signedIn, subject }) => {
      const removed = await webhooks.remove(signedIn.workspace.id, subject.id, signedIn.member.id);
      return {
        title: 'Webhook endpoint removed',
        body: (
          <>
            <p role="status">Notifications are no longer sent to {removed.url}.</p>
            <p>{back}</p>
          </>
        ),
      };
    },
  });

  mountAction(app, {
    path: '/admin/notifications/webhooks/:id/test',
    current: NOTIFICATIONS_PATH,
    title: 'Send a test notification',
    page: 'notifications',
    event: 'webhook.tested',
    sudo: false,
    subject: (c, signedIn) => endpointOf(webhooks, c, signedIn),
    schema: noFields,
    submitLabel: 'Send a test',
    fields: ({ subject }) => <p>Send a signed test notification to {subject.url} now.</p>,
    run: async (_input, { signedIn, subject }) => {
      const sent = await webhooks.test(signedIn.workspace.id, subject.id, signedIn.member.id);
      return {
        title: sent.status === 'delivered' ? 'Test delivered' : 'Test not delivered',
        body: (
          <>
            <p role="status">
              Test to {subject.url}: <strong>{sent.status}</strong> after {sent.attempts} attempt
              {sent.attempts === 1 ? '' : 's'}
              {sent.lastError ? ` (last error: ${sent.lastError})` : ''}.
            </p>
            {sent.status === 'pending' && sent.nextAttemptAt && <p>Next attempt at {sent.nextAttemptAt}.</p>}
            <p>{back}</p>
          </>
        ),
      };
    },
  });

  mountAction(app, {
    path: EMAIL_TEST_PATH,
    current: NOTIFICATIONS_PATH,
    title: 'Send a test email',
    page: 'notifications',
    event: 'notification.email_tested',
    sudo: false,
    schema: emailForm,
    submitLabel: 'Send a test email',
    fields: ({ signedIn, values, errors }) => (
      <Field
        name="to"
        label="A member's email address"
        type="email"
        value={values.to ?? signedIn.member.email}
        error={errors.to}
      />
    ),
    run: async (input, { signedIn }) => {
      const sent = await webhooks.testEmail(signedIn.workspace.id, input.to, signedIn.member.id);
      return {
        title: sent.status === 'delivered' ? 'Test email sent' : 'Test email not sent',
        body: (
          <>
            <p role="status">
              Test email to {sent.target}: <strong>{sent.status}</strong>
              {sent.lastError ? ` (last error: ${sent.lastError})` : ''}.
            </p>
            <p>{back}</p>
          </>
        ),
      };
    },
  });
}
