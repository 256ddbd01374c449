/**
 * The one parser for durations people type (`30m`, `24h`, `30d`) and for times, given as a
 * duration from now or as ISO-8601 with an offset. Pure (`now` is passed in): the command
 * line's flags and the console's filter fields both use it, so they accept the same text.
 */
import type { Result } from './result.js';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export type DurationUnit = keyof typeof UNIT_MS;

const example: Record<string, string> = { m: '30m', h: '24h', d: '30d' };

/** `24h` → 86 400 000. Only the given units are accepted; 0-9999 of them. */
export function parseDuration(
  text: string,
  units: readonly DurationUnit[] = ['m', 'h', 'd'],
): Result<number, string> {
  const match = /^(\d{1,4})([a-z])$/.exec(text.trim());
  const unit = match?.[2] as DurationUnit | undefined;
  if (!match || !unit || !units.includes(unit)) {
    const like = [...units].reverse().map((u) => example[u]);
    return { ok: false, error: `must be a duration like ${like.join(' or ')}` };
  }
  return { ok: true, value: Number(match[1]) * UNIT_MS[unit] };
}

export const TIME_INPUT_MESSAGE =
  'must be a duration like 2h or 3d, or an ISO time like 2026-11-03T18:00:00Z';

// A date alone is midnight UTC; a time must say its offset, so nobody's local clock decides.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * A duration taken `direction` from `now` (1: later, -1: earlier) or an ISO-8601 time with
 * an offset, taken as written.
 */
export function parseTimeInput(text: string, now: Date, direction: 1 | -1): Result<Date, string> {
  const duration = parseDuration(text);
  if (duration.ok) return { ok: true, value: new Date(now.getTime() + direction * duration.value) };
  const refused = { ok: false as const, error: TIME_INPUT_MESSAGE };
  const trimmed = text.trim();
  if (!ISO_TIME.test(trimmed)) return refused;
  const at = new Date(trimmed);
  // Date rolls 2026-02-30 over into March; a date that does not exist is a typo.
  const day = new Date(trimmed.slice(0, 10));
  if (Number.isNaN(at.getTime()) || Number.isNaN(day.getTime())) return refused;
  if (day.toISOString().slice(0, 10) !== trimmed.slice(0, 10)) return refused;
  return { ok: true, value: at };
}
