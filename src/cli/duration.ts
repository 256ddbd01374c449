/**
 * The one parser for durations typed on the command line (`30m`, `24h`, `30d`) and for
 * `--until`, which takes either a duration from now or an ISO-8601 time. Errors name the flag.
 */
import { type FieldIssue, invalidInput, type Result } from '../core/index.js';

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

/** Milliseconds of a duration flag, or an `invalid_input` error naming the flag. */
export function durationFlag(field: string, text: string, units?: readonly DurationUnit[]): number {
  const parsed = parseDuration(text, units);
  if (!parsed.ok) throw invalidInput([{ field, message: parsed.error }]);
  return parsed.value;
}

// A date alone is midnight UTC; a time must say its offset, so nobody's local clock decides.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** `--until`: a duration from `now` (`2h`, `3d`) or an ISO-8601 time with an offset. */
export function untilFlag(field: string, text: string, now: Date): Date {
  return timeFlag(field, text, now, 1);
}

/** `--since`, `--before`: a duration ago (`2h` = two hours ago) or an ISO-8601 time. */
export function agoFlag(field: string, text: string, now: Date): Date {
  return timeFlag(field, text, now, -1);
}

function timeFlag(field: string, text: string, now: Date, direction: 1 | -1): Date {
  const duration = parseDuration(text);
  if (duration.ok) return new Date(now.getTime() + direction * duration.value);
  const issue: FieldIssue = {
    field,
    message: 'must be a duration like 2h or 3d, or an ISO time like 2026-11-03T18:00:00Z',
  };
  const trimmed = text.trim();
  if (!ISO_TIME.test(trimmed)) throw invalidInput([issue]);
  const at = new Date(trimmed);
  // Date rolls 2026-02-30 over into March; a date that does not exist is a typo.
  const day = new Date(trimmed.slice(0, 10));
  if (Number.isNaN(at.getTime()) || Number.isNaN(day.getTime())) throw invalidInput([issue]);
  if (day.toISOString().slice(0, 10) !== trimmed.slice(0, 10)) throw invalidInput([issue]);
  return at;
}

/**
 * `--since`/`--until` of a look back (audit queries): a duration means that long before
 * `now` (`7d` = a week ago); an ISO-8601 time with an offset is taken as written.
 */
export function pastTimeFlag(field: string, text: string, now: Date): Date {
  const duration = parseDuration(text);
  if (duration.ok) return new Date(now.getTime() - duration.value);
  return untilFlag(field, text, now);
}
