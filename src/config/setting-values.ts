/**
 * The value types of the settings (settings.ts): what each accepts and the one message a person
 * sees when a value is not that. Kept apart so the table of settings stays readable.
 */
import { z } from 'zod';
import { parseCidr } from '../core/index.js';

export const databaseUrl = z
  .string()
  .trim()
  .refine((value) => value.startsWith('sqlite:') || /^postgres(ql)?:\/\/.+/.test(value), {
    message: 'must be sqlite:<path> or postgres://…',
  })
  .superRefine((value, context) => {
    if (!value.startsWith('sqlite:')) return;
    const problem = sqlitePathProblem(value.slice('sqlite:'.length));
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

/** What is wrong with the file part of a `sqlite:` URL, if anything a person would not mean. */
function sqlitePathProblem(path: string): string | undefined {
  if (path === '') return 'the sqlite: URL needs a file path, e.g. sqlite:./data/taskgate.db';
  if (path !== path.trim()) return 'the sqlite: path must not start or end with spaces';
  // The shell expands ~ only at the start of a word: `--db sqlite:~/x.db` reaches us as is.
  if (path.startsWith('~'))
    return 'the sqlite: path starts with ~, which is not expanded; give the full path';
  if (path.endsWith('/')) return 'the sqlite: path names a directory; add a file name, e.g. taskgate.db';
  return undefined;
}

// Digits only: Number() would also take '' (0, any free port), '0x1f90' and '8e3'.
export const port = z
  .union([z.number(), z.string().trim()])
  .refine((value) => typeof value === 'number' || /^\d+$/.test(value), {
    message: 'must be a whole number 0-65535',
  })
  .transform(Number)
  .pipe(z.number().int('must be a whole number').min(0, 'must be 0-65535').max(65535, 'must be 0-65535'));

export const publicUrl = z
  .string()
  .trim()
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash;
      } catch {
        return false;
      }
    },
    { message: 'must be an absolute http(s) URL without query or fragment' },
  )
  // No trailing slash: every public URL is built by appending a path to it.
  .transform((value) => value.replace(/\/+$/, ''));

export const secretKey = z
  .string()
  .trim()
  .min(32, 'must be at least 32 characters (e.g. 32 random bytes in base64url)');

// `host:port` in WHATWG canonical form (`127.1:8443` -> `127.0.0.1:8443`, `[::1]:8443`).
function toHostPort(entry: string): string | undefined {
  if (!/:\d{1,5}$/.test(entry)) return undefined;
  const url = URL.parse(`https://${entry}/`);
  if (url === null || url.pathname !== '/' || url.username !== '' || url.password !== '') return undefined;
  return `${url.hostname}:${url.port || '443'}`;
}

export const hostPortList = z.string().transform((value, context) => {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const bad = entries.filter((entry) => toHostPort(entry) === undefined);
  if (bad.length > 0) {
    context.addIssue({
      code: 'custom',
      message: `must be a comma-separated list of host:port (e.g. 127.0.0.1:8443); not: ${bad.join(', ')}`,
    });
    return z.NEVER;
  }
  return entries.map((entry) => toHostPort(entry)!);
});

/** What is wrong with one entry of the CORS allow-list, if anything. */
function corsOriginProblem(entry: string): string | undefined {
  // SECURITY: `*` would let every web page read what a browser-held key can see.
  if (entry === '*')
    return '`*` is refused: list each origin that may call Taskgate from a browser, e.g. https://app.example.com';
  if (entry.includes('*')) return `${entry}: wildcards are refused; list each origin`;
  const url = URL.parse(entry);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    return `${entry}: not an http(s) origin such as https://app.example.com`;
  // Browsers send the origin in canonical form; an entry in any other form would never match.
  if (url.origin !== entry) return `${entry}: write the origin exactly as browsers send it: ${url.origin}`;
  return undefined;
}

export const corsOriginList = z.string().transform((value, context) => {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const problems = entries.map(corsOriginProblem).filter((problem) => problem !== undefined);
  if (problems.length > 0) {
    context.addIssue({ code: 'custom', message: problems.join('; ') });
    return z.NEVER;
  }
  return [...new Set(entries)];
});

/** Comma-separated CIDR blocks; a bare address is its own /32 or /128. */
export const trustedProxyList = z.string().transform((value, context) => {
  const problems: string[] = [];
  const blocks: string[] = [];
  for (const entry of value.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const parsed = parseCidr(entry);
    if (!parsed.ok) problems.push(parsed.message);
    // SECURITY: a /0 trusts every address, so any client could name its own address.
    else if (parsed.cidr.endsWith('/0')) problems.push(`${entry}: trusting every address is refused`);
    else blocks.push(parsed.cidr);
  }
  if (problems.length === 0) return [...new Set(blocks)];
  context.addIssue({
    code: 'custom',
    message: `must be CIDR blocks such as 10.0.0.0/8; ${problems.join('; ')}`,
  });
  return z.NEVER;
});

export const PROXY_HEADERS = ['x-forwarded-for', 'forwarded'] as const;
export type ProxyHeader = (typeof PROXY_HEADERS)[number];

export const milliseconds = (max: number) =>
  z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(100, 'must be at least 100 ms')
    .max(max, `must be at most ${max} ms`);

/**
 * How long PostgreSQL may keep a request waiting. A database that is down, restarting or
 * paused costs each request at most about these, after which it answers 503.
 */
export const DATABASE_TIMEOUT_DEFAULTS_MS = {
  connect: 5000,
  statement: 5000,
  idleInTransaction: 10_000,
} as const;

/** A duration where `0` means none (milliseconds above allows no less than 100). */
export const wholeMs = (max: number) =>
  z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(0, 'must be at least 0')
    .max(max, `must be at most ${max} ms`);

export const perMinute = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a whole number of requests per minute' })
    .int('must be a whole number of requests per minute')
    .min(1, 'must be at least 1')
    .max(100_000, 'must be at most 100000')
    .default(fallback);

export const redisUrl = z
  .string()
  .trim()
  .refine((value) => /^rediss?:\/\/.+/.test(value), { message: 'must be redis://host:port or rediss://…' });
