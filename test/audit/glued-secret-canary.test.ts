/**
 * The attack of issue 13 (point 1): secrets glued to other text or escaped — `API_KEY_<key>`,
 * `x<key>`, `<key>_old`, `Authorization:Bearer%20<key>`, `TASKGATE_KEY_<key>`, a key with its
 * underscores or every character URL-encoded, `x<tgc_…>`, `Bearer_<JWT>` — and key=value
 * secrets in free text (`password=…`, `SECRET: …`, `"token":"…"`, `api_key%3D…`).
 *
 * Fresh secrets (a working owner API key, a real confirmation token, a JWT, key=value values)
 * are planted, in every variant, through a real server on an SQLite file, everywhere a string
 * can enter: tool arguments, tool names, client names (initialize and per-request `_meta`),
 * headers, comments, reasons and the sign-in form. Then no clear copy — nor a URL-encoded one
 * — may be found in the database file and its WAL, in `audit export` (every format), in
 * `incident report` (both formats), or in what the server logged through its own logger.
 *
 * Credential shapes typed into content that was saved (a title, a comment, the reason that
 * becomes the audit comment) legitimately live in the content tables, so for those the
 * database bytes are not searched; everything else is.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app.js';
import { cryptoRandom } from '../../src/core/index.js';
import { BASE62, parseApiKey } from '../../src/credentials/index.js';
import { readSqliteFiles } from '../support/canaries.js';
import { createServerCli } from '../support/cli.js';
import { connectV1, initializeBody, post, startTestServer, type TestServer } from '../support/mcp-server.js';
import { getLoginForm } from '../support/sign-in.js';

const b62 = (n: number) => Array.from(cryptoRandom.bytes(n), (byte) => BASE62[byte % 62]).join('');
const percentAll = (text: string) =>
  Array.from(text, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('');

interface Secret {
  readonly label: string;
  readonly value: string;
  /** Random runs inside the value: any one found, as written or URL-encoded, is a leak. */
  readonly needles: readonly string[];
}

/** Every way the issue found a secret slipping past: glued, prefixed, suffixed, escaped. */
function gluedVariants(secret: Secret): string[] {
  const v = secret.value;
  return [
    `API_KEY_${v}`,
    `x${v}`,
    `${v}_old`,
    `Authorization:Bearer%20${v}`,
    `TASKGATE_KEY_${v}`,
    `Bearer_${v}`,
    `Bearer%20${v}`,
    v.replaceAll('_', '%5F'),
    v.replaceAll('_', '%255F'),
    percentAll(v),
  ];
}

const keyValueVariants = (value: string) => [
  `password=${value}`,
  `SECRET: ${value}`,
  `{"token":"${value}"}`,
  `api_key%3D${value}`,
  `Authorization: Bearer ${value}`,
];

let server: TestServer;
let logs = '';
let ownerKey: Secret;
const secrets: Secret[] = [];
/** Variants that were saved into content (title, comment, reason): may live in content tables. */
const contentLabels = new Set<string>();
let dbFiles: string[] = [];
const exports: Record<string, string> = {};
const reports: Record<string, string> = {};

/** Every planted string, by the secret it carries. */
function allVariants(): { secret: Secret; text: string }[] {
  return secrets.flatMap((secret) =>
    secret.label.startsWith('key=value')
      ? keyValueVariants(secret.value).map((text) => ({ secret, text }))
      : gluedVariants(secret).map((text) => ({ secret, text })),
  );
}

/** Where any needle of any secret shows, as written or URL-encoded, case-insensitively. */
function leaksIn(haystack: string, only: (s: Secret) => boolean = () => true): string[] {
  const lower = haystack.toLowerCase();
  return secrets
    .filter(only)
    .filter((s) =>
      s.needles.some((n) =>
        [n, percentAll(n), percentAll(n).replaceAll('%', '%25')].some((form) =>
          lower.includes(form.toLowerCase()),
        ),
      ),
    )
    .map((s) => s.label);
}

async function freshJwt(): Promise<Secret> {
  const value = await new SignJWT({ sub: b62(24) })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .sign(cryptoRandom.bytes(32));
  const [, payload, signature] = value.split('.');
  return { label: 'JWT', value, needles: [payload!.slice(8, 32), signature!] };
}

