/** Shared plumbing for commands: config from flags + env, and an app opened for one command. */
import { type App, createApp, createLogger } from '../app.js';
import type { SigningKeyCheck } from '../audit/index.js';
import { type Config, type ConfigFlags, loadConfig } from '../config/index.js';
import { AppError } from '../core/index.js';
import type { CliIo, CommonOptions } from './io.js';
import { defaultDataDir } from './project-root.js';
import { recallPublicUrl } from './remembered-public-url.js';
import { ensureSecretKey, readSecretKey } from './secret-key.js';

/** A command's config, with how it treats a database another key signed (see assertSigningKey). */
export interface CommandConfig extends Config {
  /** A command that only reads: it never creates a database or a secret. */
  readonly readOnly?: boolean;
  readonly signingKey?: SigningKeyCheck;
}

/**
 * Commands other than `serve` print the public URL `serve` last ran with on the same database
 * (remembered-public-url.ts) unless TASKGATE_PUBLIC_URL or --public-url names one.
 * Every command runs with the instance secret, so what a command writes to the audit log is
 * masked and signed exactly as the server would. Commands that write read it or create it;
 * `access: 'read'` commands (audit verify|query|export, keys list, incident report) only read
 * it, and without one they are refused on a database that holds checkpoints.
 */
export function configFor(
  io: CliIo,
  options: CommonOptions,
  flags: ConfigFlags = {},
  access: 'read' | 'write' = 'write',
  { rememberedUrl = true }: { rememberedUrl?: boolean } = {},
): CommandConfig {
  const sources = {
    env: io.env,
    flags: { databaseUrl: options.db, ...flags },
    defaultDataDir: defaultDataDir(io.cwd ?? process.cwd()),
  };
  let loaded = loadConfig(sources);
  const explicitUrl = flags.publicUrl !== undefined || Boolean(io.env.TASKGATE_PUBLIC_URL?.trim());
  const remembered = rememberedUrl && !explicitUrl ? recallPublicUrl(loaded) : undefined;
  if (remembered !== undefined) {
    try {
      loaded = loadConfig({ ...sources, flags: { ...sources.flags, publicUrl: remembered } });
    } catch {
      // A damaged record is ignored: the default URL is better than a refusal to run.
    }
  }
  const acceptNewSecret = options.acceptNewSecret === true;
  if (access === 'write') return { ...ensureSecretKey(loaded), signingKey: { acceptNewSecret } };
  const { config, missing } = readSecretKey(loaded);
  const secretMissing = missing && `${missing} is missing`;
  return {
    ...config,
    readOnly: true,
    signingKey: { acceptNewSecret, readOnly: true, ...(secretMissing && { secretMissing }) },
  };
}

/**
 * For a command whose answer is derived from the secret (`audit keys`, `audit hash`): it only
 * reads, and without the secret it refuses. SECURITY: a key or HMAC from a secret made up on
 * the spot would look valid and match nothing the database holds.
 */
export function configWithSecret(io: CliIo, options: CommonOptions): CommandConfig {
  const config = configFor(io, options, {}, 'read');
  if (config.secretKey) return config;
  throw new AppError(
    'invalid_input',
    `${config.signingKey?.secretMissing ?? 'the instance secret is missing'}. Restore it (or set TASKGATE_SECRET_KEY); this command does not create one, and its answer is derived from it.`,
  );
}

/** Opens the app (migrating the database), runs `work`, and always closes it. */
export async function withApp<T>(
  io: CliIo,
  config: CommandConfig,
  work: (app: App) => Promise<T>,
): Promise<T> {
  const app = await openApp(io, config, { oneShot: true });
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

export function openApp(io: CliIo, config: CommandConfig, options: { oneShot?: boolean } = {}): Promise<App> {
  // One-shot commands log only warnings unless asked: their result is what they print.
  const logger = createLogger(options.oneShot && !io.env.TASKGATE_LOG_LEVEL ? 'warn' : config.logLevel);
  const { signingKey, readOnly, ...appConfig } = config;
  return createApp(Object.freeze(appConfig), {
    logger,
    ...(io.clock && { clock: io.clock }),
    ...(io.random && { random: io.random }),
    database: { create: readOnly !== true, onCreated: (file) => announceCreated(io, file) },
    ...(signingKey && { signingKey }),
  });
}

/** On stderr, so that `--json` output stays one JSON document. */
export function announceCreated(io: CliIo, file: string): void {
  io.stderr.write(`taskgate: created new database at ${file}\n`);
}
