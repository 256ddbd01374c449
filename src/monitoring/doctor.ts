/**
 * `taskgate doctor`'s facts: the files, the database, the network. Read-only: nothing is
 * created, migrated or sent (SMTP: the greeting is read and the connection closed; webhook
 * endpoints: a TCP connection, no request, so no receiver sees an unsigned delivery).
 */
import { statSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { connect as connectTls } from 'node:tls';
import type { Config } from '../config/index.js';
import { probeDeployment } from '../storage/index.js';
import {
  type CheckResult,
  checkClockSkew,
  checkDatabase,
  checkDatabaseFile,
  checkMigrations,
  checkNodeVersion,
  checkPublicUrl,
  checkSecretFile,
  checkSmtp,
  checkTrustedProxies,
  checkWebhooks,
  type Reach,
} from './doctor-checks.js';

export interface DoctorInput {
  /** The deployment's settings; `trustedProxies`, which this version may lack, is read if present. */
  readonly config: Config;
  /** The secret came from TASKGATE_SECRET_KEY rather than `<data dir>/secret.key`. */
  readonly secretFromEnvironment: boolean;
  /** An SMTP URL to check instead of the configured one. */
  readonly smtpUrl?: string;
  readonly nodeVersion: string;
  /** How long a network probe may take. */
  readonly timeoutMs?: number;
}

const modeOf = (path: string): number | undefined => {
  try {
    return statSync(path).mode;
  } catch {
    return undefined;
  }
};

function optionalSetting<T>(config: Config, name: string, is: (value: unknown) => value is T): T | undefined {
  const value = (config as unknown as Record<string, unknown>)[name];
  return is(value) ? value : undefined;
}

const isStringList = (value: unknown): value is readonly string[] =>
  Array.isArray(value) && value.every((entry) => typeof entry === 'string');

export async function runDoctor(input: DoctorInput): Promise<CheckResult[]> {
  const { config } = input;
  const timeoutMs = input.timeoutMs ?? 5000;
  const results: CheckResult[] = [checkPublicUrl(config.publicUrl)];
  results.push(
    checkTrustedProxies({
      publicUrl: config.publicUrl,
      host: config.host,
      trustedProxies: optionalSetting(config, 'trustedProxies', isStringList),
    }),
  );
  const secretFile = resolve(join(config.dataDir, 'secret.key'));
  results.push(
    checkSecretFile(
      input.secretFromEnvironment
        ? { source: 'environment' }
        : { file: secretFile, mode: modeOf(secretFile) },
    ),
  );
  results.push(checkNodeVersion(input.nodeVersion));

  if (config.databaseUrl.startsWith('sqlite:')) {
    const file = resolve(config.databaseUrl.slice('sqlite:'.length));
    results.push(
      checkDatabaseFile({
        file,
        mode: modeOf(file),
        directory: dirname(file),
        directoryMode: modeOf(dirname(file)),
      }),
    );
  }
  let probe: Awaited<ReturnType<typeof probeDeployment>> | undefined;
  try {
    probe = await probeDeployment(config.databaseUrl, Math.min(config.databaseConnectTimeoutMs, timeoutMs));
    results.push(checkDatabase(undefined));
  } catch (error) {
    results.push(checkDatabase(error instanceof Error ? error.message : String(error)));
  }
  if (probe) {
    results.push(checkMigrations(probe.pending));
    const skew =
      probe.serverTime && probe.askedAt
        ? {
            skewMs: probe.serverTime.getTime() - probe.askedAt.getTime(),
            uncertaintyMs: Math.max(0, Date.now() - probe.askedAt.getTime()),
          }
        : undefined;
    results.push(checkClockSkew(skew));
  }

  // `smtpUrl` (TASKGATE_SMTP_URL) is the setting the notifications send with (email-transport.ts).
  const smtpUrl = input.smtpUrl ?? config.smtpUrl;
  results.push(
    checkSmtp(
      smtpUrl === undefined ? undefined : { url: smtpUrl, reach: await smtpGreeting(smtpUrl, timeoutMs) },
    ),
  );
  const webhooks = probe?.webhookUrls;
  results.push(
    checkWebhooks(
      webhooks &&
        (await Promise.all(webhooks.map(async (url) => ({ url, reach: await tcpReach(url, timeoutMs) })))),
    ),
  );
  return results;
}

function portOf(url: URL, fallback: number): number {
  return url.port === '' ? fallback : Number(url.port);
}

/** Opens a connection and resolves with the first line the peer sends (or with the error). */
function firstLine(open: () => Socket, timeoutMs: number, wantLine: boolean): Promise<Reach> {
  return new Promise((done) => {
    let socket: Socket | undefined;
    let received = '';
    const finish = (reach: Reach) => {
      clearTimeout(timer);
      socket?.destroy();
      done(reach);
    };
    const timer = setTimeout(
      () => finish({ ok: false, error: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    try {
      socket = open();
    } catch (error) {
      finish({ ok: false, error: (error as Error).message });
      return;
    }
    socket.setEncoding('utf8');
    socket.on('error', (error) => finish({ ok: false, error: error.message }));
    socket.on('data', (chunk: string) => {
      received += chunk;
      const end = received.indexOf('\n');
      if (end >= 0) finish({ ok: true, banner: received.slice(0, end).trim() });
    });
    socket.on('end', () => finish({ ok: true, banner: received.trim() }));
    socket.on('connect', () => {
      if (!wantLine) finish({ ok: true });
    });
  });
}

async function smtpGreeting(text: string, timeoutMs: number): Promise<Reach> {
  const url = URL.parse(text);
  if (url === null || !['smtp:', 'smtps:'].includes(url.protocol))
    return { ok: false, error: 'not an smtp:// or smtps:// URL' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return url.protocol === 'smtps:'
    ? firstLine(() => connectTls({ host, port: portOf(url, 465), servername: host }), timeoutMs, true)
    : firstLine(() => connectTcp({ host, port: portOf(url, 587) }), timeoutMs, true);
}

async function tcpReach(text: string, timeoutMs: number): Promise<Reach> {
  const url = URL.parse(text);
  if (url === null || !['http:', 'https:'].includes(url.protocol))
    return { ok: false, error: 'not an http(s) URL' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return firstLine(
    () => connectTcp({ host, port: portOf(url, url.protocol === 'https:' ? 443 : 80) }),
    timeoutMs,
    false,
  );
}
