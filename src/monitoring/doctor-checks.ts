/**
 * The checks of `taskgate doctor`, as pure functions of what was found (a URL, a file's mode,
 * a version, a list of pending migrations, a measured skew): each says ok, warn, fail or
 * skip, and for anything but ok what to do about it. Gathering the facts (files, database,
 * network) is `doctor.ts`; printing them is the command line's.
 */

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  readonly check: string;
  readonly status: CheckStatus;
  /** What was found. */
  readonly message: string;
  /** What to do about it (absent when ok). */
  readonly fix?: string;
}

const result = (check: string, status: CheckStatus, message: string, fix?: string): CheckResult =>
  fix === undefined ? { check, status, message } : { check, status, message, fix };

const LOOPBACK = /^(127(\.\d{1,3}){3}|\[::1\]|localhost)$/i;

export const isLoopbackHost = (hostname: string): boolean => LOOPBACK.test(hostname);

export function checkPublicUrl(publicUrl: string): CheckResult {
  const url = new URL(publicUrl);
  if (url.protocol === 'https:') return result('public_url', 'ok', `${publicUrl} is served over https`);
  if (isLoopbackHost(url.hostname))
    return result('public_url', 'ok', `${publicUrl} is loopback http: fine for local use only`);
  return result(
    'public_url',
    'fail',
    `${publicUrl} is plain http on a network address: keys and tokens would cross the network in clear`,
    'put Taskgate behind a TLS-terminating reverse proxy and set TASKGATE_PUBLIC_URL to its https:// origin',
  );
}

/**
 * `trustedProxies`: read from the config if this version has the setting. Behind a proxy
 * (an https public URL while listening on loopback) the client's address is only known
 * through the proxy's header, which must be trusted from that proxy alone.
 */
export function checkTrustedProxies(input: {
  readonly publicUrl: string;
  readonly host: string;
  readonly trustedProxies: readonly string[] | undefined;
}): CheckResult {
  const proxied = new URL(input.publicUrl).protocol === 'https:' && isLoopbackHost(input.host);
  if (input.trustedProxies === undefined)
    return result('trusted_proxies', 'skip', 'this version has no trusted-proxy setting');
  if (input.trustedProxies.length > 0)
    return result('trusted_proxies', 'ok', `trusting ${input.trustedProxies.join(', ')}`);
  if (!proxied) return result('trusted_proxies', 'ok', 'no reverse proxy in front (none trusted)');
  return result(
    'trusted_proxies',
    'warn',
    'served at an https URL while listening on loopback (a reverse proxy?), but no proxy is trusted: every client shows as the proxy address in the audit log and the per-IP limits',
    "set the trusted proxies setting to your proxy's address (e.g. 127.0.0.1)",
  );
}

/** Permission bits of a secret: only its owner may read it (0600 or 0400). */
export function checkSecretFile(
  found: { readonly source: 'environment' } | { readonly file: string; readonly mode: number | undefined },
): CheckResult {
  if ('source' in found) return result('secret_key', 'ok', 'the secret key comes from TASKGATE_SECRET_KEY');
  if (found.mode === undefined)
    return result(
      'secret_key',
      'fail',
      `${found.file} does not exist`,
      'restore the secret key file from your backup, or run `taskgate init` on a new deployment',
    );
  const bits = found.mode & 0o777;
  if ((bits & 0o077) !== 0)
    return result(
      'secret_key',
      'fail',
      `${found.file} has mode ${octal(bits)}: other users can read the instance secret`,
      `chmod 600 ${found.file}`,
    );
  return result('secret_key', 'ok', `${found.file} has mode ${octal(bits)}`);
}

/** The SQLite file: owner read-write, group at most read (0600, 0640); its directory not world-writable. */
export function checkDatabaseFile(found: {
  readonly file: string;
  readonly mode: number | undefined;
  readonly directory: string;
  readonly directoryMode: number | undefined;
}): CheckResult {
  if (found.mode === undefined)
    return result('database_file', 'fail', `${found.file} does not exist`, 'run `taskgate init` or fix --db');
  const bits = found.mode & 0o777;
  const dir = (found.directoryMode ?? 0) & 0o777;
  if ((bits & 0o002) !== 0 || (dir & 0o002) !== 0)
    return result(
      'database_file',
      'fail',
      `${(bits & 0o002) !== 0 ? found.file : found.directory} is world-writable (file ${octal(bits)}, directory ${octal(dir)}): anyone can change the database or its WAL`,
      `chmod 600 ${found.file} && chmod o-w ${found.directory}`,
    );
  if ((bits & 0o004) !== 0)
    return result(
      'database_file',
      'warn',
      `${found.file} has mode ${octal(bits)}: every user of this host can read the tasks and the audit log`,
      `chmod 600 ${found.file} (and its -wal and -shm files)`,
    );
  if ((bits & 0o020) !== 0)
    return result(
      'database_file',
      'warn',
      `${found.file} has mode ${octal(bits)}: its group can write it`,
      `chmod 640 ${found.file}`,
    );
  return result('database_file', 'ok', `${found.file} has mode ${octal(bits)}`);
}

