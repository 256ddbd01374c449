/** Shared plumbing for commands: config from flags + env, and an app opened for one command. */
import { type App, createApp, createLogger } from '../app.js';
import { type Config, type ConfigFlags, loadConfig } from '../config/index.js';
import type { CliIo, CommonOptions } from './io.js';
import { ensureSecretKey } from './secret-key.js';

/**
 * Every command runs with the instance secret (read or created in the data dir), so what a
 * command writes to the audit log is masked and signed exactly as the server would.
 */
export function configFor(io: CliIo, options: CommonOptions, flags: ConfigFlags = {}): Config {
  return ensureSecretKey(loadConfig({ env: io.env, flags: { databaseUrl: options.db, ...flags } }));
}

/** Opens the app (migrating the database), runs `work`, and always closes it. */
export async function withApp<T>(io: CliIo, config: Config, work: (app: App) => Promise<T>): Promise<T> {
  const app = await openApp(io, config, { oneShot: true });
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

export function openApp(io: CliIo, config: Config, options: { oneShot?: boolean } = {}): Promise<App> {
  // One-shot commands log only warnings unless asked: their result is what they print.
  const logger = createLogger(options.oneShot && !io.env.TASKGATE_LOG_LEVEL ? 'warn' : config.logLevel);
  return createApp(config, {
    logger,
    ...(io.clock && { clock: io.clock }),
    ...(io.random && { random: io.random }),
  });
}
