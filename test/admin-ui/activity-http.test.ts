/**
 * The Activity page over HTTP, on SQLite and PostgreSQL, one attack per test: a member
 * reaching someone else's events by editing the filters or guessing an event id, forged and
 * glued cursors and filters, a viewer finding the page, a tampered chain, and CSRF on verify.
 */
import { expect, it } from 'vitest';
import { chainOf } from '../../src/chain/index.js';
import { openDatabase } from '../../src/storage/index.js';
import { DEMO, eventIdsOn, linkOn, seedCalls, sessionOf, unknownPage } from '../support/activity-console.js';
import { tamperEvent } from '../support/audit-tamper.js';
import { demoWorkspace, describeEachServer, memberOf } from '../support/members.js';
import { postForm } from '../support/sign-in.js';

describeEachServer('activity page: who sees what', (server) => {
  it('shows owners and admins the whole workspace and a member only their own events', async () => {
    const ada = await seedCalls(server(), DEMO.owner, 2);
    const alan = await seedCalls(server(), DEMO.member, 2);
    for (const email of [DEMO.owner, DEMO.admin]) {
      const page = await (await (await sessionOf(server(), email)).get('/admin/activity')).text();
      expect(eventIdsOn(page)).toEqual(expect.arrayContaining([...ada, ...alan].map((e) => e.id)));
      expect(page).toContain('Verify the chain now');
    }
    const member = await sessionOf(server(), DEMO.member);
    const response = await member.get('/admin/activity');
    expect(response.status).toBe(200);
    const page = await response.text();
    const shown = eventIdsOn(page);
    expect(shown).toEqual(expect.arrayContaining(alan.map((e) => e.id)));
    for (const e of ada) expect(shown).not.toContain(e.id);
    expect(page).not.toContain('Verify the chain now');
  });

  it("answers a member's filter on another member with nothing, and a key of theirs as no key", async () => {
    const ada = await seedCalls(server(), DEMO.owner, 2, { credentialName: 'cursor-ada-laptop' });
    const adaId = (await memberOf(server(), DEMO.owner))!.id;
    const member = await sessionOf(server(), DEMO.member);
    for (const query of [`member=${DEMO.owner}`, `member=${adaId}`, `member=${adaId}&tool=get_task`]) {
      const page = await (await member.get(`/admin/activity?${query}`)).text();
      for (const e of ada) expect(page).not.toContain(e.id);
      expect(page).toContain('No event matches this view');
    }
    const byKey = await member.get('/admin/activity?key=cursor-ada-laptop');
    expect(byKey.status).toBe(400);
    const text = await byKey.text();
    expect(text).toContain('no key was ever named');
    for (const e of ada) expect(text).not.toContain(e.id);
  });

  it("answers a member guessing another member's event id with the unknown page's exact bytes", async () => {
    const [ada] = await seedCalls(server(), DEMO.owner, 1);
    const [own] = await seedCalls(server(), DEMO.member, 1);
    const member = await sessionOf(server(), DEMO.member);
    const guessed = await member.get(`/admin/activity/${ada!.id}`);
    expect(guessed.status).toBe(404);
    expect(await guessed.text()).toBe(await unknownPage(member));
    const missing = await member.get('/admin/activity/evt_01ZZZZZZZZZZZZZZZZZZZZZZZZ');
    expect(await missing.text()).toBe(await unknownPage(member));
    expect((await member.get(`/admin/activity/${own!.id}`)).status).toBe(200);
    const admin = await sessionOf(server(), DEMO.admin);
    expect(await (await admin.get(`/admin/activity/${ada!.id}`)).text()).toContain('ada-0');
  });

  it('answers a viewer on every activity path with the unknown page, and runs nothing for them', async () => {
    const [event] = await seedCalls(server(), DEMO.viewer, 1);
    const viewer = await sessionOf(server(), DEMO.viewer);
    const unknown = await unknownPage(viewer);
    for (const path of [
      '/admin/activity',
      `/admin/activity/${event!.id}`,
      '/admin/activity/export?format=csv',
      '/admin/activity/verify',
    ]) {
      const response = await viewer.get(path);
      expect([path, response.status]).toEqual([path, 404]);
      expect(await response.text()).toBe(unknown);
    }
    const posted = await postForm(
      server(),
      '/admin/activity/verify',
      { csrf: viewer.csrf },
      { cookie: viewer.cookie },
    );
    expect(posted.status).toBe(404);
    expect(await posted.text()).toBe(unknown);
    const workspace = await demoWorkspace(server());
    expect(await server().app.store.audit.list(workspace.id, { action: 'audit.verified', limit: 5 })).toEqual(
      [],
    );
  });

  it('answers a member on the verify form with the unknown page (only owners and admins verify)', async () => {
    const member = await sessionOf(server(), DEMO.member);
    const unknown = await unknownPage(member);
    expect(await (await member.get('/admin/activity/verify')).text()).toBe(unknown);
    const posted = await postForm(
      server(),
      '/admin/activity/verify',
      { csrf: member.csrf },
      { cookie: member.cookie },
    );
    expect(await posted.text()).toBe(unknown);
  });
});

