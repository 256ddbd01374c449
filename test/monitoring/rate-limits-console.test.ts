/**
 * Policy → Request limits in the console: owners and admins tune the workspace's limits with
 * sudo, a bad value comes back beside its field and changes nothing, a member never sees it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIMITS_PATH } from '../../src/admin-ui/index.js';
import { SETTINGS_CHANGED_ACTION } from '../../src/monitoring/index.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { csrfOfSession, givePassword, postForm, signInOverHttp } from '../support/sign-in.js';

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await server.close();
});

async function session(email: string) {
  const { cookie } = await signInOverHttp(server, email, await givePassword(server, email));
  return { cookie: cookie!, csrf: await csrfOfSession(server, cookie!) };
}

const FORM = {
  keyReadsPerMinute: '600',
  keyWritesPerMinute: '120',
  memberReadsPerMinute: '1200',
  memberWritesPerMinute: '240',
  ipReadsPerMinute: '1200',
  ipWritesPerMinute: '240',
};

async function workspaceId() {
  return (await server.app.store.workspaces.findBySlug('demo'))!.id;
}

describe('console request limits', () => {
  it('shows the limits to an owner and saves a change, audited with the member', async () => {
    const owner = await session('ada@example.com');
    const page = await fetch(`${server.url}${LIMITS_PATH}`, { headers: { cookie: owner.cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('value="600"');
    const saved = await postForm(
      server,
      LIMITS_PATH,
      { csrf: owner.csrf, ...FORM, keyReadsPerMinute: '90' },
      { cookie: owner.cookie },
    );
    expect(saved.status).toBe(200);
    expect((await server.app.monitoring.rateLimits.show(await workspaceId())).keyReadsPerMinute).toBe(90);
    const [event] = await server.app.store.audit.list(await workspaceId(), {
      action: SETTINGS_CHANGED_ACTION,
      limit: 5,
    });
    expect(event?.memberId).not.toBeNull();
  });

  it.each([
    ['keyReadsPerMinute', '0'],
    ['keyWritesPerMinute', '12x'],
    ['ipReadsPerMinute', '100001'],
  ])('refuses %s = %s beside the field and changes nothing', async (field, value) => {
    const owner = await session('ada@example.com');
    const before = await server.app.monitoring.rateLimits.show(await workspaceId());
    const response = await postForm(
      server,
      LIMITS_PATH,
      { csrf: owner.csrf, ...FORM, [field]: value },
      { cookie: owner.cookie },
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(`id="${field}-error"`);
    expect(await server.app.monitoring.rateLimits.show(await workspaceId())).toEqual(before);
  });

  it('hides the page from a member (404) and refuses their post', async () => {
    const member = await session('alan@example.com');
    const page = await fetch(`${server.url}${LIMITS_PATH}`, { headers: { cookie: member.cookie } });
    expect(page.status).toBe(404);
    const post = await postForm(
      server,
      LIMITS_PATH,
      { csrf: member.csrf, ...FORM, keyReadsPerMinute: '1' },
      { cookie: member.cookie },
    );
    expect(post.status).toBe(404);
    expect((await server.app.monitoring.rateLimits.show(await workspaceId())).keyReadsPerMinute).toBe(600);
  });
});
