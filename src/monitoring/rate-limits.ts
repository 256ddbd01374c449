/**
 * Request limits (issue 16). On /mcp, once the caller is known: reads and writes per minute
 * per key, per member and per client address, each workspace's own (`rateLimits` settings).
 * Before anyone is known: failed authentications, /oauth and /login per address, from the
 * deployment's Config (there is no workspace yet to ask).
 *
 * A refusal is told to the metrics (`signals.rateLimited`) every time, and to the audit log
 * at most once per limit, subject and window — a flood of 10 000 refused calls writes one
 * event, and the next window's event counts the ones left out (`detail.suppressed`).
 * The counters are rate-limiter-flexible's (rate-limit-stores.ts); this file decides.
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AuditLog } from '../audit/index.js';
import { AppError, type Clock, type FreshRead, freshReads } from '../core/index.js';
import { describeRefusal, type LimitVerdict, tightest } from './rate-limit-headers.js';
import { RATE_LIMITS_SECTION, type RateLimitSettings } from './rate-limit-settings.js';
import {
  type CounterCount,
  type CounterStore,
  createCounterStore,
  type RateLimitBackend,
} from './rate-limit-stores.js';
import type { MonitoringSettings } from './settings.js';
import type { MonitoringSignals } from './signals.js';

export const RATE_LIMIT_EXCEEDED_ACTION = 'ratelimit.exceeded';
export const RATE_LIMIT_WINDOW_SECONDS = 60;
/** A workspace's limits are re-read this often; a change made on this instance holds at once. */
const SETTINGS_TTL_MS = 5000;
const MAX_SAMPLES = 10_000;

/** The limits applied per address before a workspace is known (Config). */
export interface AddressLimits {
  readonly failedAuthPerMinute: number;
  readonly oauthPerMinute: number;
  readonly loginPerMinute: number;
}

export type AddressLimit = 'auth.failed.ip' | 'oauth.ip' | 'login.ip';

/** Who is calling /mcp, as authentication found them. */
export interface CallSubject {
  readonly workspaceId: string;
  readonly memberId: string;
  readonly credentialId: string;
  readonly credentialName: string;
  readonly environment: string;
  readonly ip: string | null;
  readonly requestId?: string;
}

export interface RateLimitRefusal extends LimitVerdict {
  /** For the caller: which limit, how much, when to retry. */
  readonly message: string;
}

export interface CallCheck {
  /** The first limit this request broke, if any. */
  readonly refused?: RateLimitRefusal;
  /** The limit closest to refusing, for the `RateLimit` headers of an answered request. */
  readonly closest?: LimitVerdict;
}

export interface RateLimitsDeps {
  readonly backend: RateLimitBackend;
  readonly settings: MonitoringSettings;
  readonly audit: Pick<AuditLog, 'append'>;
  readonly signals: MonitoringSignals;
  readonly clock: Clock;
  readonly addressLimits: AddressLimits;
  readonly logger: { error(obj: unknown, msg: string): void };
  /** Tests only: a shorter window. */
  readonly windowSeconds?: number;
}

export type RateLimits = ReturnType<typeof createRateLimits>;

const SUBJECTS = {
  key: 'for this key',
  member: 'for this member',
  ip: 'from this address',
} as const;

