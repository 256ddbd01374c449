/**
 * Readiness (`/readyz`): the database answers within a bound, and it has every migration
 * this code expects, and the server is not shutting down. A load balancer takes an instance
 * out while any is false.
 */
/** What health and readiness need to know about the database: the smallest port. */
export interface HealthProbe {
  readonly kind: 'sqlite' | 'postgres';
  ping(): Promise<void>;
  pendingMigrations(): Promise<readonly string[]>;
}

export type Readiness =
  | { readonly status: 'ready' }
  | {
      readonly status: 'unavailable';
      readonly reason: 'shutting_down' | 'database_unreachable' | 'migrations_pending';
      readonly pending?: readonly string[];
      /** For the log only. */
      readonly error?: unknown;
    };

/**
 * Thrown once, on SIGTERM: from then on `/readyz` answers 503 while requests are still
 * served, so a load balancer stops sending new ones before the listener closes.
 */
export interface DrainSwitch {
  draining(): boolean;
  begin(): void;
}

export function createDrainSwitch(): DrainSwitch {
  let on = false;
  return {
    draining: () => on,
    begin: () => {
      on = true;
    },
  };
}

export async function readiness(
  database: HealthProbe,
  timeoutMs: number,
  drain?: Pick<DrainSwitch, 'draining'>,
): Promise<Readiness> {
  if (drain?.draining()) return { status: 'unavailable', reason: 'shutting_down' };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const pending = await Promise.race([database.ping().then(() => database.pendingMigrations()), timeout]);
    if (pending.length > 0) return { status: 'unavailable', reason: 'migrations_pending', pending };
    return { status: 'ready' };
  } catch (error) {
    return { status: 'unavailable', reason: 'database_unreachable', error };
  } finally {
    clearTimeout(timer);
  }
}