describeEachServer('activity page: an event', (server) => {
  it("shows an event's arguments, result, diff, client and chain, with stored markup and bidi controls inert", async () => {
    const task = 'tsk_01JAAAAAAAAAAAAAAAAAAAAAAA';
    const key = 'key_01JAAAAAAAAAAAAAAAAAAAAAAA';
    const [event] = await seedCalls(server(), DEMO.member, 1, {
      tool: 'update_task',
      credentialId: key,
      credentialName: 'cursor-alan-laptop',
      userAgent: '<img src=x onerror=alert(1)>',
      params: { task: 'APO-1', title: '<script>alert(1)</script>\u202egnp.exe' },
      result: { id: task, version: 3 },
      changes: [
        {
          kind: 'task',
          op: 'update',
          id: task,
          ref: 'APO-1',
          before: { title: 'Old title', version: 2 },
          after: { title: '<script>alert(1)</script>\u202egnp.exe', version: 3 },
          beforeVersion: 2,
          afterVersion: 3,
        },
      ],
    });
    const owner = await sessionOf(server(), DEMO.owner);
    const response = await owner.get(`/admin/activity/${event!.id}`);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img src=x');
    expect(page).not.toContain('\u202e');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;\\u202egnp.exe');
    expect(page).toContain('client &quot;cursor 1.2.0&quot;');
    expect(page).toContain('&quot;Old title&quot;');
    expect(page).toContain(`href="/admin/keys/${key}"`);
    expect(page).toContain(`Task ${task}`);
    expect(page).toMatch(/<dt>Link<\/dt><dd><strong>verifies<\/strong>/);
    expect(page).toContain('signed by the checkpoint at sequence');
  });

  it('answers an id glued to other characters with a 400 page, and a path past it with the 404', async () => {
    const [event] = await seedCalls(server(), DEMO.member, 1);
    const owner = await sessionOf(server(), DEMO.owner);
    for (const bad of [
      `${event!.id}x`,
      `${event!.id}%E2%80%AE`,
      `${event!.id}%00`,
      'evt_nope',
      `${event!.id}'--`,
    ]) {
      const response = await owner.get(`/admin/activity/${bad}`);
      expect([bad, response.status]).toEqual([bad, 400]);
      expect(await response.text()).toContain('This address does not name an event');
    }
    const past = await owner.get(`/admin/activity/${event!.id}/more`);
    expect(await past.text()).toBe(await unknownPage(owner));
  });
});

