/**
 * A removed member over real HTTP, on both stores: the official SDK client holding their key
 * gets 401 on its next request, their browser session no longer opens the console, and
 * neither their password nor a login link issued before the removal signs them in again.
 */
import { expect, it } from 'vitest';
import { callToolOverHttp, connectV1 } from '../support/mcp-server.js';
import { describeEachServer } from '../support/members.js';
import { givePassword, signInOverHttp } from '../support/sign-in.js';

describeEachServer('a removed member over HTTP', (server) => {
  it('refuses the removed member’s key on /mcp with 401 and ends their web session', async () => {
    const s = server();
    const key = await s.issueKey({ member: 'alan@example.com', preset: 'standard' });
    const { client } = await connectV1(s, key);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    const password = await givePassword(s, 'alan@example.com');
    const { cookie } = await signInOverHttp(s, 'alan@example.com', password);
    const before = await fetch(`${s.url}/admin`, { headers: { cookie: cookie! }, redirect: 'manual' });
    expect(before.status).toBe(200);
    const link = await s.app.signIn.createLoginLink({ workspace: 'demo', email: 'alan@example.com' });

    await s.app.members.remove({
      workspace: 'demo',
      email: 'alan@example.com',
      by: { member: 'ada@example.com' },
    });

    await expect(client.listTools()).rejects.toThrow(/unauthenticated/);
    await client.close();
    expect(await callToolOverHttp(s, key, 'list_projects')).toMatchObject({ status: 401 });
    const after = await fetch(`${s.url}/admin`, { headers: { cookie: cookie! }, redirect: 'manual' });
    expect(after.status).not.toBe(200);
    expect((await signInOverHttp(s, 'alan@example.com', password)).session).toBeUndefined();
    await expect(
      s.app.signIn.redeemLoginLink(link.token, { ip: null, userAgent: null }),
    ).rejects.toMatchObject({ code: 'unauthenticated' });
  });
});
