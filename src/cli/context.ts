/** Shared plumbing for commands: config from flags + env, and an app opened for one command. */
import { type App, createApp, createLogger } from '../app.js';
import { type Config, type ConfigFlags, loadConfig } from '../config/index.js';
import type { CliIo, CommonOptions } from './io.js';
import { defaultDataDir } from './project-root.js';
import { ensureSecretKey } from './secret-key.js';

/**
 * Every command runs with the instance secret (read or created in the data dir), so what a
 * command writes to the audit log is masked and signed exactly as the server would.
 */
export function configFor(io: CliIo, options: CommonOptions, flags: ConfigFlags = {}): Config {
  return ensureSecretKey(
    loadConfig({
      env: io.env,
      flags: { databaseUrl: options.db, ...flags },
      defaultDataDir: defaultDataDir(io.cwd ?? process.cwd()),
    }),
  );
}

export interface OpenAppOptions {
  /** Commands whose result is what they print log only warnings unless asked. */
  readonly oneShot?: boolean;
  /** A command that only reads: a missing SQLite file is "no such database", never created. */
  readonly readOnly?: boolean;
}

/** For `withApp(…, READ_ONLY)`: the commands that report on a database and change nothing. */
export const READ_ONLY: OpenAppOptions = Object.freeze({ readOnly: true });

/** Opens the app (migrating the database), runs `work`, and always closes it. */
export async function withApp<T>(
  io: CliIo,
  config: Config,
  work: (app: App) => Promise<T>,
  options: OpenAppOptions = {},
): Promise<T> {
  const app = await openApp(io, config, { ...options, oneShot: true });
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

export function openApp(io: CliIo, config: Config, options: OpenAppOptions = {}): Promise<App> {
  const logger = createLogger(options.oneShot && !io.env.TASKGATE_LOG_LEVEL ? 'warn' : config.logLevel);
  return createApp(config, {
    logger,
    ...(io.clock && { clock: io.clock }),
    ...(io.random && { random: io.random }),
    database: { create: options.readOnly !== true, onCreated: (file) => announceCreated(io, file) },
  });
}

/** On stderr, so that `--json` output stays one JSON document. */
export function announceCreated(io: CliIo, file: string): void {
  io.stderr.write(`taskgate: created new database at ${file}\n`);
}
