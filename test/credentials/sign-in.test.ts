/**
 * Member sign-in, one attack per test: password guessing (throttled per account and per
 * address), account enumeration (one message, the same work), session fixation, stolen or
 * stale sessions (idle and absolute timeouts, sign-out, password change), replayed login
 * links, and secrets leaking into the audit log.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AuditLog, createAuditLog } from '../../src/audit/index.js';
import { createIdGenerator, cryptoRandom, type ManualClock } from '../../src/core/index.js';
import {
  createMemberAccounts,
  createPasswordHasher,
  createSignInService,
  type MemberAccounts,
  type PasswordHasher,
  SIGN_IN_FAILED_MESSAGE,
  SIGN_IN_THROTTLED_MESSAGE,
  type SignInService,
} from '../../src/credentials/index.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { createDomainFixture, type DomainFixture } from '../support/domain-fixture.js';
import { rejection } from '../support/errors.js';
import { createTestDatabase, type TestDatabase } from '../support/stores.js';

const MINUTE = 60_000;
const origin = { ip: '203.0.113.7', userAgent: 'vitest' };
const newPassword = () => `pass phrase ${Buffer.from(cryptoRandom.bytes(12)).toString('base64url')}`;

let database: TestDatabase;
let store: Store;
let fixture: DomainFixture;
let clock: ManualClock;
let audit: AuditLog;
let signIn: SignInService;
let accounts: MemberAccounts;
let dummyCalls: number;
let password: string;

beforeEach(async () => {
  database = await createTestDatabase('sqlite');
  store = await openStore(database.url);
  fixture = await createDomainFixture(store);
  clock = fixture.clock;
  audit = createAuditLog({ store, clock, ids: createIdGenerator(clock, cryptoRandom) });
  const real = createPasswordHasher({ random: cryptoRandom, cost: { N: 2 ** 10, r: 8, p: 1 } });
  dummyCalls = 0;
  // A counting wrapper around the real hasher: proves unknown accounts pay for a verification.
  const passwords: PasswordHasher = {
    ...real,
    dummyVerify: (p) => {
      dummyCalls++;
      return real.dummyVerify(p);
    },
  };
  signIn = createSignInService({ store, clock, random: cryptoRandom, audit, passwords });
  accounts = createMemberAccounts({ store, clock, audit, passwords, workspaces: fixture.domain.workspaces });
  password = newPassword();
  await accounts.setPassword({ workspace: 'acme', email: 'member@acme.test', password });
});
afterEach(async () => {
  await store.close();
  await database.drop();
});

const attempt = (email: string, pw: string, extra: { workspace?: string; ip?: string } = {}) =>
  signIn.signIn({ workspace: 'acme', email, password: pw, ...origin, ...extra });

async function auditTrail() {
  const events = await store.audit.list(null, { limit: 500 });
  const scoped = await store.audit.list(fixture.workspace.id, { limit: 500 });
  return [...events, ...scoped];
}

describe('password sign-in', () => {
  it('signs in with the right password and stores only the SHA-256 of the session token', async () => {
    const signedIn = await attempt('Member@ACME.test ', password);
    expect(signedIn.member.email).toBe('member@acme.test');
    expect(signedIn.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(signedIn.session.id).toMatch(/^[0-9a-f]{64}$/);
    expect(signedIn.session.id).not.toContain(signedIn.token);
    expect(await signIn.resolveSession(signedIn.token)).toMatchObject({ member: { id: signedIn.member.id } });
  });

  it('answers unknown email, wrong password, no password and unknown workspace alike (no enumeration)', async () => {
    const failures = [
      await rejection(attempt('nobody@acme.test', password)),
      await rejection(attempt('member@acme.test', `${password}!`)),
      await rejection(attempt('viewer@acme.test', password)),
      await rejection(attempt('member@acme.test', password, { workspace: 'nowhere' })),
    ];
    for (const error of failures) {
      expect(error.code).toBe('unauthenticated');
      expect(error.publicMessage).toBe(SIGN_IN_FAILED_MESSAGE);
    }
    // Unknown member, member without password and unknown workspace each paid for a verification.
    expect(dummyCalls).toBe(3);
  });

  it('picks the only workspace when none is named, and fails generically when several exist', async () => {
    expect((await signIn.signIn({ email: 'member@acme.test', password, ...origin })).workspace.slug).toBe(
      'acme',
    );
    await createDomainFixture(store, 'other');
    const error = await rejection(signIn.signIn({ email: 'member@acme.test', password, ...origin }));
    expect(error.publicMessage).toBe(SIGN_IN_FAILED_MESSAGE);
  });

  it('issues a new session on every sign-in and revokes the one the browser held (no fixation)', async () => {
    const first = await attempt('member@acme.test', password);
    const second = await signIn.signIn({
      workspace: 'acme',
      email: 'member@acme.test',
      password,
      replacesToken: first.token,
      ...origin,
    });
    expect(second.token).not.toBe(first.token);
    expect(await signIn.resolveSession(first.token)).toBeUndefined();
    expect(await signIn.resolveSession(second.token)).toBeDefined();
  });
});

describe('throttling password guessing', () => {
  it('refuses an account after 5 failures in 15 minutes, even with the right password', async () => {
    for (let i = 0; i < 5; i++) await rejection(attempt('member@acme.test', newPassword()));
    const refused = await rejection(attempt('member@acme.test', password));
    expect(refused.code).toBe('rate_limited');
    expect(refused.publicMessage).toBe(SIGN_IN_THROTTLED_MESSAGE);
    clock.advance(15 * MINUTE + 1);
    expect((await attempt('member@acme.test', password)).member.email).toBe('member@acme.test');
  });

  it('throttles an unknown account exactly like a real one (no enumeration through limits)', async () => {
    for (let i = 0; i < 5; i++) await rejection(attempt('ghost@acme.test', newPassword()));
    const refused = await rejection(attempt('ghost@acme.test', newPassword()));
    expect(refused).toMatchObject({ code: 'rate_limited', publicMessage: SIGN_IN_THROTTLED_MESSAGE });
  });

  it('refuses an address after 20 failures spread over many accounts', async () => {
    for (let i = 0; i < 20; i++) await rejection(attempt(`guess${i}@acme.test`, newPassword()));
    expect((await rejection(attempt('member@acme.test', password))).code).toBe('rate_limited');
    const elsewhere = await attempt('member@acme.test', password, { ip: '198.51.100.1' });
    expect(elsewhere.member.email).toBe('member@acme.test');
  });

  it('resets the account count on success but keeps the address count', async () => {
    for (let i = 0; i < 4; i++) await rejection(attempt('member@acme.test', newPassword()));
    await attempt('member@acme.test', password);
    for (let i = 0; i < 4; i++) await rejection(attempt('member@acme.test', newPassword()));
    expect((await attempt('member@acme.test', password)).member.email).toBe('member@acme.test');
  });
});

describe('session lifetime', () => {
  it('ends a session after 30 idle minutes', async () => {
    const { token } = await attempt('member@acme.test', password);
    clock.advance(29 * MINUTE);
    expect(await signIn.resolveSession(token)).toBeDefined();
    clock.advance(29 * MINUTE);
    expect(await signIn.resolveSession(token)).toBeDefined();
    clock.advance(31 * MINUTE);
    expect(await signIn.resolveSession(token)).toBeUndefined();
  });

  it('ends a session after 12 hours however active it is', async () => {
    const { token } = await attempt('member@acme.test', password);
    for (let i = 0; i < 24; i++) {
      clock.advance(29 * MINUTE);
      await signIn.resolveSession(token);
    }
    clock.advance(30 * MINUTE);
    expect(await signIn.resolveSession(token)).toBeUndefined();
  });

  it('ends the session on sign-out, and a replayed token stays dead', async () => {
    const { token } = await attempt('member@acme.test', password);
    expect(await signIn.signOut(token, origin)).toBe(true);
    expect(await signIn.resolveSession(token)).toBeUndefined();
    expect(await signIn.signOut(token, origin)).toBe(false);
  });

  it('ends every session of a member whose password changes', async () => {
    const { token } = await attempt('member@acme.test', password);
    await accounts.setPassword({ workspace: 'acme', email: 'member@acme.test', password: newPassword() });
    expect(await signIn.resolveSession(token)).toBeUndefined();
  });

  it('refuses tokens that are malformed or never issued', async () => {
    expect(await signIn.resolveSession(undefined)).toBeUndefined();
    expect(await signIn.resolveSession("' or 1=1 --")).toBeUndefined();
    expect(
      await signIn.resolveSession(Buffer.from(cryptoRandom.bytes(32)).toString('base64url')),
    ).toBeUndefined();
  });
});

describe('login links', () => {
  it('signs in once and refuses the same link a second time', async () => {
    const link = await signIn.createLoginLink({ workspace: 'acme', email: 'viewer@acme.test' });
    const signedIn = await signIn.redeemLoginLink(link.token, origin);
    expect(signedIn.member.email).toBe('viewer@acme.test');
    const replay = await rejection(signIn.redeemLoginLink(link.token, origin));
    expect(replay.code).toBe('unauthenticated');
  });

  it('refuses a link after 15 minutes', async () => {
    const link = await signIn.createLoginLink({ workspace: 'acme', email: 'viewer@acme.test' });
    clock.advance(15 * MINUTE);
    expect((await rejection(signIn.redeemLoginLink(link.token, origin))).code).toBe('unauthenticated');
  });
});

describe('audit of sign-in', () => {
  it('records sign-in, failures with their reason, sign-out and password changes, never a password', async () => {
    await rejection(attempt('member@acme.test', 'a-wrong-guess-of-a-password'));
    await rejection(attempt('nobody@acme.test', 'another-wrong-guess'));
    const { token } = await attempt('member@acme.test', password);
    await signIn.signOut(token, origin);
    const trail = await auditTrail();
    const actions = trail.map((e) => [
      e.action,
      e.outcome,
      (e.detail as { reason?: string })?.reason ?? null,
    ]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['member.password_set', 'ok', null],
        ['member.sign_in_failed', 'denied', 'wrong_password'],
        ['member.sign_in_failed', 'denied', 'unknown_member'],
        ['member.signed_in', 'ok', null],
        ['member.signed_out', 'ok', null],
      ]),
    );
    const text = JSON.stringify(trail);
    for (const secret of [password, 'a-wrong-guess-of-a-password', 'another-wrong-guess', token]) {
      expect(text).not.toContain(secret);
    }
    expect(trail.find((e) => e.action === 'member.signed_in')).toMatchObject({
      ip: origin.ip,
      userAgent: origin.userAgent,
    });
  });

  it('keeps a password typed into the email or workspace field only masked, and a real email as typed', async () => {
    const typedAsEmail = newPassword();
    const typedAsWorkspace = `Hunter ${newPassword()}`;
    await rejection(attempt(typedAsEmail, password));
    await rejection(attempt('member@acme.test', 'wrong', { workspace: typedAsWorkspace }));
    await rejection(attempt('Nobody@Acme.test', 'wrong'));
    const failures = (await auditTrail()).filter((e) => e.action === 'member.sign_in_failed');
    const text = JSON.stringify(failures);
    expect(text).not.toContain(typedAsEmail.split(' ')[2]);
    expect(text).not.toContain(typedAsWorkspace.split(' ')[3]);
    expect(failures.map((e) => e.detail)).toEqual(
      expect.arrayContaining([
        { reason: 'unknown_member', email: null, email_field_secret: '[redacted]', workspace: 'acme' },
        {
          reason: 'unknown_workspace',
          email: 'member@acme.test',
          workspace: null,
          workspace_field_secret: '[redacted]',
        },
        { reason: 'unknown_member', email: 'nobody@acme.test', workspace: 'acme' },
      ]),
    );
  });
});
