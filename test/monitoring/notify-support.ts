/**
 * Notifications under test: a workspace (owner, admin, a member who owns a key), the real
 * notifications service on a manual clock, a real SMTP server (npm `smtp-server`) on
 * 127.0.0.1 that keeps what it receives, and a real HTTP webhook receiver that verifies each
 * delivery with the npm `standardwebhooks` package.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import { createAuditLog } from '../../src/audit/index.js';
import { createIdGenerator, createManualClock, createSeededRandom } from '../../src/core/index.js';
import { createKeyService } from '../../src/credentials/index.js';
import { createDomain } from '../../src/domain/index.js';
import { createNotifications } from '../../src/monitoring/index.js';
import { blockedRange } from '../../src/oauth/index.js';
import type { Store } from '../../src/storage/index.js';

export const START = new Date('2026-11-02T09:00:00.000Z');
export const DAY_MS = 86_400_000;
export const PUBLIC_URL = 'https://taskgate.example.test';

export interface ReceivedMail {
  readonly to: string[];
  readonly raw: string;
  /** The raw message with quoted-printable soft breaks and escapes undone. */
  readonly text: string;
}

export interface SmtpSink {
  readonly url: string;
  readonly port: number;
  readonly mails: ReceivedMail[];
  close(): Promise<void>;
}

const decodeQuotedPrintable = (raw: string) =>
  raw
    .replace(/=\r?\n/g, '')
    .replace(/\r?\n[ \t]+/g, ' ')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          text: decodeQuotedPrintable(raw),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${actual}`,
    port: actual,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port nothing listens on (for "SMTP down"). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ReceivedHook {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface HookReceiver {
  readonly url: string;
  readonly hostPort: string;
  /** Every request, verified or not. */
  readonly received: ReceivedHook[];
  /** The payloads whose signature `standardwebhooks` accepted. */
  readonly verified: unknown[];
  /** The secret to verify with (set once the endpoint is added). */
  secret: string;
  /** Answers this many requests with 503 before accepting. */
  failFirst: number;
  close(): Promise<void>;
}

export function verifyHook(secret: string, hook: ReceivedHook): unknown {
  return new Webhook(secret).verify(hook.body, {
    'webhook-id': String(hook.headers['webhook-id']),
    'webhook-timestamp': String(hook.headers['webhook-timestamp']),
    'webhook-signature': String(hook.headers['webhook-signature']),
  });
}

export async function startHookReceiver(): Promise<HookReceiver> {
  const receiver: HookReceiver = {
    url: '',
    hostPort: '',
    received: [],
    verified: [],
    secret: '',
    failFirst: 0,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const hook = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      receiver.received.push(hook);
      if (receiver.failFirst > 0) {
        receiver.failFirst--;
        res.writeHead(503).end('busy');
        return;
      }
      try {
        receiver.verified.push(verifyHook(receiver.secret, hook));
        res.writeHead(204).end();
      } catch {
        res.writeHead(400).end('bad signature');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hooks/taskgate`,
    hostPort: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

export async function createNotifyFixture(
  store: Store,
  options: { smtpUrl?: string; testHosts?: readonly string[]; instance?: string; slug?: string } = {},
) {
  const slug = options.slug ?? 'acme';
  const clock = createManualClock(START);
  const random = createSeededRandom(7);
  const ids = createIdGenerator(clock, random);
  const domain = createDomain({ store, clock, ids });
  const existing = await store.workspaces.findBySlug(slug);
  const created = existing
    ? undefined
    : await domain.workspaces.create({
        workspace: slug,
        owner: `owner@${slug}.test`,
        environment: 'production',
      });
  const workspace = existing ?? created!.workspace;
  const members = await store.members.list(workspace.id);
  const owner = members.find((m) => m.role === 'owner')!;
  const ownerActor = { workspaceId: workspace.id, memberId: owner.id, role: owner.role, via: 'cli' } as const;
  const admin =
    members.find((m) => m.role === 'admin') ??
    (await domain.workspaces.addMember(ownerActor, { email: `admin@${slug}.test`, role: 'admin' }));
  const member =
    members.find((m) => m.role === 'member') ??
    (await domain.workspaces.addMember(ownerActor, { email: `dev@${slug}.test`, role: 'member' }));
  const audit = createAuditLog({ store, clock, ids });
  const keys = createKeyService({ store, clock, random, ids, audit });
  const notifications = createNotifications({
    store,
    audit,
    clock,
    ids,
    publicUrl: PUBLIC_URL,
    sealKey: Buffer.alloc(32, 1),
    smtpUrl: options.smtpUrl,
    notifyFrom: 'Taskgate <security@example.test>',
    blockedRange,
    webhookTestHosts: options.testHosts ?? [],
    instanceId: options.instance ?? 'instance-a',
  });
  async function memberKey(name = 'cursor-work-laptop') {
    const issued = await keys.create({
      workspace: slug,
      name,
      environment: 'production',
      member: member.email,
    });
    return (await store.apiKeys.findById(workspace.id, issued.key.id))!;
  }
  return { clock, ids, audit, workspace, owner, admin, member, keys, notifications, memberKey, slug };
}
