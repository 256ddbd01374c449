/**
 * Input validation shared by the services: zod schemas for each kind of field and one
 * function that turns zod's issues into an `invalid_input` error naming every bad field.
 */
import { z } from 'zod';
import { type AppError, type FieldIssue, invalidInput } from '../core/index.js';
import { findUnsafeCharacter, type TextShape, unsafeCharacterMessage } from './plain-text.js';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.join('.') : 'input',
    message: issue.message,
  }));
  throw invalidInput(issues);
}

export function fieldError(field: string, message: string): AppError {
  return invalidInput([{ field, message }]);
}

const lengthMessage = (min: number, max: number) => `must be ${min}-${max} characters`;

/**
 * SECURITY: refuses what lets one value read as two (see plain-text.ts). Runs before any
 * trim, so a line break glued to either end is refused, not silently cut off.
 */
export const refuseUnsafeCharacters =
  (shape: TextShape) =>
  (ctx: z.core.ParsePayload<string>): void => {
    const found = findUnsafeCharacter(ctx.value, shape);
    if (found)
      ctx.issues.push({ code: 'custom', message: unsafeCharacterMessage(found, shape), input: ctx.value });
  };

/** A single-line field (titles, names, reasons, references): no control character at all. */
export const singleLine = (min: number, max: number) =>
  z
    .string({ message: 'must be a string' })
    .check(refuseUnsafeCharacters('line'))
    .trim()
    .min(min, lengthMessage(min, max))
    .max(max, lengthMessage(min, max));

/**
 * A multi-line field (descriptions, comment bodies, notes): tabs and newlines stay (a CRLF
 * becomes a newline); every other control character is refused.
 */
export const multiLine = (min: number, max: number) =>
  z
    .string({ message: 'must be a string' })
    .overwrite((value) => value.replace(/\r\n/g, '\n'))
    .check(refuseUnsafeCharacters('text'))
    .trim()
    .min(min, lengthMessage(min, max))
    .max(max, lengthMessage(min, max));

/** An identifier someone types or pastes (a key, id or email to look up): one line, bounded. */
export const reference = (max: number) =>
  z
    .string({ message: 'must be a string' })
    .check(refuseUnsafeCharacters('line'))
    .trim()
    .min(1, 'is required')
    .max(max);

export const slug = z
  .string({ message: 'must be a string' })
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$/,
    'must be 3-40 characters of a-z, 0-9 and "-", starting and ending with a letter or digit',
  );

export const email = z
  .string({ message: 'must be a string' })
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email({ message: 'must be an email address' }));

export const projectKey = z
  .string({ message: 'must be a string' })
  .regex(/^[A-Z][A-Z0-9]{1,9}$/, 'must be 2-10 characters of A-Z and 0-9, starting with a letter (e.g. APO)');

export const label = z
  .string({ message: 'must be a string' })
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be 1-32 characters of a-z, 0-9 and "-"');

export const labels = z
  .array(label, { message: 'must be a list of labels' })
  .max(20, 'must have at most 20 labels')
  .transform((list) => [...new Set(list)].sort());

/** A calendar date `YYYY-MM-DD` that exists (no 2026-02-30). */
export const isoDate = z
  .string({ message: 'must be a date YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
  }, 'must be a real calendar date');

export const pageLimit = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be 1-100')
  .max(100, 'must be 1-100')
  .default(25);
