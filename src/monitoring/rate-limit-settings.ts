/**
 * A workspace's request limits on /mcp (section `rateLimits` of its monitoring settings):
 * reads and writes per minute, per key, per member and per client address. The defaults sit
 * far above what a human-driven assistant does (a busy agent session makes a few calls a
 * second at its peak, rarely more than 100 a minute; writes a tenth of that) and low enough
 * that a runaway loop or a stolen key is stopped within a minute. A member runs several keys
 * and a client address may be an office NAT, so those limits are twice a key's.
 */
import { z } from 'zod';
import type { SettingsSection } from './settings.js';

export const RATE_LIMIT_MAX = 100_000;

const perMinute = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a whole number of requests per minute' })
    .int('must be a whole number of requests per minute')
    .min(1, 'must be at least 1 (a limit cannot be switched off)')
    .max(RATE_LIMIT_MAX, `must be at most ${RATE_LIMIT_MAX}`)
    .default(fallback);

const schema = z
  .object({
    keyReadsPerMinute: perMinute(600),
    keyWritesPerMinute: perMinute(120),
    memberReadsPerMinute: perMinute(1200),
    memberWritesPerMinute: perMinute(240),
    ipReadsPerMinute: perMinute(1200),
    ipWritesPerMinute: perMinute(240),
  })
  .strict();

export type RateLimitSettings = z.infer<typeof schema>;

export const RATE_LIMITS_SECTION: SettingsSection<RateLimitSettings> = { name: 'rateLimits', schema };

export const RATE_LIMIT_FIELDS = Object.keys(schema.shape) as (keyof RateLimitSettings)[];

/** What each field limits, for the console and the command line. */
export const RATE_LIMIT_LABELS: Readonly<Record<keyof RateLimitSettings, string>> = {
  keyReadsPerMinute: 'Reads per minute, per key',
  keyWritesPerMinute: 'Writes per minute, per key',
  memberReadsPerMinute: 'Reads per minute, per member (all their keys and connections)',
  memberWritesPerMinute: 'Writes per minute, per member',
  ipReadsPerMinute: 'Reads per minute, per client address',
  ipWritesPerMinute: 'Writes per minute, per client address',
};
