/**
 * `taskgate webhooks add|list|remove|test` and `taskgate notifications log`: a workspace's
 * webhook endpoints and its delivery log from the command line, which acts as the operator
 * of the database (or, with `--as <email>`, as that member, who must be an owner or admin).
 * A refused URL exits 2 with the reason and stores nothing; the secret is printed once.
 */
import type { Command } from 'commander';
import type { App } from '../../app.js';
import type { DeliveryView } from '../../monitoring/index.js';
import { configFor, withApp } from '../context.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';

interface WorkspaceOptions extends CommonOptions {
  readonly workspace: string;
  readonly as?: string;
}

const actor = async (app: App, options: WorkspaceOptions) =>
  options.as === undefined ? null : (await app.keys.actorFor(options.workspace, options.as)).memberId;

export function deliveryLine(d: DeliveryView): string {
  const next = d.status === 'pending' && d.nextAttemptAt ? ` next ${d.nextAttemptAt}` : '';
  const error = d.lastError ? ` — ${d.lastError}` : '';
  return `${d.createdAt}  ${d.status.padEnd(9)} ${d.channel.padEnd(7)} ${d.kind.padEnd(19)} ${d.target}  attempts ${d.attempts}${next}${error}`;
}

export function registerWebhooks(program: Command, io: CliIo): void {
  const run = <O extends CommonOptions>(options: O, work: (app: App) => Promise<void>) =>
    withApp(io, configFor(io, options), work);
  const webhooks = program
    .command('webhooks')
    .description('signed webhook endpoints that receive notifications');
  const workspaceOption = (c: Command) =>
    c
      .requiredOption('--workspace <slug>', 'workspace slug')
      .option('--as <email>', 'act as this member (an owner or admin), named in the audit log');

  workspaceOption(webhooks.command('add').description('add an endpoint; prints its signing secret once'))
    .requiredOption('--url <url>', 'https:// URL that receives the POSTs')
    .action((options: WorkspaceOptions & { url: string }) =>
      run(options, async (app) => {
        const added = await app.monitoring.notifications.webhooks.add(
          options.workspace,
          options.url,
          await actor(app, options),
        );
        printResult(
          io,
          options,
          added,
          `Added webhook ${added.id} → ${added.url}\nSigning secret (shown once; verify with any Standard Webhooks library):\n  ${added.secret}`,
        );
      }),
    );

  workspaceOption(webhooks.command('list').description("the workspace's endpoints")).action(
    (options: WorkspaceOptions) =>
      run(options, async (app) => {
        const list = await app.monitoring.notifications.webhooks.list(
          options.workspace,
          await actor(app, options),
        );
        printResult(
          io,
          options,
          list,
          list.length
            ? list.map((w) => `${w.id}  ${w.url}  added ${w.createdAt}`).join('\n')
            : 'No webhook endpoints.',
        );
      }),
  );

  workspaceOption(
    webhooks.command('remove').description('remove an endpoint').argument('<id>', 'whk_… id'),
  ).action((id: string, options: WorkspaceOptions) =>
    run(options, async (app) => {
      const removed = await app.monitoring.notifications.webhooks.remove(
        options.workspace,
        id,
        await actor(app, options),
      );
      printResult(io, options, removed, `Removed webhook ${removed.id} (${removed.url}).`);
    }),
  );

  workspaceOption(
    webhooks.command('test').description('send a signed test delivery now').argument('<id>', 'whk_… id'),
  ).action((id: string, options: WorkspaceOptions) =>
    run(options, async (app) => {
      const sent = await app.monitoring.notifications.webhooks.test(
        options.workspace,
        id,
        await actor(app, options),
      );
      printResult(io, options, sent, deliveryLine(sent));
    }),
  );

  const notifications = program
    .command('notifications')
    .description('notifications sent by email and webhook');
  workspaceOption(
    notifications.command('test-email').description('email a test notification to a workspace member now'),
  )
    .requiredOption('--to <email>', "a member's email address")
    .action((options: WorkspaceOptions & { to: string }) =>
      run(options, async (app) => {
        const sent = await app.monitoring.notifications.webhooks.testEmail(
          options.workspace,
          options.to,
          await actor(app, options),
        );
        printResult(io, options, sent, deliveryLine(sent));
      }),
    );
  workspaceOption(notifications.command('log').description('the delivery log, newest first'))
    .option('--limit <n>', 'how many (1-200, default 50)')
    .action((options: WorkspaceOptions & { limit?: string }) =>
      run(options, async (app) => {
        const log = await app.monitoring.notifications.webhooks.log(
          options.workspace,
          await actor(app, options),
          {
            ...(options.limit !== undefined && { limit: Number(options.limit) || 50 }),
          },
        );
        const email = app.monitoring.notifications.emailConfigured
          ? 'Email: configured (smtpUrl).'
          : 'Email: not configured (set TASKGATE_SMTP_URL).';
        printResult(
          io,
          options,
          { emailConfigured: app.monitoring.notifications.emailConfigured, deliveries: log },
          [email, ...(log.length ? log.map(deliveryLine) : ['No deliveries yet.'])].join('\n'),
        );
      }),
    );
}
