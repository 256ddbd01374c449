/**
 * `/admin/notifications`: whether email is configured, the workspace's webhook endpoints and
 * the delivery log (status, attempts, last error). Owners and admins only (the page table in
 * nav.ts); the same service `taskgate webhooks` and `taskgate notifications log` call. Adding,
 * removing and testing endpoints are actions (notifications-actions.tsx).
 */
import type { Hono } from 'hono';
import type { DeliveryView, WebhookService } from '../monitoring/index.js';
import { renderPage } from './layout.js';
import { gate } from './not-found.js';
import {
  EMAIL_TEST_PATH,
  mountWebhookActions,
  NOTIFICATIONS_PATH,
  WEBHOOK_ADD_PATH,
  webhookRemovePath,
  webhookTestPath,
} from './notifications-actions.js';

export { EMAIL_TEST_PATH, NOTIFICATIONS_PATH, WEBHOOK_ADD_PATH, webhookRemovePath, webhookTestPath };

export interface NotificationsPageDeps {
  readonly webhooks: Pick<WebhookService, 'list' | 'log' | 'add' | 'remove' | 'test' | 'testEmail'>;
  readonly emailConfigured: boolean;
}

function Log(props: { rows: readonly DeliveryView[] }) {
  if (props.rows.length === 0) return <p>No notifications sent yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Queued</th>
          <th scope="col">Notice</th>
          <th scope="col">Channel</th>
          <th scope="col">To</th>
          <th scope="col">Status</th>
          <th scope="col">Attempts</th>
          <th scope="col">Last error</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((d) => (
          <tr>
            <td>{d.createdAt}</td>
            <td>{d.subject || d.kind}</td>
            <td>{d.channel}</td>
            <td>{d.target}</td>
            <td>
              {d.status === 'pending' && d.nextAttemptAt ? `pending (next ${d.nextAttemptAt})` : d.status}
            </td>
            <td>{d.attempts}</td>
            <td>{d.lastError ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function mountNotifications(app: Hono, deps: NotificationsPageDeps): void {
  mountWebhookActions(app, deps.webhooks);
  app.get(NOTIFICATIONS_PATH, async (c) => {
    const signedIn = await gate(c, 'notifications');
    if (signedIn instanceof Response) return signedIn;
    const { member, workspace } = signedIn;
    const endpoints = await deps.webhooks.list(workspace.id, member.id);
    const log = await deps.webhooks.log(workspace.id, member.id, { limit: 100 });
    return renderPage(
      c,
      { title: 'Notifications', signedIn, current: NOTIFICATIONS_PATH },
      <>
        <section aria-labelledby="email-heading">
          <h2 id="email-heading">Email</h2>
          <p>
            {deps.emailConfigured
              ? 'Email is configured: owners, admins and the key’s owner are emailed.'
              : 'Email is not configured: set TASKGATE_SMTP_URL to email owners, admins and key owners.'}
          </p>
          {deps.emailConfigured && (
            <p>
              <a href={EMAIL_TEST_PATH}>Send a test email</a>
            </p>
          )}
        </section>
        <section aria-labelledby="webhooks-heading">
          <h2 id="webhooks-heading">Webhook endpoints</h2>
          {endpoints.length === 0 ? (
            <p>No webhook endpoints.</p>
          ) : (
            <ul>
              {endpoints.map((w) => (
                <li>
                  <code>{w.id}</code> {w.url} (added {w.createdAt}) ·{' '}
                  <a href={webhookTestPath(w.id)}>Send test</a> · <a href={webhookRemovePath(w.id)}>Remove</a>
                </li>
              ))}
            </ul>
          )}
          <p>
            <a href={WEBHOOK_ADD_PATH}>Add a webhook endpoint</a> (or taskgate webhooks add --workspace{' '}
            {workspace.slug} --url https://…)
          </p>
        </section>
        <section aria-labelledby="log-heading">
          <h2 id="log-heading">Delivery log</h2>
          <Log rows={log} />
        </section>
      </>,
    );
  });
}
