/**
 * Background jobs with their schedule in the database, so that of several instances on one
 * database each due job runs once: a job's row is leased by one conditional UPDATE (the
 * winner's `lease_owner`, until `lease_until`); the others see no row change and skip it. A
 * lease outlives a crashed holder by `leaseMs` only. `runDueJobs()` runs what is due at the
 * injected clock's now: `serve` calls it on a timer, tests call it directly.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/index.js';
import type { Store } from '../storage/index.js';

export interface Job {
  readonly name: string;
  /** When the job first runs on a database that never ran it. */
  first(now: Date): Date;
  /** When it runs next after a run at `now`. */
  next(now: Date): Date;
  /** How long a run may hold the job before another instance may take it over. */
  readonly leaseMs: number;
  run(now: Date): Promise<void>;
}

export interface JobRunner {
  /** Runs every job due now that no other instance holds; returns the names it ran. */
  runDueJobs(): Promise<string[]>;
  readonly jobs: readonly Job[];
}

export const every = (ms: number) => (now: Date) => new Date(now.getTime() + ms);

/** The next `weekday` (0 = Sunday) at `hour`:00 UTC strictly after `now`. */
export function nextWeekly(now: Date, weekday: number, hour: number): Date {
  const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hour));
  at.setUTCDate(at.getUTCDate() + ((weekday - at.getUTCDay() + 7) % 7));
  if (at.getTime() <= now.getTime()) at.setUTCDate(at.getUTCDate() + 7);
  return at;
}

export function createJobRunner(deps: {
  readonly store: Pick<Store, 'jobs'>;
  readonly clock: Clock;
  /** This instance's name in `lease_owner` (unique per process). */
  readonly owner: string;
  readonly jobs: readonly Job[];
  readonly logger?: Logger;
}): JobRunner {
  const { store, clock, owner, jobs } = deps;
  let ensured = false;

  async function runOne(job: Job): Promise<boolean> {
    const now = clock.now();
    const won = await store.jobs.acquire(
      job.name,
      owner,
      now.toISOString(),
      new Date(now.getTime() + job.leaseMs).toISOString(),
    );
    if (!won) return false;
    try {
      await job.run(now);
    } catch (error) {
      // A failed run is retried at its next scheduled time; a delivery's own retries are its
      // row's (notify-deliver.ts), so nothing is lost meanwhile.
      deps.logger?.error({ err: error, job: job.name }, 'scheduled job failed');
    } finally {
      await store.jobs.finish(job.name, owner, {
        at: now.toISOString(),
        nextRunAt: job.next(now).toISOString(),
      });
    }
    return true;
  }

  return {
    jobs,
    async runDueJobs() {
      if (!ensured) {
        const now = clock.now();
        for (const job of jobs) await store.jobs.ensure(job.name, job.first(now).toISOString());
        ensured = true;
      }
      const ran: string[] = [];
      for (const job of jobs) if (await runOne(job)) ran.push(job.name);
      return ran;
    },
  };
}