async function plant(): Promise<void> {
  const bearer = { authorization: `Bearer ${ownerKey.value}` };
  const { client } = await connectV1(server, ownerKey.value, 'canary-glued');
  const call = (name: string, args: Record<string, unknown>) =>
    client.callTool({ name, arguments: args }).catch((error: unknown) => ({ isError: true, error }));
  const raw = (body: unknown, headers: Record<string, string> = bearer) =>
    post(server, JSON.stringify(body), headers);

  // A task whose key the refused calls below can name, and a real confirmation token.
  const created = (await call('create_task', { project: 'APO', title: 'canary target' })) as unknown as {
    structuredContent: { result: { task: string } };
  };
  const task = created.structuredContent.result.task;
  await server.app.policy.set(null, 'demo', { update: 'token' });
  const preview = (await call('update_task', { task, version: 1, status: 'in_progress' })) as unknown as {
    structuredContent: { token: string };
  };
  const token = preview.structuredContent.token;
  const [actionAndPrefix, mac] = token.split('.');
  expect(actionAndPrefix).toMatch(/^tgc_act_/);
  secrets.push({ label: 'confirmation token', value: token, needles: [mac!] });
  await server.app.policy.set(null, 'demo', { update: 'default' });

  let id = 100;
  for (const { secret, text } of allVariants()) {
    // Tool arguments that are not content: a search query, an unknown argument, a bad reference.
    await call('search_tasks', { query: text });
    await call('list_tasks', { limit: 1, note: text });
    await call('get_task', { task: text });
    // A comment and a reason on writes that are refused (no such task; a stale version).
    await call('add_comment', { task: 'APO-9999', body: text, reason: text });
    await call('update_task', { task, version: 99, title: 'stale', reason: text });
    // Tool names, and client names in initialize and in a call's `_meta`.
    await raw({ jsonrpc: '2.0', id: id++, method: 'tools/call', params: { name: text, arguments: {} } });
    await raw({
      jsonrpc: '2.0',
      id: id++,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: text, version: text } },
    });
    await raw({
      jsonrpc: '2.0',
      id: id++,
      method: 'tools/call',
      params: {
        name: 'whoami',
        arguments: {},
        _meta: { 'io.modelcontextprotocol/clientInfo': { name: text, version: text } },
      },
    });
    // Headers: a refused bearer, and a User-Agent, a cookie and X-Api-Key on an accepted request.
    await post(server, initializeBody, { authorization: `Bearer ${text}`, 'user-agent': `curl (${text})` });
    await post(server, initializeBody, { ...bearer, 'user-agent': `Mozilla (${text})`, 'x-api-key': text });
    // The sign-in form: every field, with a User-Agent.
    const form = await getLoginForm(server);
    await fetch(`${server.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: server.url,
        cookie: form.cookie,
        'user-agent': `Mozilla (${text})`,
      },
      body: new URLSearchParams({
        csrf: form.csrf,
        email: text,
        password: text,
        workspace: text,
        next: text,
      }),
    });
    await fetch(`${server.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: server.url,
        cookie: form.cookie,
      },
      body: new URLSearchParams({
        csrf: form.csrf,
        email: `${text}@example.com`,
        password: 'x',
        workspace: 'demo',
      }),
    });
    // Straight into the server's logger: whatever a log line carries passes the same sanitizer.
    server.app.logger.warn({ detail: text, err: new Error(`failed on ${text}`) }, `request named ${text}`);
    if (secret.label.startsWith('key=value')) continue;
    // Content that is saved: a title, a comment, a reason (which becomes the audit comment).
    contentLabels.add(secret.label);
    await call('create_task', { project: 'APO', title: `pasted ${text}`, reason: text });
    await call('add_comment', { task, body: `see ${text}` });
  }
  await client.close();
}

beforeAll(async () => {
  const logger = createLogger('trace', {
    write: (line: string) => {
      logs += line;
    },
  });
  server = await startTestServer({ logger, keepDatabase: true });
  const key = await server.issueKey({ name: 'owner-canary-laptop' });
  expect(parseApiKey(key).ok).toBe(true);
  ownerKey = { label: 'owner API key', value: key, needles: [key.slice(7, 37)] };
  secrets.push(ownerKey, await freshJwt());
  for (let i = 0; i < 3; i++) secrets.push({ label: `key=value secret ${i}`, value: b62(20), needles: [] });
  for (const s of secrets) if (s.label.startsWith('key=value')) (s.needles as string[]).push(s.value);
  await plant();
  // Written while the server runs (the WAL holds the newest pages), and after it stops.
  const dbPath = server.app.config.databaseUrl.replace(/^sqlite:/, '');
  dbFiles = readSqliteFiles(dbPath);
  const cli = createServerCli(server);
  for (const format of ['jsonl', 'csv', 'ocsf']) {
    const run = await cli.run('audit', 'export', '--workspace', 'demo', '--format', format);
    expect(run.code, run.stderr).toBe(0);
    exports[format] = run.stdout;
  }
  for (const format of ['md', 'json']) {
    const run = await cli.run(
      'incident',
      'report',
      '--workspace',
      'demo',
      '--key',
      'owner-canary-laptop',
      '--format',
      format,
    );
    expect(run.code, run.stderr).toBe(0);
    reports[format] = run.stdout;
  }
  cli.remove();
  await server.close();
  dbFiles.push(...readSqliteFiles(dbPath));
}, 300_000);

afterAll(async () => {
  await server?.database.drop();
});

describe('secrets glued to other text or escaped, planted everywhere a string enters', () => {
  it('were planted: a working owner key, a real confirmation token, a JWT and key=value secrets', () => {
    expect(secrets.map((s) => s.label)).toEqual([
      'owner API key',
      'JWT',
      'key=value secret 0',
      'key=value secret 1',
      'key=value secret 2',
      'confirmation token',
    ]);
    expect(allVariants().length).toBeGreaterThanOrEqual(45);
    // The checks can see a secret: the content tables do hold the titles that were saved.
    expect(dbFiles.some((bytes) => leaksIn(bytes).includes('owner API key'))).toBe(true);
  });

  it('leave no clear or URL-encoded copy in the database file or its WAL, outside saved content', () => {
    const leaks = dbFiles.flatMap((bytes) => leaksIn(bytes, (s) => !contentLabels.has(s.label)));
    expect([...new Set(leaks)]).toEqual([]);
  });

  it('leave no copy in `audit export`, in any format', () => {
    for (const [format, text] of Object.entries(exports)) {
      expect(text.length, format).toBeGreaterThan(10_000);
      expect(leaksIn(text), format).toEqual([]);
    }
  });

  it('leave no copy in `incident report`, in either format', () => {
    for (const [format, text] of Object.entries(reports)) {
      expect(text, format).toContain('owner-canary-laptop');
      expect(leaksIn(text), format).toEqual([]);
    }
  });

  it("leave no copy in the server's log", () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(leaksIn(logs)).toEqual([]);
  });
});
