/**
 * `taskgate serve` runs the HTTP server; `taskgate demo` (what `npm start` runs) first
 * seeds a demo workspace when the database is empty. Both stop gracefully on SIGINT/SIGTERM
 * (docs/deployment.md "Graceful shutdown"); main.ts ends the process on a second signal.
 */
import type { Command } from 'commander';
import type { PolicyPatch } from '../../admin/index.js';
import { type App, listen } from '../../app.js';
import type { Config } from '../../config/index.js';
import { createSeededRandom } from '../../core/index.js';
import { loginLinkUrl } from '../../credentials/index.js';
import { DEMO_WORKSPACE, type DemoSummary, seedDemoWorkspace } from '../../domain/index.js';
import { configFor, openApp } from '../context.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';
import { toListenError } from '../listen-error.js';
import { rememberPublicUrl } from '../remembered-public-url.js';

interface ServeOptions extends CommonOptions {
  readonly port?: string;
  readonly host?: string;
  readonly publicUrl?: string;
}

/** A fixed seed: every fresh demo shows the same tasks, which makes docs and screenshots stable. */
const DEMO_SEED = 20261127;
const DEMO_KEY_NAME = 'demo-quickstart';

/**
 * The demo shows what the product does with a write, not a development workspace where every
 * write runs at once (DESIGN §3 "Safe writes"): creates run, updates return a preview and a
 * confirmation token for `confirm_action`, deletes and bulk changes wait for a member's
 * approval in the browser. README "Quick start" states this policy; a test holds them equal.
 */
export const DEMO_POLICY = Object.freeze({
  create: 'none',
  update: 'token',
  delete: 'approve',
  bulk: 'approve',
} as const satisfies PolicyPatch);

type Seeded = DemoSummary & {
  readonly firstKey: { readonly name: string; readonly key: string };
  readonly loginLink: { readonly member: string; readonly url: string; readonly expiresAt: string };
};

export function registerServe(program: Command, io: CliIo): void {
  const withServerOptions = (command: Command) =>
    command
      .option('--port <port>', 'TCP port (default 8787, env TASKGATE_PORT)')
      .option('--host <host>', 'bind address (default 127.0.0.1, env TASKGATE_HOST)')
      .option('--public-url <url>', 'public origin (env TASKGATE_PUBLIC_URL)');

  withServerOptions(program.command('serve').description('run the HTTP server')).action(
    async (options: ServeOptions) => {
      await runServer(io, options, serverConfig(io, options), async () => undefined);
    },
  );

  withServerOptions(
    program
      .command('demo')
      .description('seed a demo workspace if the database is empty, then serve (npm start)'),
  ).action(async (options: ServeOptions) => {
    await runServer(io, options, serverConfig(io, options), async (app) => {
      if ((await app.domain.workspaces.list()).length > 0) return undefined;
      const summary = await seedDemoWorkspace(app.domain, app.clock, createSeededRandom(DEMO_SEED));
      // Set by the operator (no member), as `policy set` would be; audited as policy.changed.
      await app.policy.set(null, DEMO_WORKSPACE, DEMO_POLICY);
      // The first key is minted with the data and printed this once, like any key.
      const issued = await app.keys.create({
        workspace: DEMO_WORKSPACE,
        name: DEMO_KEY_NAME,
        environment: 'development',
        preset: 'standard',
      });
      // The owner has no password yet: a one-time link signs them in to the admin pages.
      const owner = (await app.memberAccounts.list(DEMO_WORKSPACE)).find((m) => m.role === 'owner')!;
      const link = await app.signIn.createLoginLink({ workspace: DEMO_WORKSPACE, email: owner.email });
      return {
        ...summary,
        firstKey: { name: issued.key.name, key: issued.secret },
        loginLink: {
          member: owner.email,
          url: loginLinkUrl(app.config.publicUrl, link.token),
          expiresAt: link.expiresAt,
        },
      };
    });
  });
}

