/**
 * Validation of what `keys create` accepts: the key name convention, scopes or a preset,
 * projects, IP blocks and lifetime. Every problem names its field; a bad name comes with a
 * suggestion.
 */
import { z } from 'zod';
import { ENVIRONMENTS } from '../config/index.js';
import type { FieldIssue } from '../core/index.js';
import { KNOWN_CLIENTS } from './client-config.js';
import { parseCidr } from './ip-allow.js';
import { isScope, PRESETS, type Preset, SCOPES, type Scope } from './scopes.js';

const NAME = /^[a-z0-9]+(?:-[a-z0-9]+)+$/;

/** A kebab-case `<client>-<machine>` name close to what was typed. */
export function suggestKeyName(raw: string): string {
  const slug = raw
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56);
  if (!slug) return 'cursor-work-laptop';
  return slug.includes('-') ? slug : `${slug}-my-laptop`;
}

export function checkKeyName(name: string): FieldIssue | undefined {
  if (name.length >= 3 && name.length <= 64 && NAME.test(name)) return undefined;
  return {
    field: 'name',
    message: `must be kebab-case <client>-<machine>, 3-64 characters of a-z, 0-9 and "-"; try "${suggestKeyName(name)}"`,
  };
}

const csv = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(',')).map((item) => item.trim()).filter(Boolean),
  );

export const createKeyInput = z
  .object({
    workspace: z.string().trim().min(1, 'is required'),
    name: z.string({ message: 'is required' }).trim(),
    environment: z.enum(ENVIRONMENTS, { message: `must be one of ${ENVIRONMENTS.join(', ')}` }),
    member: z.string().trim().min(1).optional(),
    scopes: csv.optional(),
    preset: z
      .enum(Object.keys(PRESETS) as [Preset, ...Preset[]], {
        message: `must be one of ${Object.keys(PRESETS).join(', ')}`,
      })
      .optional(),
    projects: csv.optional(),
    readOnly: z.boolean().default(false),
    dryRunOnly: z.boolean().default(false),
    ip: csv.optional(),
    expiresIn: z
      .string()
      .regex(/^[1-9]\d{0,2}d$/, 'must be a number of days like 30d')
      .transform((value) => Number(value.slice(0, -1)))
      .optional(),
    client: z.enum(KNOWN_CLIENTS, { message: `must be one of ${KNOWN_CLIENTS.join(', ')}` }).optional(),
  })
  .strict();

export type CreateKeyInput = z.input<typeof createKeyInput>;

/** Resolves `--scopes` or `--preset` (default: read-only) into catalogue scopes. */
export function resolveScopes(
  scopes: string[] | undefined,
  preset: Preset | undefined,
): Scope[] | FieldIssue {
  if (scopes !== undefined && preset !== undefined)
    return { field: 'scopes', message: 'give --scopes or --preset, not both' };
  if (scopes === undefined) return [...PRESETS[preset ?? 'read-only']];
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length)
    return { field: 'scopes', message: `unknown scope ${unknown.join(', ')}; known: ${SCOPES.join(' ')}` };
  if (scopes.length === 0) return { field: 'scopes', message: 'must name at least one scope' };
  return scopes as Scope[];
}

export function resolveCidrs(ip: string[] | undefined): string[] | null | FieldIssue {
  if (ip === undefined || ip.length === 0) return null;
  const cidrs: string[] = [];
  for (const raw of ip) {
    const parsed = parseCidr(raw);
    if (!parsed.ok) return { field: 'ip', message: parsed.message };
    cidrs.push(parsed.cidr);
  }
  return cidrs;
}