export function createRateLimits(deps: RateLimitsDeps) {
  const window = deps.windowSeconds ?? RATE_LIMIT_WINDOW_SECONDS;
  const counters: CounterStore = createCounterStore(deps.backend);
  const limiters = new Map<string, RateLimiterAbstract>();
  const limiter = (name: string) => {
    const found = limiters.get(name) ?? counters.counter(name, window);
    limiters.set(name, found);
    return found;
  };
  // One shared token per limit, subject and window: the instance that takes it records.
  const sampler = counters.counter('ratelimit.sample', window, 1);
  const samples = new Map<string, { until: number; suppressed: number }>();
  const cached = new Map<string, { until: number; value: Promise<RateLimitSettings> }>();

  function limitsOf(workspaceId: string): Promise<RateLimitSettings> {
    const now = deps.clock.now().getTime();
    const hit = cached.get(workspaceId);
    if (hit && hit.until > now) return hit.value;
    const value = deps.settings.read(workspaceId, RATE_LIMITS_SECTION);
    cached.set(workspaceId, { until: now + SETTINGS_TTL_MS, value });
    value.catch(() => cached.delete(workspaceId));
    return value;
  }

  const verdict = (name: string, quota: number, res: CounterCount): LimitVerdict => ({
    name,
    quota,
    windowSeconds: window,
    remaining: Math.max(0, quota - res.consumedPoints),
    resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
    refused: res.consumedPoints > quota,
  });

  /**
   * SECURITY: a counter store that cannot answer (PostgreSQL or Redis gone) refuses the
   * request as unavailable (503, Retry-After) instead of serving it unlimited: fail closed.
   * The counters never reject with a verdict (their points are unbounded), so any Error is one.
   */
  async function counted<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof Error) || error instanceof AppError) throw error;
      throw new AppError('unavailable', 'rate limits unavailable; try again shortly', { cause: error });
    }
  }

  async function count(name: string, key: string, quota: number, points: number): Promise<LimitVerdict> {
    return verdict(name, quota, await counted(() => limiter(name).consume(key, points)));
  }

  type Hit = { readonly name: string; readonly key: string; readonly quota: number; readonly points: number };
  /** A call's counters: in one round trip where the store can, else concurrently. */
  async function countAll(hits: readonly Hit[]): Promise<LimitVerdict[]> {
    const many = counters.consumeMany?.bind(counters);
    if (!many) return Promise.all(hits.map((h) => count(h.name, h.key, h.quota, h.points)));
    const hitsOf = hits.map((h) => ({ prefix: h.name, key: h.key, points: h.points }));
    const counts = await counted(() => many(hitsOf, window));
    return hits.map((h, i) => verdict(h.name, h.quota, counts[i]!));
  }

  /** Once per limit, subject and window (across instances); the rest counted for the next one. */
  async function sample(v: LimitVerdict, key: string, event: Record<string, unknown>, subject: string) {
    const id = `${v.name}:${key}`;
    const now = deps.clock.now().getTime();
    const local = samples.get(id);
    if (local && local.until > now) {
      local.suppressed += 1;
      return;
    }
    const suppressed = local?.suppressed ?? 0;
    if (samples.size >= MAX_SAMPLES) {
      for (const [k, s] of samples) if (s.until <= now) samples.delete(k);
    }
    samples.set(id, { until: now + v.resetSeconds * 1000, suppressed: 0 });
    try {
      await sampler.consume(id, 1);
    } catch (error) {
      if (error instanceof Error) throw error;
      // Another instance recorded this window: ours counts as left out.
      samples.set(id, { until: now + v.resetSeconds * 1000, suppressed: suppressed + 1 });
      return;
    }
    await deps.audit.append({
      ...event,
      action: RATE_LIMIT_EXCEEDED_ACTION,
      outcome: 'denied',
      errorCode: 'rate_limited',
      detail: {
        limit: v.name,
        subject,
        quota: v.quota,
        windowSeconds: v.windowSeconds,
        retryAfterSeconds: v.resetSeconds,
        suppressed,
      },
    });
  }

  async function refuse(
    v: LimitVerdict,
    key: string,
    subject: string,
    event: Record<string, unknown>,
  ): Promise<RateLimitRefusal> {
    deps.signals.rateLimited(v.name);
    // The refusal stands whether or not its sample could be written: it changes nothing.
    await sample(v, key, event, subject).catch((error: unknown) =>
      deps.logger.error({ err: error, limit: v.name }, 'could not record a rate-limit refusal'),
    );
    return { ...v, message: describeRefusal(v, subject) };
  }

  const addressQuota = (name: AddressLimit) =>
    name === 'auth.failed.ip'
      ? deps.addressLimits.failedAuthPerMinute
      : name === 'oauth.ip'
        ? deps.addressLimits.oauthPerMinute
        : deps.addressLimits.loginPerMinute;
  const ipKey = (ip: string | null) => ip ?? 'unknown';
  // Concurrent checks of one address share a counter read, each one started after they came
  // (core/fresh-reads.ts): a flood from one address costs two reads, not one per request.
  // One reader per limit, keyed by the address alone: no separator to glue a key out of.
  const addressReads = new Map<AddressLimit, FreshRead<Awaited<ReturnType<RateLimiterAbstract['get']>>>>();
  const addressCount = (name: AddressLimit, ip: string) => {
    let read = addressReads.get(name);
    if (!read) {
      read = freshReads((address) => counted(() => limiter(name).get(address)));
      addressReads.set(name, read);
    }
    return read(ip);
  };

  return {
    backend: counters.kind,
    windowSeconds: window,

    /**
     * Counts one /mcp request (`reads` and `writes`: its messages of each kind) against the
     * key's, the member's and the address's limits. Every limit is counted, so a refused
     * flood keeps its subject refused until the window ends.
     */
    async checkCall(s: CallSubject, load: { reads: number; writes: number }): Promise<CallCheck> {
      const limits = await limitsOf(s.workspaceId);
      const keys = { key: s.credentialId, member: s.memberId, ip: `${s.workspaceId}:${ipKey(s.ip)}` };
      const hits: Hit[] = [];
      const names: (keyof typeof SUBJECTS)[] = [];
      for (const [kind, points] of [
        ['read', load.reads],
        ['write', load.writes],
      ] as const) {
        if (points <= 0) continue;
        for (const who of ['key', 'member', 'ip'] as const) {
          const field = `${who}${kind === 'read' ? 'Reads' : 'Writes'}PerMinute` as keyof RateLimitSettings;
          names.push(who);
          hits.push({ name: `mcp.${who}.${kind}`, key: keys[who], quota: limits[field], points });
        }
      }
      const verdicts = await countAll(hits);
      const index = verdicts.findIndex((v) => v.refused);
      if (index < 0) return { closest: tightest(verdicts) };
      const who = names[index]!;
      const v = verdicts[index]!;
      const { requestId, ...rest } = s;
      const event = { ...rest, ...(requestId && { requestId }) };
      return { refused: await refuse(v, keys[who], SUBJECTS[who], event), closest: v };
    },

    /** Whether this address is refused by `name` now, without counting (failed auth: before trying). */
    async isBlocked(name: AddressLimit, ip: string | null): Promise<RateLimitRefusal | undefined> {
      const res = await addressCount(name, ipKey(ip));
      if (!res) return undefined;
      const v = verdict(name, addressQuota(name), res);
      if (res.consumedPoints < v.quota) return undefined;
      return refuse({ ...v, refused: true, remaining: 0 }, ipKey(ip), SUBJECTS.ip, { ip });
    },

    /** Counts one request (or one failure) from `ip` against `name`; the refusal if over. */
    async hitAddress(name: AddressLimit, ip: string | null): Promise<RateLimitRefusal | undefined> {
      const v = await count(name, ipKey(ip), addressQuota(name), 1);
      return v.refused ? refuse(v, ipKey(ip), SUBJECTS.ip, { ip }) : undefined;
    },

    /** The workspace's limits as they stand (defaults where none are set). */
    show: (workspaceId: string) => deps.settings.read(workspaceId, RATE_LIMITS_SECTION),

    /** Tunes a workspace's limits (owners and admins; `null`: the command line), audited. */
    async tune(workspaceRef: string, patch: Record<string, unknown>, memberId: string | null) {
      const after = await deps.settings.change(workspaceRef, RATE_LIMITS_SECTION, patch, memberId);
      cached.clear();
      return after;
    },

    close: () => counters.close(),
  };
}
