/**
 * The Activity page's fixtures on a demo server: events of each demo member (a marker tool
 * argument per event, so a page can be searched for whose events it shows), signed-in
 * sessions over HTTP, and the unknown page's bytes to compare a refusal with.
 */
import type { AuditEvent } from '../../src/model/index.js';
import type { TestServer } from './mcp-server.js';
import { demoWorkspace, memberOf } from './members.js';
import { csrfOfSession, givePassword, signInOverHttp } from './sign-in.js';

export const DEMO = {
  owner: 'ada@example.com',
  admin: 'grace@example.com',
  member: 'alan@example.com',
  viewer: 'katherine@example.com',
} as const;

/** `count` MCP calls by `email`, a minute apart, each with a `marker` argument naming it. */
export async function seedCalls(
  server: TestServer,
  email: string,
  count: number,
  extra: Partial<Parameters<TestServer['app']['audit']['append']>[0]> = {},
): Promise<AuditEvent[]> {
  const workspace = await demoWorkspace(server);
  const member = (await memberOf(server, email))!;
  const out: AuditEvent[] = [];
  for (let i = 0; i < count; i++) {
    out.push(
      await server.app.audit.append({
        workspaceId: workspace.id,
        action: 'mcp.tool_called',
        tool: i % 2 ? 'update_task' : 'get_task',
        outcome: i % 3 === 2 ? 'denied' : 'ok',
        memberId: member.id,
        environment: workspace.environment,
        ip: i % 2 ? '203.0.113.7' : '198.51.100.2',
        clientName: 'cursor',
        clientVersion: '1.2.0',
        params: { marker: `${email.split('@')[0]}-${i}` },
        ...extra,
      }),
    );
    // Signed as a running server signs them (every minute): no span is left unsigned too long.
    await server.app.checkpointer.checkpointAll();
    server.clock.advance(60_000);
  }
  return out;
}

export interface Session {
  readonly cookie: string;
  readonly csrf: string;
  get(path: string): Promise<Response>;
}

export async function sessionOf(server: TestServer, email: string): Promise<Session> {
  const password = await givePassword(server, email);
  const { cookie } = await signInOverHttp(server, email, password);
  if (!cookie) throw new Error(`no session for ${email}`);
  const csrf = await csrfOfSession(server, cookie);
  return {
    cookie,
    csrf,
    get: (path) => fetch(`${server.url}${path}`, { redirect: 'manual', headers: { cookie } }),
  };
}

/** The unknown page as this session gets it: what a refused page must equal byte for byte. */
export async function unknownPage(session: Session): Promise<string> {
  const response = await session.get('/admin/no-such-page');
  if (response.status !== 404) throw new Error('the unknown page is not a 404');
  return response.text();
}

/** The events' ids in order of appearance on a page. */
export const eventIdsOn = (html: string) =>
  [...html.matchAll(/href="\/admin\/activity\/(evt_[0-9A-Z]{26})"/g)].map((m) => m[1]!);

/** A link's target on a page, by its text, HTML entities undone. */
export function linkOn(html: string, text: string): string | undefined {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const href = new RegExp(`<a[^>]*href="([^"]+)"[^>]*>${escaped}</a>`).exec(html)?.[1];
  return href?.replaceAll('&amp;', '&');
}
