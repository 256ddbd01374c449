/**
 * `/admin/notifications` over HTTP: an admin sees whether email is configured, the endpoints
 * and the delivery log; a member gets the unknown page (not a hint the page exists).
 */
import { expect, it } from 'vitest';
import { DEMO, sessionOf, unknownPage } from '../support/activity-console.js';
import { describeEachServer } from '../support/members.js';

describeEachServer('notifications page', (server) => {
  it('shows an admin the email setting, the endpoints and the log; a member gets the unknown page', async () => {
    const admin = await sessionOf(server(), DEMO.admin);
    const page = await admin.get('/admin/notifications');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Email is not configured');
    expect(html).toContain('No webhook endpoints.');
    expect(html).toContain('No notifications sent yet.');
    const member = await sessionOf(server(), DEMO.member);
    const refused = await member.get('/admin/notifications');
    expect(refused.status).toBe(404);
    expect(await refused.text()).toBe(await unknownPage(member));
  });
});