describeEachServer('activity page: forged views', (server) => {
  it('pages older and newer through MAC-checked cursors, keeping the filters', async () => {
    const calls = await seedCalls(server(), DEMO.member, 7);
    const newestFirst = calls.map((e) => e.id).reverse();
    const owner = await sessionOf(server(), DEMO.owner);
    const first = await (await owner.get('/admin/activity?member=alan%40example.com&limit=3')).text();
    expect(eventIdsOn(first)).toEqual(newestFirst.slice(0, 3));
    expect(linkOn(first, 'Newer events')).toBeUndefined();
    const older = linkOn(first, 'Older events')!;
    expect(older).toContain('member=alan%40example.com');
    const second = await (await owner.get(older)).text();
    expect(eventIdsOn(second)).toEqual(newestFirst.slice(3, 6));
    const third = await (await owner.get(linkOn(second, 'Older events')!)).text();
    expect(eventIdsOn(third)).toEqual(newestFirst.slice(6));
    expect(linkOn(third, 'Older events')).toBeUndefined();
    const back = await (await owner.get(linkOn(third, 'Newer events')!)).text();
    expect(eventIdsOn(back)).toEqual(newestFirst.slice(3, 6));
    const top = await (await owner.get(linkOn(back, 'Newer events')!)).text();
    expect(eventIdsOn(top)).toEqual(newestFirst.slice(0, 3));
    expect(linkOn(top, 'Newer events')).toBeUndefined();
  });

  it('refuses a forged, glued, over-long or borrowed cursor with a 400 page that shows no event', async () => {
    await seedCalls(server(), DEMO.member, 5);
    await seedCalls(server(), DEMO.owner, 5);
    const owner = await sessionOf(server(), DEMO.owner);
    const member = await sessionOf(server(), DEMO.member);
    const first = await (await owner.get('/admin/activity?limit=2')).text();
    const cursor = new URL(linkOn(first, 'Older events')!, server().url).searchParams.get('cursor')!;
    const [id, mac] = cursor.split('.') as [string, string];
    const flipped = `${id}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    const forged = [
      flipped,
      `${cursor}\u0000`,
      `${cursor}' or 1=1 --`,
      id,
      'x'.repeat(5000),
      `${cursor}\u202e`,
      `${cursor}\n`,
      ` ${cursor}`,
    ];
    for (const bad of forged) {
      const response = await owner.get(`/admin/activity?limit=2&cursor=${encodeURIComponent(bad)}`);
      expect([bad.slice(0, 40), response.status]).toEqual([bad.slice(0, 40), 400]);
      const page = await response.text();
      expect(page).toContain('This page link is not a cursor');
      expect(eventIdsOn(page)).toEqual([]);
    }
    // The owner's cursor in a member's hands pages nothing of the owner's view.
    const borrowed = await member.get(`/admin/activity?limit=2&cursor=${encodeURIComponent(cursor)}`);
    expect(borrowed.status).toBe(400);
    expect(eventIdsOn(await borrowed.text())).toEqual([]);
    // Glued to another filter: the view changed, so the cursor no longer fits.
    const glued = await owner.get(
      `/admin/activity?limit=2&tool=get_task&cursor=${encodeURIComponent(cursor)}`,
    );
    expect(glued.status).toBe(400);
  });

  it('refuses filters with control characters, glued text, over-long or impossible values, naming each field', async () => {
    await seedCalls(server(), DEMO.owner, 3);
    const owner = await sessionOf(server(), DEMO.owner);
    const cases: [string, string][] = [
      ['tool=get_task%0Aupdate_task', 'tool'],
      ['tool=get_task%E2%80%AE', 'tool'],
      ['key=' + 'a-'.repeat(3000) + 'b', 'key'],
      ['member=' + 'x'.repeat(5000), 'member'],
      ['outcome=ok%00', 'outcome'],
      ['ip=203.0.113.0%2F99', 'ip'],
      ['ip=203.0.113.7%20or%201%3D1', 'ip'],
      ['since=2026-02-30T10:00:00Z', 'since'],
      ['until=tomorrow', 'until'],
      ['since=1h&until=2h', 'since'],
      ['tool=get_task&tool=update_task', 'tool'],
      ['limit=0', 'limit'],
      ['limit=1e3', 'limit'],
    ];
    for (const [query, field] of cases) {
      const response = await owner.get(`/admin/activity?${query}`);
      expect([query.slice(0, 40), response.status]).toEqual([query.slice(0, 40), 400]);
      const page = await response.text();
      expect(page).toContain('Nothing is shown');
      expect(eventIdsOn(page)).toEqual([]);
      if (['tool', 'key', 'member', 'outcome', 'ip', 'since', 'until'].includes(field))
        expect([query.slice(0, 40), page]).toEqual([
          query.slice(0, 40),
          expect.stringContaining(`id="${field}-error"`),
        ]);
    }
  });
});

