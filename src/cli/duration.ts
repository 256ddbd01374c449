/**
 * Duration and time flags of the command line (`30m`, `24h`, `30d`; `--until` as a duration
 * from now or an ISO-8601 time). The parsing is core's (`time-input.ts`), shared with the
 * console; this file only names the flag in the error.
 */
import { type DurationUnit, invalidInput, parseDuration, parseTimeInput } from '../core/index.js';

export { type DurationUnit, parseDuration };

/** Milliseconds of a duration flag, or an `invalid_input` error naming the flag. */
export function durationFlag(field: string, text: string, units?: readonly DurationUnit[]): number {
  const parsed = parseDuration(text, units);
  if (!parsed.ok) throw invalidInput([{ field, message: parsed.error }]);
  return parsed.value;
}

/** `--until`: a duration from `now` (`2h`, `3d`) or an ISO-8601 time with an offset. */
export function untilFlag(field: string, text: string, now: Date): Date {
  return timeFlag(field, text, now, 1);
}

/** `--since`, `--before`: a duration ago (`2h` = two hours ago) or an ISO-8601 time. */
export function agoFlag(field: string, text: string, now: Date): Date {
  return timeFlag(field, text, now, -1);
}

function timeFlag(field: string, text: string, now: Date, direction: 1 | -1): Date {
  const parsed = parseTimeInput(text, now, direction);
  if (!parsed.ok) throw invalidInput([{ field, message: parsed.error }]);
  return parsed.value;
}

/**
 * `--since`/`--until` of a look back (audit queries): a duration means that long before
 * `now` (`7d` = a week ago); an ISO-8601 time with an offset is taken as written.
 */
export function pastTimeFlag(field: string, text: string, now: Date): Date {
  return timeFlag(field, text, now, -1);
}
