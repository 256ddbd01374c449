/**
 * The incident pages over plain HTTP, on both stores: who may open them (owners and admins;
 * everyone else the unknown page's exact bytes), forged and malformed contain requests that
 * change nothing, sudo mode, containment that kills the key on its next MCP call, fifty
 * concurrent contain POSTs that are one containment, and a revert that skips a human's later
 * edit exactly as `taskgate incident revert` does.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UNSAFE_CLASSES } from '../support/control-characters.js';
import { LEAKED, type Leak, leakAKey } from '../support/incident-fixture.js';
import { callToolOverHttp, startTestServer, type TestServer } from '../support/mcp-server.js';
import { csrfOfSession, givePassword, postForm, signInOverHttp } from '../support/sign-in.js';
import { storeKinds } from '../support/stores.js';

for (const kind of storeKinds()) {
  describe(`incident pages over HTTP [${kind}]`, () => {
    let server: TestServer;
    let leak: Leak;
    let base: string;

    beforeEach(async () => {
      server = await startTestServer({ kind });
      leak = await leakAKey(server);
      base = `/admin/keys/${leak.keyId}/incident`;
    });
    afterEach(async () => server?.close());

    async function session(email: string) {
      const { cookie } = await signInOverHttp(server, email, await givePassword(server, email));
      return { cookie: cookie!, csrf: await csrfOfSession(server, cookie!) };
    }
    const get = (path: string, cookie: string) =>
      fetch(`${server.url}${path}`, { headers: { cookie }, redirect: 'manual' });
    const events = (action: string) => server.app.store.audit.list(leak.workspaceId, { action, limit: 500 });
    const keyAlive = async () => (await callToolOverHttp(server, leak.secret, 'whoami')).status === 200;

    it('answers a member (even the key’s own) and a viewer the unknown page’s exact bytes, GET and POST', async () => {
      for (const email of ['alan@example.com', 'katherine@example.com']) {
        const { cookie, csrf } = await session(email);
        const unknown = await (await get('/admin/no-such-page', cookie)).text();
        for (const path of [base, `${base}/contain`, `${base}/report`, `${base}/revert`]) {
          const response = await get(path, cookie);
          expect(response.status, `${email} ${path}`).toBe(404);
          expect(await response.text()).toBe(unknown);
        }
        for (const path of [`${base}/contain`, `${base}/revert`]) {
          const response = await postForm(server, path, { csrf, confirm: LEAKED }, { cookie });
          expect(response.status).toBe(404);
          expect(await response.text()).toBe(unknown);
        }
      }
      expect(await keyAlive()).toBe(true);
      expect(await events('incident.contained')).toEqual([]);
    });

    it('answers an unknown id, and a key id under /admin/connections, with the 404 page', async () => {
      const { cookie } = await session('ada@example.com');
      const unknown = await (await get('/admin/no-such-page', cookie)).text();
      for (const path of [
        '/admin/keys/key_01ZZZZZZZZZZZZZZZZZZZZZZZZ/incident',
        '/admin/keys/not-an-id/incident',
        `/admin/connections/${leak.keyId}/incident`,
      ]) {
        const response = await get(path, cookie);
        expect(response.status, path).toBe(404);
        expect(await response.text()).toBe(unknown);
      }
    });

    it('CSRF: a contain or revert POST without the token, with a wrong one or from another origin changes nothing and is audited', async () => {
      const { cookie, csrf } = await session('ada@example.com');
      const attempts: { fields: Record<string, string>; origin: string | undefined }[] = [
        { fields: { confirm: LEAKED }, origin: undefined },
        { fields: { csrf: 'forged', confirm: LEAKED }, origin: undefined },
        { fields: { csrf, confirm: LEAKED }, origin: 'https://evil.example' },
      ];
      for (const { fields, origin } of attempts) {
        for (const path of [`${base}/contain`, `${base}/revert`]) {
          const response = await postForm(server, path, fields, {
            cookie,
            ...(origin !== undefined && { origin }),
          });
          expect(response.status, path).toBe(403);
        }
      }
      expect(await keyAlive()).toBe(true);
      expect((await events('incident.contained')).map((e) => e.outcome)).toEqual(Array(3).fill('denied'));
      expect((await events('incident.reverted')).map((e) => e.outcome)).toEqual(Array(3).fill('denied'));
    });

    it('bad input: a wrong, glued, control-character or over-long name re-renders the form and changes nothing', async () => {
      const { cookie, csrf } = await session('ada@example.com');
      const bad = [
        'cursor-alan',
        `${LEAKED}x`,
        ...Object.values(UNSAFE_CLASSES).flatMap((ch) => [`${LEAKED}${ch}`, `${ch}${LEAKED}`]),
        'x'.repeat(5000),
      ];
      for (const confirm of bad) {
        const response = await postForm(server, `${base}/contain`, { csrf, confirm }, { cookie });
        expect(response.status).toBe(400);
        const html = await response.text();
        expect(html).toContain('id="confirm-error"');
        expect(html).toContain('aria-invalid="true"');
      }
      expect(await keyAlive()).toBe(true);
      expect((await events('incident.contained')).every((e) => e.outcome === 'denied')).toBe(true);
    });

    it('sudo: with a sign-in older than ten minutes, contain and revert go to the password page and change nothing', async () => {
      const { cookie, csrf } = await session('ada@example.com');
      server.clock.advance(11 * 60_000);
      const form = await get(`${base}/contain`, cookie);
      expect(form.status).toBe(303);
      expect(form.headers.get('location')).toBe(`/admin/sudo?next=${encodeURIComponent(`${base}/contain`)}`);
      for (const path of [`${base}/contain`, `${base}/revert`]) {
        const response = await postForm(server, path, { csrf, confirm: LEAKED }, { cookie });
        expect(response.status).toBe(303);
        expect(response.headers.get('location')).toBe(`/admin/sudo?next=${encodeURIComponent(path)}`);
      }
      expect(await keyAlive()).toBe(true);
      expect(await events('incident.reverted')).toEqual([]);
    });

    it('contain: the key’s next MCP call is 401, the member’s other keys are dry-run only, all recorded with the admin who did it', async () => {
      const { cookie, csrf } = await session('grace@example.com');
      expect(await keyAlive()).toBe(true);
      const response = await postForm(
        server,
        `${base}/contain`,
        { csrf, confirm: ` ${LEAKED} ` },
        { cookie },
      );
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('<h1>Contained</h1>');
      const call = await callToolOverHttp(server, leak.secret, 'whoami');
      expect(call.status).toBe(401);
      const sibling = await server.app.store.apiKeys.findById(leak.workspaceId, leak.siblingId);
      expect(sibling).toMatchObject({ dryRunOnly: true, revokedAt: null });
      const grace = (await server.app.store.members.list(leak.workspaceId)).find((m) => m.role === 'admin')!;
      const [contained] = await events('incident.contained');
      expect(contained).toMatchObject({ outcome: 'ok', memberId: grace.id, credentialName: LEAKED });
      expect((await events('key.revoked')).map((e) => e.memberId)).toEqual([grace.id]);
      expect((await events('key.restricted')).map((e) => e.memberId)).toEqual([grace.id]);
    });

    it('fifty concurrent contain POSTs are one containment: one revocation, one restriction, one event', async () => {
      const { cookie, csrf } = await session('ada@example.com');
      const responses = await Promise.all(
        Array.from({ length: 50 }, () =>
          postForm(server, `${base}/contain`, { csrf, confirm: LEAKED }, { cookie }),
        ),
      );
      const titles = await Promise.all(
        responses.map(async (r) => /<h1>([^<]+)<\/h1>/.exec(await r.text())?.[1]),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
      expect(titles.filter((t) => t === 'Contained')).toHaveLength(1);
      expect(titles.filter((t) => t === 'Already contained')).toHaveLength(49);
      expect(await events('incident.contained')).toHaveLength(1);
      expect(await events('key.revoked')).toHaveLength(1);
      expect(await events('key.restricted')).toHaveLength(1);
    });

    it('revert: the preview shows the human’s later edit as a conflict; applying skips it and restores the rest, like the CLI', async () => {
      const { cookie, csrf } = await session('ada@example.com');
      const planned = await server.app.incident.revert(
        (await server.app.store.workspaces.findBySlug('demo'))!,
        { keyName: LEAKED },
        null,
        { dryRun: true },
      );
      const preview = await (await get(`${base}/revert`, cookie)).text();
      expect(preview).toContain('Conflict: skipped');
      expect(preview).toContain('Will be undone');
      expect(preview).toContain(
        `${planned.counts.planned} step(s) would be undone; ${planned.counts.conflict} conflict(s)`,
      );
      expect(planned.counts).toMatchObject({ planned: 1, conflict: 1 });
      expect(await events('incident.reverted')).toEqual([]);

      const applied = await postForm(server, `${base}/revert`, { csrf }, { cookie });
      expect(applied.status).toBe(200);
      const html = await applied.text();
      expect(html).toContain('Reverted, except what needs you');
      expect(html).toContain('1 step(s) undone; 1 conflict(s) skipped');
      const task = async (ref: string) => server.app.domain.tasks.get(leak.owner, ref);
      expect((await task('APO-1')).title).not.toBe('Pwned');
      expect(await task('APO-2')).toMatchObject({ title: 'Also pwned', status: 'blocked' });
      const [reverted] = await events('incident.reverted');
      expect(reverted).toMatchObject({ outcome: 'ok', memberId: leak.owner.memberId });

      // Again: nothing is undone twice, and the conflict is still reported.
      const again = await (await postForm(server, `${base}/revert`, { csrf }, { cookie })).text();
      expect(again).toContain('0 step(s) undone; 1 conflict(s) skipped');
      expect(await events('incident.reverted')).toHaveLength(1);
    });
  });
}
