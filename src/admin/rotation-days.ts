/**
 * The key rotation policy's one value: 30, 60, 90 or 180 days. Typed text (a CLI flag, a
 * console form field) is read here, strictly — digits only, nothing glued before or after —
 * so "90d", " 90", "90\n" and "1e2" are refused with a message that says what to type
 * instead, not silently read as 90 or 100. Pure.
 */
import { ROTATION_DAYS, type RotationDays } from '../model/index.js';

export const ROTATION_DAYS_TEXT = '30, 60, 90 or 180';

export const isRotationDays = (value: unknown): value is RotationDays =>
  typeof value === 'number' && (ROTATION_DAYS as readonly number[]).includes(value);

export type ParsedRotationDays =
  | { readonly ok: true; readonly days: RotationDays }
  | { readonly ok: false; readonly message: string };

/** Reads typed text as a rotation period, or says precisely what is wrong with it. */
export function parseRotationDays(raw: string): ParsedRotationDays {
  const refuse = (message: string) => ({ ok: false, message }) as const;
  if (raw === '') return refuse(`is empty: give ${ROTATION_DAYS_TEXT} (days)`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(raw)) {
    return refuse(
      `must be digits only, without spaces, line breaks or other characters: ${ROTATION_DAYS_TEXT}`,
    );
  }
  if (/^\d+d$/i.test(raw))
    return refuse(`is a number of days without a unit: write ${raw.slice(0, -1)}, not ${raw}`);
  if (!/^\d+$/.test(raw))
    return refuse(`must be a whole number of days written in digits: ${ROTATION_DAYS_TEXT}`);
  const days = Number(raw);
  if (!isRotationDays(days) || raw !== String(days)) {
    return refuse(`must be ${ROTATION_DAYS_TEXT} days; ${raw} is not a rotation period the policy offers`);
  }
  return { ok: true, days };
}
