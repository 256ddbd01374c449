/**
 * Alerts in the console: an owner lists them (open first), opens one with its evidence and
 * next steps, acknowledges and resolves it; the header counts the open ones. A member sees no
 * alert at all (404, and their post changes nothing); another workspace's alert is a 404.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALERT_RULES_PATH, ALERTS_PATH, alertPath } from '../../src/admin-ui/index.js';
import { ANOMALY_RULES } from '../../src/monitoring/index.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { csrfOfSession, givePassword, postForm, signInOverHttp } from '../support/sign-in.js';
import { raiseTestAlert } from './alert-support.js';

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

const get = (path: string, cookie: string) => fetch(`${server.url}${path}`, { headers: { cookie } });

const raise = (slug?: string, summary?: string) => raiseTestAlert(server, slug, summary);

describe('console alerts', () => {
  it('lists open alerts with their evidence and next steps, and counts them in the header', async () => {
    const alert = await raise();
    const owner = await session('ada@example.com');
    const page = await get(ALERTS_PATH, owner.cookie);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('burst of deletes');
    expect(html).toContain('href="/admin/activity/evt_one"');
    expect(html).toContain(`href="/admin/keys/${alert.credentialId}"`);
    expect(html).toContain('<time datetime=');
    expect(html).toContain('1 open alert<');
    const detail = await (await get(alertPath(alert.id), owner.cookie)).text();
    expect(detail).toContain(`/admin/keys/${alert.credentialId}/lift`);
    expect(detail).toContain(`/admin/keys/${alert.credentialId}/incident`);
    expect(detail).toContain(`/admin/keys/${alert.credentialId}/rotate`);
    expect(detail).toContain(`action="${alertPath(alert.id)}/acknowledge"`);
  });

  it('shows the suspension on the key page and in the keys list, with a link to lift it', async () => {
    const alert = await raise();
    const owner = await session('ada@example.com');
    const page = await (await get(`/admin/keys/${alert.credentialId}`, owner.cookie)).text();
    expect(page).toContain('Suspended');
    expect(page).toContain('read-only since');
    expect(page).toContain('burst of deletes');
    expect(page).toContain(`href="/admin/keys/${alert.credentialId}/lift"`);
    const list = await (await get('/admin/keys', owner.cookie)).text();
    expect(list).toContain(`href="/admin/keys/${alert.credentialId}/lift"`);
  });

  it('acknowledges then resolves an alert; resolved ones show only under All', async () => {
    const alert = await raise();
    const owner = await session('ada@example.com');
    const acked = await postForm(
      server,
      `${alertPath(alert.id)}/acknowledge`,
      { csrf: owner.csrf },
      { cookie: owner.cookie },
    );
    expect(acked.status).toBe(200);
    expect(await acked.text()).toContain('acknowledged');
    const resolved = await postForm(
      server,
      `${alertPath(alert.id)}/resolve`,
      { csrf: owner.csrf },
      { cookie: owner.cookie },
    );
    expect(resolved.status).toBe(200);
    const stored = await server.app.monitoring.alerts.show('demo', alert.id, null);
    expect(stored.acknowledgedAt).not.toBeNull();
    expect(stored.resolvedAt).not.toBeNull();
    const open = await (await get(ALERTS_PATH, owner.cookie)).text();
    expect(open).toContain('No open alerts.');
    expect(open).not.toContain('open alert<');
    expect(await (await get(`${ALERTS_PATH}?show=all`, owner.cookie)).text()).toContain('burst of deletes');
  });

  it('refuses a resolve from a foreign page (CSRF) and changes nothing', async () => {
    const alert = await raise();
    const owner = await session('ada@example.com');
    const refused = await postForm(
      server,
      `${alertPath(alert.id)}/resolve`,
      { csrf: 'forged' },
      { cookie: owner.cookie },
    );
    expect(refused.status).toBe(403);
    expect((await server.app.monitoring.alerts.show('demo', alert.id, null)).resolvedAt).toBeNull();
  });

  it('hides alerts from a member: the pages are 404, a resolve changes nothing, no header count', async () => {
    const alert = await raise();
    const member = await session('alan@example.com');
    expect((await get(ALERTS_PATH, member.cookie)).status).toBe(404);
    expect((await get(alertPath(alert.id), member.cookie)).status).toBe(404);
    const post = await postForm(
      server,
      `${alertPath(alert.id)}/resolve`,
      { csrf: member.csrf },
      { cookie: member.cookie },
    );
    expect(post.status).toBe(404);
    expect((await server.app.monitoring.alerts.show('demo', alert.id, null)).resolvedAt).toBeNull();
    expect(await (await get('/admin', member.cookie)).text()).not.toContain('open alert');
  });

  it("answers another workspace's alert with the 404 page and leaves it open", async () => {
    await server.app.domain.workspaces.create({ workspace: 'other', owner: 'olga@example.com' });
    const foreign = await raise('other', 'foreign burst');
    const owner = await session('ada@example.com');
    expect((await get(alertPath(foreign.id), owner.cookie)).status).toBe(404);
    const post = await postForm(
      server,
      `${alertPath(foreign.id)}/resolve`,
      { csrf: owner.csrf },
      { cookie: owner.cookie },
    );
    expect(post.status).toBe(404);
    expect((await server.app.monitoring.alerts.show('other', foreign.id, null)).resolvedAt).toBeNull();
    expect(await (await get(ALERTS_PATH, owner.cookie)).text()).not.toContain('foreign burst');
  });
});

describe('console anomaly rules', () => {
  async function form(): Promise<Record<string, string>> {
    const workspace = (await server.app.store.workspaces.findBySlug('demo'))!;
    const rules = await server.app.monitoring.settings.read(workspace.id, ANOMALY_RULES);
    const out: Record<string, string> = {};
    for (const [rule, fields] of Object.entries(rules))
      for (const [field, value] of Object.entries(fields))
        if (field !== 'enabled' || value === true) out[`${rule}.${field}`] = String(value);
    return out;
  }
  const stored = async () =>
    server.app.monitoring.settings.read(
      (await server.app.store.workspaces.findBySlug('demo'))!.id,
      ANOMALY_RULES,
    );

  it('shows the rules to an owner and saves a change: a threshold, an action, a rule switched off', async () => {
    const owner = await session('ada@example.com');
    const page = await get(ALERT_RULES_PATH, owner.cookie);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="destructiveBurst.threshold" value="25"');
    const fields = await form();
    delete fields['probing.enabled'];
    const saved = await postForm(
      server,
      ALERT_RULES_PATH,
      { csrf: owner.csrf, ...fields, 'destructiveBurst.threshold': '40', 'callBurst.action': 'notify' },
      { cookie: owner.cookie },
    );
    expect(saved.status).toBe(200);
    const rules = await stored();
    expect(rules.destructiveBurst.threshold).toBe(40);
    expect(rules.callBurst.action).toBe('notify');
    expect(rules.probing.enabled).toBe(false);
  });

  it.each([
    ['destructiveBurst.threshold', '0'],
    ['callBurst.factor', '5x'],
    ['idleReuse.days', '99999'],
    ['newClient.action', 'explode'],
  ])('refuses %s = %s beside the field and changes nothing', async (field, value) => {
    const owner = await session('ada@example.com');
    const before = await stored();
    const response = await postForm(
      server,
      ALERT_RULES_PATH,
      { csrf: owner.csrf, ...(await form()), [field]: value },
      { cookie: owner.cookie },
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(`id="${field}-error"`);
    expect(await stored()).toEqual(before);
  });

  it('hides the form from a member (404) and refuses their post', async () => {
    const member = await session('alan@example.com');
    expect((await get(ALERT_RULES_PATH, member.cookie)).status).toBe(404);
    const before = await stored();
    const post = await postForm(
      server,
      ALERT_RULES_PATH,
      { csrf: member.csrf, ...(await form()), 'probing.threshold': '1' },
      { cookie: member.cookie },
    );
    expect(post.status).toBe(404);
    expect(await stored()).toEqual(before);
  });
});
