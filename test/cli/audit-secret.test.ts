/**
 * A lost or replaced `secret.key` through the real CLI on a SQLite file: every command that
 * opens the database refuses to go on (exit 2) instead of signing with a key the database
 * never knew — read-only ones never create a secret at all — until the operator passes
 * --accept-new-secret, which is audited; the old checkpoints then verify under the kept key
 * and the report says which key signed what. A key slipped into the database is not trusted.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { checkpointHash, createAuditSigner, verifyAudit } from '../../src/audit/index.js';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/storage/index.js';
import { type CliSandbox, createCliSandbox } from '../support/cli.js';

let sandbox: CliSandbox;
let secretFile: string;
const REFUSED = /signed by key [0-9a-f]{16}, but this instance's secret derives key [0-9a-f]{16}/;

beforeEach(async () => {
  sandbox = createCliSandbox();
  secretFile = join(sandbox.dir, 'data', 'secret.key');
  expect((await sandbox.run('init', '--workspace', 'acme', '--owner', 'owner@acme.example')).code).toBe(0);
  const created = await sandbox.run(
    'keys',
    'create',
    '--workspace',
    'acme',
    '--name',
    'cursor-one',
    '--env',
    'development',
  );
  expect(created.code).toBe(0);
});
afterEach(() => sandbox.remove());

async function eventCount(): Promise<number> {
  const db = await openDatabase(sandbox.databaseUrl);
  try {
    const row = await db.db
      .selectFrom('audit_events')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await db.close();
  }
}

const createKey = (name: string, ...flags: string[]) =>
  sandbox.run('keys', 'create', '--workspace', 'acme', '--name', name, '--env', 'development', ...flags);

describe('a lost secret.key', () => {
  it('refuses a writing command, exit 2, instead of signing with a new key the database never knew', async () => {
    const before = await eventCount();
    rmSync(secretFile);
    const result = await createKey('cursor-two');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(REFUSED);
    expect(result.stderr).toMatch(
      /secret\.key was lost or replaced\. Restore it, or pass --accept-new-secret/,
    );
    expect(await eventCount()).toBe(before);
  });

  it('refuses the server too, before it listens', async () => {
    rmSync(secretFile);
    const result = await sandbox.run('serve', '--port', '0');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(REFUSED);
  });

  it('never creates a secret in a read-only command, and refuses it without one', async () => {
    rmSync(secretFile);
    for (const argv of [
      ['audit', 'verify'],
      ['audit', 'query', '--workspace', 'acme'],
      ['audit', 'export', '--workspace', 'acme', '--format', 'jsonl'],
      ['keys', 'list', '--workspace', 'acme'],
      ['incident', 'report', '--workspace', 'acme', '--key', 'cursor-one'],
      // Their answer is derived from the secret: one made up now would print a key or an HMAC
      // that matches nothing in the database.
      ['audit', 'keys'],
      ['audit', 'hash', '--workspace', 'acme', 'tg_dev_value'],
    ]) {
      const result = await sandbox.run(...argv);
      expect({ argv, code: result.code }).toEqual({ argv, code: 2 });
      expect(result.stderr).toMatch(
        /secret\.key is missing\. Restore it \(or set TASKGATE_SECRET_KEY\); this command does not create one/,
      );
      expect(existsSync(secretFile)).toBe(false);
    }
  });

  it('starts a new signing key with --accept-new-secret, audited; old checkpoints verify under the kept key', async () => {
    const oldKey = (
      JSON.parse((await sandbox.run('audit', 'keys', '--json')).stdout) as { keys: { kid: string }[] }
    ).keys[0]!.kid;
    rmSync(secretFile);
    expect((await createKey('cursor-two', '--accept-new-secret')).code).toBe(0);
    const newKey = (
      JSON.parse((await sandbox.run('audit', 'keys', '--json')).stdout) as { keys: { kid: string }[] }
    ).keys[0]!.kid;
    expect(newKey).not.toBe(oldKey);
    // Accepted once: later commands run without the flag.
    expect((await createKey('cursor-three')).code).toBe(0);

    const report = JSON.parse((await sandbox.run('audit', 'verify', '--json')).stdout);
    expect(report).toMatchObject({ ok: true, problems: [] });
    expect(report.keys).toHaveLength(2);
    expect(report.keys).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ keyId: oldKey, source: 'vouched' }),
        expect.objectContaining({ keyId: newKey, source: 'instance' }),
      ]),
    );
    const text = (await sandbox.run('audit', 'verify')).stdout;
    expect(text).toMatch(
      new RegExp(
        `key ${oldKey} \\(an earlier key, vouched for by an audited key change\\) signed chain acme 1…`,
      ),
    );
    expect(text).toMatch(new RegExp(`key ${newKey} \\(this instance's key\\) signed`));

    const db = await openDatabase(sandbox.databaseUrl);
    try {
      const event = await db.db
        .selectFrom('audit_events')
        .select(['detail', 'reason'])
        .where('action', '=', 'audit.signing_key_added')
        .executeTakeFirstOrThrow();
      expect(JSON.parse(event.detail!)).toMatchObject({ keyId: newKey, previousKeys: [{ keyId: oldKey }] });
      expect(event.reason).toMatch(/--accept-new-secret/);
      const kept = await db.db.selectFrom('signing_keys').select('key_id').orderBy('first_used_at').execute();
      expect(kept.map((k) => k.key_id)).toEqual([oldKey, newKey]);
    } finally {
      await db.close();
    }
  });

  it('pins the key change under the new key at once, so a verify beside the running server trusts the old key', async () => {
    rmSync(secretFile);
    const env = {
      TASKGATE_DATABASE_URL: sandbox.databaseUrl,
      TASKGATE_SECRET_KEY: randomBytes(32).toString('base64url'),
    };
    const app = await createApp(loadConfig({ env }), {
      logger: pino({ level: 'silent' }),
      signingKey: { acceptNewSecret: true },
    });
    try {
      const report = await verifyAudit(app.store, app.auditSigner);
      expect(report).toMatchObject({ ok: true, problems: [] });
      expect(report.keys.map((k) => k.source).sort()).toEqual(['instance', 'vouched']);
    } finally {
      await app.close();
    }
  });

  it('refuses a checkpoint signed by a key someone slipped into the database without the secret', async () => {
    const db = await openDatabase(sandbox.databaseUrl);
    try {
      const forger = createAuditSigner(randomBytes(32));
      await db.db
        .insertInto('signing_keys')
        .values({
          key_id: forger.keyId,
          public_key: forger.publicKey.x,
          first_used_at: '2026-01-01T00:00:00.000Z',
        })
        .execute();
      const [last] = await db.db
        .selectFrom('audit_checkpoints')
        .selectAll()
        .orderBy('seq', 'desc')
        .limit(1)
        .execute();
      const previous = {
        chain: last!.chain,
        seq: last!.seq,
        hash: last!.hash,
        at: last!.at,
        keyId: last!.key_id,
        signature: last!.signature,
        prevCheckpointHash: last!.prev_checkpoint_hash,
      };
      const head = await db.db
        .selectFrom('audit_heads')
        .selectAll()
        .where('chain', '=', last!.chain)
        .executeTakeFirstOrThrow();
      const claim = {
        chain: head.chain,
        seq: head.seq + 1,
        hash: head.hash,
        at: last!.at,
        prevCheckpointHash: checkpointHash(previous),
      };
      await db.db
        .insertInto('audit_checkpoints')
        .values({
          chain: claim.chain,
          seq: claim.seq,
          hash: claim.hash,
          at: claim.at,
          prev_checkpoint_hash: claim.prevCheckpointHash,
          key_id: forger.keyId,
          signature: forger.sign(claim),
        })
        .execute();
      const report = JSON.parse((await sandbox.run('audit', 'verify', '--json')).stdout);
      expect(report.problems).toEqual([expect.objectContaining({ seq: claim.seq, kind: 'bad_signature' })]);
      expect(report.problems[0].detail).toMatch(
        `signed by key ${forger.keyId}, which neither this instance's secret`,
      );
      expect(report.keys).toContainEqual(
        expect.objectContaining({ keyId: forger.keyId, source: 'untrusted' }),
      );
    } finally {
      await db.close();
    }
  });
});
