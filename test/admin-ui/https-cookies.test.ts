/**
 * Behind an https public URL the session cookie takes the `__Host-` prefix and Secure, so no
 * sibling subdomain or plain-http page can set or read it; a cookie without the prefix is
 * ignored there (cookie tossing).
 */

import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createSeededRandom } from '../../src/core/index.js';
import { seedDemoWorkspace } from '../../src/domain/index.js';
import { cookiesOf, newPassword } from '../support/sign-in.js';
import { createTestDatabase, type TestDatabase } from '../support/stores.js';

const PUBLIC = 'https://taskgate.example';
let app: App;
let database: TestDatabase;

beforeEach(async () => {
  database = await createTestDatabase('sqlite');
  app = await createApp(
    loadConfig({ env: { TASKGATE_DATABASE_URL: database.url, TASKGATE_PUBLIC_URL: PUBLIC } }),
    { logger: pino({ level: 'silent' }) },
  );
  await seedDemoWorkspace(app.domain, app.clock, createSeededRandom(1));
});
afterEach(async () => {
  await app.close();
  await database.drop();
});

async function signIn(password: string) {
  const form = await app.http.request(`${PUBLIC}/login`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const nonce = cookiesOf(form).get('__Host-taskgate_login')!;
  expect(nonce.header).toMatch(/; Secure/i);
  return app.http.request(`${PUBLIC}/login`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: PUBLIC,
      cookie: `__Host-taskgate_login=${nonce.value}`,
    },
    body: new URLSearchParams({ csrf, email: 'alan@example.com', password }).toString(),
  });
}

it('sets __Host-taskgate_session with Secure, Path=/ and no Domain on https', async () => {
  const password = newPassword();
  await app.memberAccounts.setPassword({ workspace: 'demo', email: 'alan@example.com', password });
  const response = await signIn(password);
  expect(response.status).toBe(303);
  const session = cookiesOf(response).get('__Host-taskgate_session');
  expect(session?.header).toMatch(/; Secure/i);
  expect(session?.header).toMatch(/; Path=\//);
  expect(session?.header).not.toMatch(/domain=/i);
  expect(cookiesOf(response).has('taskgate_session')).toBe(false);

  const home = (cookie: string) => app.http.request(`${PUBLIC}/admin`, { headers: { cookie } });
  expect((await home(`__Host-taskgate_session=${session!.value}`)).status).toBe(200);
  expect((await home(`taskgate_session=${session!.value}`)).status).toBe(303);
});