export function checkNodeVersion(version: string): CheckResult {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  if (major >= 22) return result('node_version', 'ok', `Node.js ${version}`);
  if (major > 20 || (major === 20 && minor >= 19))
    return result(
      'node_version',
      'warn',
      `Node.js ${version} works; 22 LTS or later is recommended`,
      'upgrade to Node.js 22 LTS',
    );
  return result(
    'node_version',
    'fail',
    `Node.js ${version} is too old (20.19 at least)`,
    'upgrade to Node.js 22 LTS',
  );
}

export function checkMigrations(pending: readonly string[]): CheckResult {
  if (pending.length === 0) return result('migrations', 'ok', 'the database has every migration');
  return result(
    'migrations',
    'fail',
    `${pending.length} migration(s) pending: ${pending.join(', ')}`,
    'run `taskgate migrate` (back up the database first)',
  );
}

/** Skew between this host and PostgreSQL; `uncertaintyMs` is half the probe's round trip. */
export function checkClockSkew(
  skew: { readonly skewMs: number; readonly uncertaintyMs: number } | undefined,
): CheckResult {
  if (skew === undefined)
    return result('clock_skew', 'skip', 'SQLite shares this host clock; not checkable against another');
  const off = Math.max(0, Math.abs(skew.skewMs) - skew.uncertaintyMs);
  const text = `this host and PostgreSQL differ by about ${Math.round(Math.abs(skew.skewMs))} ms`;
  const fix = 'synchronise both hosts with NTP (chrony, systemd-timesyncd)';
  if (off > 30_000) return result('clock_skew', 'fail', text, fix);
  if (off > 2000) return result('clock_skew', 'warn', text, fix);
  return result('clock_skew', 'ok', text);
}

/** A network probe's outcome: reachable (with what it said) or why not. */
export type Reach =
  | { readonly ok: true; readonly banner?: string }
  | { readonly ok: false; readonly error: string };

export function checkSmtp(target: { readonly url: string; readonly reach: Reach } | undefined): CheckResult {
  if (target === undefined) return result('smtp', 'skip', 'no SMTP server configured (smtpUrl or --smtp)');
  const where = redactUrl(target.url);
  if (!target.reach.ok)
    return result(
      'smtp',
      'fail',
      `${where}: ${target.reach.error}`,
      'check the SMTP URL, the server and the firewall',
    );
  if (!target.reach.banner?.startsWith('220'))
    return result(
      'smtp',
      'fail',
      `${where} answered ${JSON.stringify(target.reach.banner ?? '')}, not an SMTP greeting`,
      'check the SMTP URL',
    );
  return result('smtp', 'ok', `${where} greets: ${target.reach.banner.slice(0, 80)}`);
}

export function checkWebhooks(
  targets: readonly { readonly url: string; readonly reach: Reach }[] | undefined,
): CheckResult {
  if (targets === undefined)
    return result('webhooks', 'skip', 'no webhook endpoints in this version of the database');
  if (targets.length === 0) return result('webhooks', 'ok', 'no webhook endpoints configured');
  const down = targets.filter((target) => !target.reach.ok);
  if (down.length === 0) return result('webhooks', 'ok', `${targets.length} webhook endpoint(s) reachable`);
  const list = down.map((t) => `${redactUrl(t.url)} (${t.reach.ok ? '' : t.reach.error})`).join(', ');
  return result(
    'webhooks',
    'warn',
    `unreachable: ${list}`,
    'check the receiver is up, or remove the endpoint',
  );
}

export function checkDatabase(error: string | undefined): CheckResult {
  if (error === undefined) return result('database', 'ok', 'the database answers');
  return result('database', 'fail', error, 'check --db / TASKGATE_DATABASE_URL and that the database is up');
}

/** No password in a printed URL. */
export function redactUrl(text: string): string {
  const url = URL.parse(text);
  if (url === null) return text;
  if (url.password) url.password = '***';
  return url.toString().replace(/\/$/, '');
}

const octal = (bits: number) => `0${bits.toString(8).padStart(3, '0')}`;
