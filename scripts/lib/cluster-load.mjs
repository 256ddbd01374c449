/**
 * What the cluster drill drives through the load balancer: MCP clients of the official SDK
 * (reads, creates, token-confirmed updates, deletes approved in the console) and the console
 * spoken over plain HTTP (sign in, approve, revoke), as a browser would but without one.
 * Every outcome is kept, so the drill can say which requests failed and what was acknowledged.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export async function mcpClient(baseUrl, key, name = 'cluster-drill') {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  return client;
}

/** A tool's structured answer; a tool error (isError) is thrown with its text. */
export async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError)
    throw Object.assign(new Error(`${name}: ${result.content?.[0]?.text}`), { toolError: true });
  return result.structuredContent;
}

const cookiePairs = (response) => response.headers.getSetCookie().map((header) => header.split(';')[0]);
const hidden = (page, name) => new RegExp(`name="${name}" value="([^"]+)"`).exec(page)?.[1];

/**
 * A signed-in console session. `origin` is the public URL: the console refuses a form whose
 * Origin is not, whichever instance the request reaches.
 */
export async function consoleSession(baseUrl, origin, email, password) {
  const form = await fetch(`${baseUrl}/login`, { redirect: 'manual' });
  const page = await form.text();
  const signIn = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin,
      cookie: cookiePairs(form).join('; '),
    },
    body: new URLSearchParams({ csrf: hidden(page, 'csrf') ?? '', email, password, workspace: 'demo' }),
  });
  const cookie = cookiePairs(signIn).find((pair) => pair.startsWith('taskgate_session='));
  if (!cookie) throw new Error(`console sign-in failed (${signIn.status})`);
  const post = async (url, fields) => {
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin, cookie },
      body: new URLSearchParams(fields),
    });
    return { status: response.status, page: await response.text() };
  };
  return {
    /** Approves a waiting action from its page (the digest is what the page showed). */
    async approve(actionId, via = baseUrl) {
      const page = await (await fetch(`${via}/admin/approvals/${actionId}`, { headers: { cookie } })).text();
      return post(`${via}/admin/approvals/${actionId}/approve`, {
        csrf: hidden(page, 'csrf') ?? '',
        digest: hidden(page, 'digest') ?? '',
      });
    },
    async revokeKey(keyId, via = baseUrl) {
      const page = await (await fetch(`${via}/admin/keys/${keyId}/revoke`, { headers: { cookie } })).text();
      return post(`${via}/admin/keys/${keyId}/revoke`, { csrf: hidden(page, 'csrf') ?? '' });
    },
  };
}

/**
 * `workers` clients in a loop until `stop()`, each doing reads, creates, token-confirmed
 * updates of its own tasks and, every `approveEvery` rounds, a delete approved in the
 * console. `phase()` names the current phase for the outcome log. Writes are acknowledged
 * only when the whole sequence answered; a failed one leaves its target "unknown" (it may or
 * may not have happened: the drill accepts either, never a third state).
 */
export function startLoad({ url, key, tasks, console: session, workers = 6, approveEvery = 8, phase }) {
  const outcomes = [];
  const created = new Map(); // task key -> { titles: Set of acceptable titles, deleted: 'yes'|'no'|'unknown' }
  const updates = { count: 0 };
  let running = true;
  const timed = async (op, run, { retry = false } = {}) => {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const value = await run();
        outcomes.push({ phase: phase(), op, ok: true, ms: Date.now() - started, attempt });
        return value;
      } catch (error) {
        const failure = {
          phase: phase(),
          op,
          ok: false,
          error:
            `${error?.message ?? error}${error?.cause ? ` (${error.cause.code ?? error.cause.message})` : ''}`.slice(
              0,
              200,
            ),
        };
        if (retry && attempt === 0 && !error?.toolError) {
          outcomes.push({ ...failure, retried: true });
          continue;
        }
        outcomes.push(failure);
        return undefined;
      }
    }
  };

  async function worker(w) {
    const client = await mcpClient(url, key, `cluster-drill-${w}`);
    const mine = [];
    for (let round = 0; running; round++) {
      const task = tasks[(w * 7 + round) % tasks.length];
      // Reads are idempotent: a client may retry one that failed in flight.
      await timed('get_task', () => call(client, 'get_task', { task }), { retry: true });
      const title = `drill w${w} r${round}`;
      const made = await timed('create_task', () => call(client, 'create_task', { project: 'APO', title }));
      if (made?.result?.task) {
        created.set(made.result.task, { titles: new Set([title]), deleted: 'no' });
        mine.push(made.result.task);
      }
      const target = mine.at(-1);
      if (target && created.get(target).deleted === 'no') {
        const state = created.get(target);
        const next = `${title} renamed`;
        const confirmed = await timed('update_task+confirm_action', async () => {
          const { task: current } = await call(client, 'get_task', { task: target });
          state.titles.add(next);
          const preview = await call(client, 'update_task', {
            task: target,
            version: current.version,
            title: next,
          });
          if (preview.status !== 'confirmation_required')
            throw new Error(`update answered ${preview.status}`);
          return call(client, 'confirm_action', { token: preview.token });
        });
        if (confirmed) {
          state.titles = new Set([next]);
          updates.count += 1;
        }
      }
      if (round % approveEvery === approveEvery - 1 && mine.length > 1) {
        const doomed = mine.shift();
        const state = created.get(doomed);
        const done = await timed('delete_task+approve', async () => {
          state.deleted = 'unknown';
          const { task: current } = await call(client, 'get_task', { task: doomed });
          const asked = await call(client, 'delete_task', { task: doomed, version: current.version });
          if (asked.status !== 'approval_required') throw new Error(`delete answered ${asked.status}`);
          const approved = await session.approve(asked.action);
          if (approved.status !== 200) throw new Error(`approval answered ${approved.status}`);
          const { status } = await call(client, 'get_action_status', { action_id: asked.action });
          // `approved` is how a tool reports an approved action that ran.
          if (status !== 'approved') throw new Error(`action is ${status}`);
          return status;
        });
        if (done) state.deleted = 'yes';
      }
    }
    await client.close();
  }

  const done = Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  return {
    outcomes,
    created,
    updates,
    async stop() {
      running = false;
      await done;
    },
  };
}
