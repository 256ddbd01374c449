/**
 * Readiness (`/readyz`): the database answers within a bound, and it has every migration
 * this code expects. A load balancer takes an instance out while either is false.
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
      readonly reason: 'database_unreachable' | 'migrations_pending';
      readonly pending?: readonly string[];
      /** For the log only. */
      readonly error?: unknown;
    };

export async function readiness(database: HealthProbe, timeoutMs: number): Promise<Readiness> {
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
