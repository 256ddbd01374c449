/**
 * Serving a built app: listening, and the work a live server does on a timer (checkpoints,
 * pruning expired OAuth state). Part of the composition root, beside app.ts; it names what it
 * needs of an app (`Servable`) instead of importing app.ts, which re-exports `listen`.
 */
import { type ServerType, serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import { CHECKPOINT_EVERY_MS, type Checkpointer } from './audit/index.js';
import type { Config } from './config/index.js';
import type { Notifications } from './monitoring/index.js';
import type { AuthorizationServer } from './oauth/index.js';

/** How often a server looks for due background jobs (their schedule is in the database). */
export const JOBS_TICK_MS = 15_000;

/** What serving needs of an `App` (named here, not imported, so app.ts may re-export `listen`). */
export interface Servable {
  readonly config: Pick<Config, 'host' | 'port'>;
  readonly http: Pick<Hono, 'fetch'>;
  readonly oauth: Pick<AuthorizationServer, 'ready' | 'prune'>;
  readonly checkpointer: Pick<Checkpointer, 'checkpointAll'>;
  readonly logger: Logger;
  readonly monitoring: { readonly notifications: Pick<Notifications, 'runDueJobs'> };
}

export interface RunningServer {
  /** The URL the server actually listens on (the real port when 0 was asked for). */
  readonly url: string;
  close(): Promise<void>;
}

export async function listen(app: Servable): Promise<RunningServer> {
  // The one place oidc-provider loads at start-up: a server that cannot build its
  // authorization server fails now, not on a client's first OAuth request.
  await app.oauth.ready();
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
        let running = false;
        const jobs = setInterval(() => {
          if (running) return;
          running = true;
          void app.monitoring.notifications
            .runDueJobs()
            .catch((error: unknown) => app.logger.error({ err: error }, 'background jobs failed'))
            .finally(() => {
              running = false;
            });
        }, JOBS_TICK_MS);
        jobs.unref();
        resolve({
          url: `http://${host}:${info.port}`,
          close: async () => {
            clearInterval(checkpoints);
            clearInterval(jobs);
            await new Promise<void>((done) => {
              server.close(() => done());
              // Idle keep-alive sockets would otherwise hold close() open for seconds.
              if ('closeAllConnections' in server) server.closeAllConnections();
            });
            await checkpointNow(app);
          },
        });
      },
    );
    server.once('error', onError);
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