function serverConfig(io: CliIo, options: ServeOptions): Config {
  // The server runs with what it is told, never with what an earlier run remembered.
  return configFor(
    io,
    options,
    { port: options.port, host: options.host, publicUrl: options.publicUrl },
    'write',
    { rememberedUrl: false },
  );
}

async function runServer(
  io: CliIo,
  options: ServeOptions,
  config: Config,
  prepare: (app: App) => Promise<Seeded | undefined>,
): Promise<void> {
  const app = await openApp(io, config);
  try {
    // Listen before seeding: a port in use must not leave a seeded demo whose first key
    // and sign-in link were never shown.
    const server = await listen(app).catch((error: unknown) => {
      throw toListenError(error, config);
    });
    let stopping = false;
    try {
      const remembered = rememberPublicUrl(config);
      if (!remembered.ok) {
        app.logger.warn({ reason: remembered.reason }, 'could not remember the public URL for the CLI');
      }
      await Promise.race([server.failed, announce(io, options, app, server.url, await prepare(app))]);
      app.logger.info({ url: server.url, database: app.store.kind }, 'listening');
      await Promise.race([server.failed, io.stopSignal ?? new Promise<void>(() => undefined)]);
      stopping = true;
      await server.shutdown();
    } finally {
      if (!stopping) await server.close();
    }
  } finally {
    // Flushes the audit writer and signs the last events, then closes the pool.
    await app.close();
  }
  app.logger.info('stopped');
}

async function announce(
  io: CliIo,
  options: ServeOptions,
  app: App,
  url: string,
  seeded: Seeded | undefined,
): Promise<void> {
  const config = app.config;
  const workspaces = await app.domain.workspaces.list();
  printResult(
    io,
    options,
    {
      url,
      publicUrl: config.publicUrl,
      database: app.store.kind,
      workspaces: workspaces.map((w) => w.slug),
      seeded,
    },
    banner(
      url,
      config,
      workspaces.map((w) => w.slug),
      seeded,
    ),
  );
}

function banner(url: string, config: Config, workspaces: string[], seeded: Seeded | undefined): string {
  const lines = [
    `Taskgate is listening on ${url} (database ${config.databaseUrl.replace(/\/\/[^@/]*@/, '//…@')})`,
  ];
  if (seeded) {
    lines.push(
      `Created the demo workspace "${DEMO_WORKSPACE}": ${seeded.members} members, ${seeded.projects} projects,`,
      `${seeded.tasks} tasks, ${seeded.comments} comments, ${seeded.timeEntries} time entries.`,
      '',
      `A first API key, ${seeded.firstKey.name} (standard scopes), shown this once:`,
      '',
      `  ${seeded.firstKey.key}`,
      '',
      `MCP endpoint: ${config.publicUrl}/mcp  (header "Authorization: Bearer <key>")`,
      '  or connect a client by OAuth with just that URL: it asks you to sign in and consent.',
      '',
      `Writes in the demo: creates run at once, updates return a preview and a confirmation token`,
      `(confirm_action), deletes and bulk changes wait for approval at ${config.publicUrl}/admin/approvals.`,
      '  Change it: npx taskgate policy set --workspace demo --update none (see policy show).',
      '',
      `Admin pages: sign in as ${seeded.loginLink.member} with this one-time link (15 minutes, works once):`,
      '',
      `  ${seeded.loginLink.url}`,
      '',
    );
  }
  lines.push(
    `Workspaces: ${workspaces.length ? workspaces.join(', ') : 'none yet'}`,
    '',
    'Next:',
    `  curl ${url}/readyz                      check the server and its database`,
    '  npx taskgate keys create --workspace demo --name cursor-work-laptop --env development --client cursor',
    '                                           one key per assistant and machine, with its client config',
    '  npx taskgate init --workspace acme --owner you@example.com   create your own workspace',
    `  npx taskgate members login-link --workspace <slug> --email <email>   sign in to ${config.publicUrl}/login`,
    '  Press Ctrl+C to stop.',
  );
  return lines.join('\n');
}
