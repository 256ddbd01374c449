/**
 * Revocation and last use over real HTTP with the official SDK client, on both stores:
 * after a revoke by name neither the rotated-out key nor its replacement gets another
 * answer, even while 50 calls of the old key are in flight; and a rotated-out key shows as
 * still in use from its first use after the rotation.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  callToolOverHttp,
  connectV1,
  initializeBody,
  post,
  startTestServer,
  type TestServer,
} from '../support/mcp-server.js';
import { storeKinds } from '../support/stores.js';

const NAME = 'cursor-work-laptop';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function rotated(kind: 'sqlite' | 'postgres') {
  server = await startTestServer({ kind });
  const oldKey = await server.issueKey({ name: NAME });
  const next = await server.app.keys.rotate('demo', NAME);
  return { s: server, oldKey, newKey: next.secret };
}

const graceView = async (s: TestServer) =>
  (await s.app.keys.list('demo')).find((k) => k.name === NAME && k.status === 'grace');

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`keys revoke over HTTP [${kind}]`, () => {
    it('refuses the rotated-out key and its replacement on the next SDK request', async () => {
      const { s, oldKey, newKey } = await rotated(kind);
      const clients = [await connectV1(s, oldKey), await connectV1(s, newKey)];
      for (const { client } of clients) expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      await s.app.keys.revoke('demo', NAME);
      for (const { client } of clients) {
        await expect(client.listTools()).rejects.toThrow(/401|revoked/);
        await client.close();
      }
      for (const key of [oldKey, newKey]) {
        const refused = await callToolOverHttp(s, key, 'list_projects');
        expect(refused).toMatchObject({ status: 401, error: { reason: 'revoked' } });
      }
    });

    it('refuses both keys once a revoke returns while 50 calls of the old key are in flight', async () => {
      const { s, oldKey, newKey } = await rotated(kind);
      const inFlight = Array.from({ length: 50 }, () => callToolOverHttp(s, oldKey, 'list_projects'));
      await s.app.keys.revoke('demo', NAME);
      const after = await Promise.all(
        Array.from({ length: 50 }, (_, i) => callToolOverHttp(s, i % 2 ? oldKey : newKey, 'list_projects')),
      );
      expect(after.map((r) => r.status)).toEqual(Array(50).fill(401));
      // The calls that raced the revoke either ran before it or were refused: none failed open.
      for (const call of await Promise.all(inFlight)) expect([200, 401]).toContain(call.status);
    });
  });

  describe.skipIf(!storeKinds().includes(kind))(`last use of a rotated-out key [${kind}]`, () => {
    it('shows the old key still in use from its first use right after the rotation', async () => {
      server = await startTestServer({ kind });
      const s = server;
      const oldKey = await s.issueKey({ name: NAME });
      // A use just before the rotation: the once-a-minute throttle would hide the next one.
      expect((await post(s, initializeBody, bearer(oldKey))).status).toBe(200);
      s.clock.advance(5_000);
      await s.app.keys.rotate('demo', NAME);
      expect((await graceView(s))?.grace?.stillInUse).toBe(false);
      s.clock.advance(1_000);
      expect((await post(s, initializeBody, bearer(oldKey))).status).toBe(200);
      const old = await graceView(s);
      expect(old?.grace?.stillInUse).toBe(true);
      expect(old?.lastUsed?.at).toBe(s.clock.now().toISOString());
    });

    it('keeps the once-a-minute throttle for a key in normal use', async () => {
      server = await startTestServer({ kind });
      const s = server;
      const key = await s.issueKey({ name: NAME });
      expect((await post(s, initializeBody, bearer(key))).status).toBe(200);
      const first = s.clock.now().toISOString();
      s.clock.advance(30_000);
      expect((await post(s, initializeBody, bearer(key))).status).toBe(200);
      expect((await s.app.keys.show('demo', NAME)).lastUsed?.at).toBe(first);
      s.clock.advance(31_000);
      expect((await post(s, initializeBody, bearer(key))).status).toBe(200);
      expect((await s.app.keys.show('demo', NAME)).lastUsed?.at).toBe(s.clock.now().toISOString());
    });
  });
}
