/**
 * Downloading the Activity view over HTTP, on SQLite and PostgreSQL: each format's content
 * and headers, the member's scope, the filters applied, spreadsheet formula injection
 * defused in CSV, and bad export requests answered with the page, not a file.
 */
import { expect, it } from 'vitest';
import { EXPORT_MAX_EVENTS } from '../../src/admin-ui/activity.js';
import { DEMO, seedCalls, sessionOf } from '../support/activity-console.js';
import { demoWorkspace, describeEachServer } from '../support/members.js';

const lines = (text: string) => text.split('\n').filter(Boolean);

describeEachServer('activity exports', (server) => {
  it('downloads the filtered view as JSON Lines, oldest first, as an attachment', async () => {
    const calls = await seedCalls(server(), DEMO.member, 4);
    const owner = await sessionOf(server(), DEMO.owner);
    const response = await owner.get(
      '/admin/activity/export?format=jsonl&member=alan%40example.com&tool=get_task',
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="demo-audit.jsonl"');
    expect(response.headers.get('cache-control')).toContain('no-store');
    const events = lines(await response.text()).map((l) => JSON.parse(l) as { id: string; tool: string });
    expect(events.map((e) => e.id)).toEqual(calls.filter((e) => e.tool === 'get_task').map((e) => e.id));
  });

  it('downloads CSV with a header row and defuses a formula a client put in its user agent', async () => {
    await seedCalls(server(), DEMO.member, 2, { userAgent: '=HYPERLINK("https://evil.example","x")' });
    const owner = await sessionOf(server(), DEMO.owner);
    const response = await owner.get('/admin/activity/export?format=csv&member=alan%40example.com');
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="demo-audit.csv"');
    const text = await response.text();
    const rows = text.split('\r\n').filter(Boolean);
    expect(rows[0]).toMatch(/^id,workspaceId,occurredAt,action,/);
    expect(rows).toHaveLength(3);
    expect(text).toContain(`"'=HYPERLINK(""https://evil.example"",""x"")"`);
    expect(text).not.toMatch(/(^|,)=HYPERLINK/m);
  });

  it('downloads OCSF 1.1 JSON Lines', async () => {
    await seedCalls(server(), DEMO.member, 3);
    const owner = await sessionOf(server(), DEMO.owner);
    const response = await owner.get('/admin/activity/export?format=ocsf&member=alan%40example.com');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="demo-audit-ocsf.jsonl"');
    const events = lines(await response.text()).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events).toHaveLength(3);
    for (const e of events) {
      expect(e).toMatchObject({ metadata: expect.objectContaining({ version: '1.1.0' }) });
      expect(typeof e.class_uid).toBe('number');
    }
  });

  it('gives a member only their own events, whatever member filter the URL carries', async () => {
    const ada = await seedCalls(server(), DEMO.owner, 2);
    const alan = await seedCalls(server(), DEMO.member, 2);
    const member = await sessionOf(server(), DEMO.member);
    const own = lines(await (await member.get('/admin/activity/export?format=jsonl')).text());
    const ids = own.map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids).toEqual(expect.arrayContaining(alan.map((e) => e.id)));
    for (const e of ada) expect(ids).not.toContain(e.id);
    const tampered = await member.get(
      `/admin/activity/export?format=jsonl&member=${encodeURIComponent(DEMO.owner)}`,
    );
    expect(tampered.status).toBe(200);
    expect(await tampered.text()).toBe('');
  });

  it('answers a missing, repeated or unknown format, a cursor or a bad filter with the page and a 400, not a file', async () => {
    await seedCalls(server(), DEMO.member, 1);
    const owner = await sessionOf(server(), DEMO.owner);
    for (const query of [
      '',
      'format=xml',
      'format=csv&format=jsonl',
      'format=csv%0A',
      'format=csv&cursor=x',
      'format=csv&since=yesterday',
    ]) {
      const response = await owner.get(`/admin/activity/export?${query}`);
      expect([query, response.status]).toEqual([query, 400]);
      expect(response.headers.get('content-disposition')).toBeNull();
      expect(response.headers.get('content-type')).toContain('text/html');
    }
  });

  it('stops a download at its bound (the console asks for EXPORT_MAX_EVENTS)', async () => {
    expect(EXPORT_MAX_EVENTS).toBeGreaterThan(0);
    await seedCalls(server(), DEMO.member, 3);
    const workspace = await demoWorkspace(server());
    const download = await server().app.activity.export(
      { kind: 'operator' },
      { workspace: workspace.slug },
      'jsonl',
      {
        maxEvents: 2,
      },
    );
    let events = 0;
    for await (const chunk of download.chunks) events += chunk.events;
    expect(events).toBe(2);
  });
});
