/**
 * Serving a built app: listening, the work a live server does on a timer (checkpoints,
 * pruning expired OAuth state), and stopping gracefully. Part of the composition root, beside
 * app.ts; it names what it needs of an app (`Servable`) instead of importing app.ts, which
 * re-exports `listen`.
 */
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ServerType, serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import { CHECKPOINT_EVERY_MS, type Checkpointer } from './audit/index.js';
import type { Config } from './config/index.js';
import { AppError } from './core/index.js';
import type { DrainSwitch } from './http/index.js';
import type { Notifications } from './monitoring/index.js';
import type { AuthorizationServer } from './oauth/index.js';

/** How often a server looks for due background jobs (their schedule is in the database). */
export const JOBS_TICK_MS = 15_000;

/** What serving needs of an `App` (named here, not imported, so app.ts may re-export `listen`). */
export interface Servable {
  readonly config: Pick<Config, 'host' | 'port' | 'shutdownDrainDelayMs' | 'shutdownTimeoutMs'>;
  readonly http: Pick<Hono, 'fetch'>;
  readonly oauth: Pick<AuthorizationServer, 'ready' | 'prune'>;
  readonly checkpointer: Pick<Checkpointer, 'checkpointAll'>;
  readonly logger: Logger;
  readonly monitoring: { readonly notifications: Pick<Notifications, 'runDueJobs'> };
  readonly drain: Pick<DrainSwitch, 'begin'>;
}

export interface RunningServer {
  /** The URL the server actually listens on (the real port when 0 was asked for). */
  readonly url: string;
  /**
   * SIGTERM: `/readyz` answers 503 for the drain delay while requests are still served, then
   * the listener closes, requests in flight get the shutdown timeout to finish, and idle
   * keep-alive connections are closed as soon as they are idle.
   */
  shutdown(): Promise<void>;
  /** At once (start-up failed): connections in flight are cut. */
  close(): Promise<void>;
  /**
   * Never resolves; rejects if the authorization server, loaded once the listener is up,
   * cannot be built. Whoever runs the server stops it then (exit non-zero): an instance that
   * could never answer an OAuth request must not stay in a load balancer's pool.
   */
  readonly failed: Promise<never>;
}

/** How often a shutting-down server closes the keep-alive connections that became idle. */
const IDLE_SWEEP_MS = 50;

export async function listen(app: Servable): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    const server: ServerType = serve(
      { fetch: app.http.fetch, hostname: app.config.host, port: app.config.port },
      (info) => {
        server.off('error', onError);
        const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
        // A quiet server still signs its latest events within a minute (and sheds expired
        // OAuth codes and tokens).
        const checkpoints = setInterval(() => void maintain(app), CHECKPOINT_EVERY_MS);
        checkpoints.unref();
        // Notifications, reminders, digests, webhook retries: each due job runs on one instance.
        let running: Promise<void> | undefined;
        const jobs = setInterval(() => {
          if (running) return;
          running = app.monitoring.notifications
            .runDueJobs()
            .then(() => undefined)
            .catch((error: unknown) => app.logger.error({ err: error }, 'background jobs failed'))
            .finally(() => {
              running = undefined;
            });
        }, JOBS_TICK_MS);
        jobs.unref();
        const stop = async (graceMs: number) => {
          clearInterval(checkpoints);
          clearInterval(jobs);
          await closeServer(server as Server, graceMs, app.logger);
          // A job half done would find the pool closed under it.
          await running;
          await checkpointNow(app);
        };
        // oidc-provider loads now, not before listening: building it costs a quarter of
        // start-up (docs/benchmarks.md). An OAuth request that comes first waits for it.
        const failed = app.oauth.ready().then(
          () => new Promise<never>(() => undefined),
          (error: unknown) => {
            const why = error instanceof Error ? error.message : String(error);
            throw new AppError('internal', `could not load the OAuth authorization server: ${why}`, {
              cause: error,
            });
          },
        );
        failed.catch(() => undefined); // handled by whoever awaits it; never an unhandled rejection
        resolve({
          url: `http://${host}:${info.port}`,
          failed,
          shutdown: async () => {
            const { shutdownDrainDelayMs: drainMs, shutdownTimeoutMs: timeoutMs } = app.config;
            app.drain.begin();
            app.logger.info({ drainMs, timeoutMs }, 'shutting down: /readyz answers 503');
            if (drainMs > 0) await sleep(drainMs);
            app.logger.info('shutting down: no new connections; waiting for requests in flight');
            await stop(timeoutMs);
          },
          close: () => stop(0),
        });
      },
    );
    server.once('error', onError);
  });
}

/**
 * Stops accepting connections and resolves once every open one has ended: idle keep-alive
 * ones are closed as they become idle (a client would otherwise keep one for seconds), busy
 * ones after `graceMs` at the latest.
 */
function closeServer(server: Server, graceMs: number, logger: Logger): Promise<void> {
  return new Promise<void>((done) => {
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    const deadline = setTimeout(() => {
      logger.warn({ graceMs }, 'shutting down: requests still in flight after the timeout; closing them');
      server.closeAllConnections();
    }, graceMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(deadline);
      done();
    });
    server.closeIdleConnections();
  });
}

async function maintain(app: Servable): Promise<void> {
  await checkpointNow(app);
  await app.oauth
    .prune()
    .catch((error: unknown) => app.logger.error({ err: error }, 'pruning expired OAuth state failed'));
}

async function checkpointNow(app: Servable): Promise<void> {
  await app.checkpointer
    .checkpointAll()
    .catch((error: unknown) => app.logger.error({ err: error }, 'audit checkpoint failed'));
}
