/**
 * The attack behind secrets-canary.test.ts: canaries planted in MCP tool arguments (content,
 * search queries, an unknown `password` argument, values that fail validation, confirmation
 * tokens forged and real), in headers and the URL (wrong keys as bearers, keys in User-Agent,
 * cookies, X-Api-Key, `?access_token=`), in error paths (a malformed body, tools, methods and
 * clients named like keys, an audit log that cannot be written) and on the sign-in form.
 */
import { CLIENT_INFO_META_KEY } from '@modelcontextprotocol/server';
import { sql } from 'kysely';
import { expect } from 'vitest';
import { SIGN_IN_FAILED_MESSAGE } from '../../src/credentials/index.js';
import { openDatabase } from '../../src/storage/index.js';
import { type createCanaries, shapes } from '../support/canaries.js';
import { connectV1, initializeBody, post, type TestServer } from '../support/mcp-server.js';
import { cookiesOf, getLoginForm } from '../support/sign-in.js';

type Canaries = ReturnType<typeof createCanaries>;

type ToolResult = { isError?: boolean; structuredContent?: Record<string, unknown> };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const toolCall = (name: string, args: Record<string, unknown>) =>
  JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: args } });

/** The sign-in form posted with chosen headers (the support helper sends none of its own). */
async function signIn(
  server: TestServer,
  email: string,
  password: string,
  headers: Record<string, string> = {},
) {
  const form = await getLoginForm(server);
  return fetch(`${server.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: server.url,
      cookie: form.cookie,
      ...headers,
    },
    body: new URLSearchParams({ csrf: form.csrf, email, password, workspace: 'demo' }).toString(),
  });
}

/** A real audit-write failure (a trigger, not a mock) while `work` runs, removed afterwards. */
async function withAuditBroken(server: TestServer, work: () => Promise<void>) {
  const handle = await openDatabase(server.app.config.databaseUrl);
  try {
    await sql`create trigger canary_audit_down before insert on audit_events
      begin select raise(abort, 'audit log down (test)'); end`.execute(handle.db);
    await work();
  } finally {
    await sql`drop trigger if exists canary_audit_down`.execute(handle.db);
    await handle.close();
  }
}

/**
 * Plants a fresh canary at every site, checking on the way that each request got the answer
 * the attack expects (so a site that silently stopped being reached fails the test).
 */
export async function plantCanaries(server: TestServer, { canary, real }: Canaries): Promise<void> {
  const key = await server.issueKey({ name: 'cursor-canary-laptop' });
  const { client } = await connectV1(server, key, 'canary-client');
  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args }).catch((error: unknown) => ({
      isError: true,
      error,
    }))) as ToolResult;

  // Tool arguments: content a user typed (titles, descriptions, reasons) and search queries.
  const searched = canary('GitHub token in a reason and a search query', shapes.githubToken, true);
  const created = await call('create_task', {
    project: 'APO',
    title: `Rotate ${canary('sk_live key in a title', shapes.stripeKey, true)} before launch`,
    description: `debug with ${canary('JWT in a description', shapes.jwt, true)} and ${canary('AWS key id in a description', shapes.awsKeyId, true)}`,
    reason: `pasted ${searched} by mistake`,
  });
  expect(created.isError).toBeFalsy();
  const ref = (created.structuredContent!.result as { task: string }).task;
  expect((await call('search_tasks', { query: searched })).isError).toBeFalsy();
  expect(
    (
      await call('update_task', {
        task: ref,
        version: 1,
        title: `Uses ${canary('foreign-environment key in a title', shapes.foreignKey, true)}`,
        description: canary('bad-checksum key in a description', shapes.badChecksumKey, true),
        reason: canary('AWS key id as a reason', shapes.awsKeyId, true),
      })
    ).isError,
  ).toBeFalsy();

  // An argument the schema does not know, classed secret by its name: refused by the SDK.
  await call('create_task', {
    project: 'APO',
    title: 'x',
    password: canary('unknown password argument', shapes.password),
  });
  // Validation failures, some of which echo what was sent back in their message.
  expect(
    (await call('update_task', { task: canary('task ref that is a key', shapes.awsKeyId) })).isError,
  ).toBe(true);
  const echoed = await call('create_task', {
    project: 'APO',
    title: 'z',
    assignee: canary('assignee echoed by an error', shapes.githubToken),
  });
  expect(JSON.stringify(echoed)).toContain('no member ghp_');
  await call('create_task', {
    project: 'APO',
    title: 'y',
    priority: canary('invalid enum value', shapes.stripeKey),
  });
  await call('get_task', { task: canary('JWT as a task ref', shapes.jwt) });
  // A forged confirmation token.
  expect(
    (await call('confirm_action', { token: canary('forged confirmation token', shapes.jwt) })).isError,
  ).toBe(true);

  // A real confirmation token, with a reason that holds a key, confirmed through confirm_action.
  await server.app.policy.set(null, 'demo', { update: 'token' });
  const preview = await call('update_task', {
    task: ref,
    version: 2,
    status: 'in_progress',
    reason: `moving on, key was ${canary('sk_live key in a confirmed reason', shapes.stripeKey, true)}`,
  });
  expect(preview.structuredContent?.status).toBe('confirmation_required');
  const token = real('real confirmation token', preview.structuredContent!.token as string);
  expect((await call('confirm_action', { token })).structuredContent?.status).toBe('done');
  await server.app.policy.set(null, 'demo', { update: 'default' });
  await client.close();

  // Headers and the URL: wrong keys in Authorization, keys in User-Agent, cookies, X-Api-Key.
  const status = async (body: string, headers: Record<string, string>, path?: string) =>
    (await post(server, body, headers, path)).status;
  const init = (headers: Record<string, string>, path?: string) => status(initializeBody, headers, path);
  expect(await init(bearer(canary('foreign-environment bearer', shapes.foreignKey)))).toBe(401);
  expect(await init(bearer(canary('bad-checksum bearer', shapes.badChecksumKey)))).toBe(401);
  expect(await init(bearer(canary('JWT bearer', shapes.jwt)))).toBe(401);
  const refusedAgent = `curl/8.5 (${canary('key in the User-Agent of a refused request', shapes.githubToken)})`;
  const refusedBearer = bearer(canary('foreign bearer with a key in User-Agent', shapes.foreignKey));
  expect(await init({ ...refusedBearer, 'user-agent': refusedAgent })).toBe(401);
  const agent = `Mozilla/5.0 (${canary('key in a User-Agent', shapes.badChecksumKey)})`;
  expect(await init({ ...bearer(key), 'user-agent': agent })).toBe(200);
  const cookie = `taskgate_session=${canary('session cookie sent to /mcp', shapes.sessionCookie)}; theme=${canary('password in a cookie', shapes.password)}`;
  const apiKey = canary('X-Api-Key header', shapes.githubToken);
  expect(await init({ ...bearer(key), cookie, 'x-api-key': apiKey })).toBe(200);
  expect(await init({}, `/mcp?access_token=${canary('access_token in the URL', shapes.jwt)}`)).toBe(401);
  // Error paths: a malformed body, unknown tools and methods named like keys, a client named like one.
  const malformed = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"password":"${canary('password in a malformed body', shapes.password)}"`;
  expect(await status(malformed, bearer(key))).toBe(400);
  await status(toolCall(canary('unknown tool named like a key', shapes.foreignKey), {}), bearer(key));
  await status(toolCall(canary('unknown tool named like a JWT', shapes.jwt), {}), bearer(key));
  const method = canary('JSON-RPC method named like a JWT', shapes.jwt);
  await status(JSON.stringify({ jsonrpc: '2.0', id: 3, method }), bearer(key));
  const poisonedKey = await server.issueKey({ name: 'poisoned-client' });
  const clientKey = canary('key as the MCP client name', shapes.badChecksumKey);
  await post(
    server,
    JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: clientKey, version: canary('AWS key id as the client version', shapes.awsKeyId) },
      },
    }),
    bearer(poisonedKey),
  );
  // A call names its client per request (2026-07-28 `_meta`); that name lands in a comment.
  await post(
    server,
    JSON.stringify({
      jsonrpc: '2.0',
      id: 8,
      method: 'tools/call',
      params: {
        name: 'create_task',
        arguments: { project: 'APO', title: 'after a poisoned initialize' },
        _meta: {
          [CLIENT_INFO_META_KEY]: {
            name: clientKey,
            version: canary('AWS key id as a per-request client version', shapes.awsKeyId),
          },
        },
      },
    }),
    bearer(poisonedKey),
  );

  // The sign-in form: a wrong password, a key as the email, then a real sign-in whose
  // password, User-Agent and session cookie are all canaries.
  const password = canary('real password', shapes.password);
  await server.app.memberAccounts.setPassword({ workspace: 'demo', email: 'alan@example.com', password });
  const wrong = await signIn(server, 'alan@example.com', canary('wrong password', shapes.password));
  expect(wrong.status).toBe(401);
  expect(await wrong.text()).toContain(SIGN_IN_FAILED_MESSAGE);
  expect(
    (await signIn(server, `${canary('key as the sign-in email', shapes.foreignKey)}@example.com`, password))
      .status,
  ).toBe(401);
  const good = await signIn(server, 'alan@example.com', password, {
    'user-agent': `Mozilla/5.0 (${canary('key in the User-Agent of a sign-in', shapes.githubToken)})`,
  });
  expect(good.status).toBe(303);
  const session = real('real session cookie', cookiesOf(good).get('taskgate_session')!.value);
  expect(
    (await fetch(`${server.url}/admin`, { headers: { cookie: `taskgate_session=${session}` } })).status,
  ).toBe(200);
  expect((await post(server, initializeBody, { cookie: `taskgate_session=${session}` })).status).toBe(401);
  await fetch(`${server.url}/admin`, {
    redirect: 'manual',
    headers: { cookie: `taskgate_session=${canary('forged session cookie', shapes.sessionCookie)}` },
  });

  // While the audit log cannot be written: a write and a read fail closed and are logged.
  await withAuditBroken(server, async () => {
    const write = await post(
      server,
      toolCall('create_task', {
        project: 'APO',
        title: 'during the outage',
        reason: canary('key in a write that failed closed', shapes.stripeKey),
      }),
      bearer(key),
    );
    expect(write.status).toBe(503);
    const read = await post(
      server,
      toolCall('search_tasks', { query: canary('key in a read that failed closed', shapes.githubToken) }),
      bearer(key),
    );
    expect(read.status).toBe(503);
  });

  // The audit log's own boundary, for a caller that passes client metadata through uncleaned.
  const workspace = await server.app.store.workspaces.findBySlug('demo');
  await server.app.audit.append({
    action: 'mcp.request',
    outcome: 'ok',
    workspaceId: workspace!.id,
    tool: canary('tool name handed to the audit log', shapes.githubToken),
    clientName: canary('client name handed to the audit log', shapes.foreignKey),
    clientVersion: canary('client version handed to the audit log', shapes.awsKeyId),
  });
}
