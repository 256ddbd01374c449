export interface PrivatePostgres {
  /** TCP URL of the cluster's `postgres` database (trust auth, user postgres). */
  readonly url: string;
  readonly port: number;
  start(): Promise<void>;
  /** `pg_ctl stop -m fast` (sessions ended, clean) or `-m immediate` (a crash: recovery on start). */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  /** SIGSTOP to the postmaster and every child: existing sessions freeze too. */
  pause(): void;
  resume(): void;
  /** `pg_terminate_backend` on every client session (57P01), from a connection of its own. */
  terminateBackends(): Promise<number>;
  /** Stops the cluster however it is (paused, stopped, running) and deletes its directory. */
  destroy(): Promise<void>;
  /** The server log, for a failure message. */
  log(): string;
}

export interface PrivatePostgresOptions {
  /** PostgreSQL's own durability defaults (fsync on) instead of a fault test's fast settings. */
  readonly durable?: boolean;
  readonly maxConnections?: number;
}

/** Whether a private cluster can be made here; in CI the answer must be yes. */
export function privatePostgresAvailable(): boolean;
export function startPrivatePostgres(options?: PrivatePostgresOptions): Promise<PrivatePostgres>;
export function freePort(): Promise<number>;