describeEachServer('activity page: verifying the chain', (server) => {
  it('verifies, records audit.verified with the admin and shows the result', async () => {
    await seedCalls(server(), DEMO.member, 3);
    const admin = await sessionOf(server(), DEMO.admin);
    const response = await postForm(
      server(),
      '/admin/activity/verify',
      { csrf: admin.csrf },
      { cookie: admin.cookie },
    );
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('The audit chain is intact');
    const workspace = await demoWorkspace(server());
    const [event] = await server().app.store.audit.list(workspace.id, { action: 'audit.verified', limit: 5 });
    expect(event).toMatchObject({ outcome: 'ok', memberId: (await memberOf(server(), DEMO.admin))!.id });
    expect(page).toContain(`/admin/activity/${event!.id}`);
    const list = await (await admin.get('/admin/activity')).text();
    expect(list).toContain(`by ${DEMO.admin}`);
  });

  it('shows a tampered chain as broken, on the result page and on the event that was changed', async () => {
    const calls = await seedCalls(server(), DEMO.member, 4);
    await server().app.checkpointer.checkpointAll();
    // As stored: `append` hands back the event before the chain gives it its place.
    const [victim] = await server().app.store.audit.list(calls[1]!.workspaceId!, {
      id: calls[1]!.id,
      limit: 1,
    });
    if (!victim?.seq) throw new Error('the event has no place in the chain');
    const attacker = await openDatabase(server().app.config.databaseUrl);
    try {
      await tamperEvent(attacker, chainOf(victim.workspaceId!), victim.seq, {
        outcome: 'ok',
        ip: '192.0.2.1',
      });
    } finally {
      await attacker.close();
    }
    const owner = await sessionOf(server(), DEMO.owner);
    const response = await postForm(
      server(),
      '/admin/activity/verify',
      { csrf: owner.csrf },
      { cookie: owner.cookie },
    );
    const page = await response.text();
    expect(page).toContain('The audit chain is broken');
    expect(page).toContain(`<td>${victim.seq}</td>`);
    const workspace = await demoWorkspace(server());
    const [event] = await server().app.store.audit.list(workspace.id, { action: 'audit.verified', limit: 1 });
    expect(event).toMatchObject({ outcome: 'error', errorCode: 'chain_broken' });
    const detail = await (await owner.get(`/admin/activity/${victim.id}`)).text();
    expect(detail).toContain('does not verify');
  });

  it('records each of 50 concurrent verifications once and leaves the chain intact', async () => {
    await seedCalls(server(), DEMO.member, 2);
    const owner = await sessionOf(server(), DEMO.owner);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        postForm(server(), '/admin/activity/verify', { csrf: owner.csrf }, { cookie: owner.cookie }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const workspace = await demoWorkspace(server());
    const events = await server().app.store.audit.list(workspace.id, {
      action: 'audit.verified',
      limit: 100,
    });
    expect(events).toHaveLength(50);
    expect(new Set(events.map((e) => e.seq)).size).toBe(50);
    const again = await postForm(
      server(),
      '/admin/activity/verify',
      { csrf: owner.csrf },
      { cookie: owner.cookie },
    );
    expect(await again.text()).toContain('The audit chain is intact');
  });

  it('refuses a verify POST without the CSRF token, with a wrong one or from another origin, and records the attempt', async () => {
    const owner = await sessionOf(server(), DEMO.owner);
    const attempts = [
      postForm(server(), '/admin/activity/verify', {}, { cookie: owner.cookie }),
      postForm(
        server(),
        '/admin/activity/verify',
        { csrf: 'x'.repeat(owner.csrf.length) },
        { cookie: owner.cookie },
      ),
      postForm(
        server(),
        '/admin/activity/verify',
        { csrf: owner.csrf },
        { cookie: owner.cookie, origin: 'https://evil.example' },
      ),
    ];
    for (const response of await Promise.all(attempts)) expect(response.status).toBe(403);
    const workspace = await demoWorkspace(server());
    const refused = await server().app.store.audit.list(workspace.id, {
      action: 'audit.verify_requested',
      limit: 10,
    });
    expect(refused.map((e) => e.outcome)).toEqual(['denied', 'denied', 'denied']);
    // A forged form never reads as a verification (the Overview shows the newest one).
    expect(
      await server().app.store.audit.list(workspace.id, { action: 'audit.verified', limit: 10 }),
    ).toEqual([]);
    expect(await server().app.activity.lastVerification(workspace)).toBeNull();
    const noSession = await postForm(server(), '/admin/activity/verify', { csrf: owner.csrf });
    expect(noSession.status).toBe(303);
  });
});
