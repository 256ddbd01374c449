/**
 * `taskgate audit verify|keys|hash|prune` through the real CLI, in-process, on a SQLite file:
 * verify exits 0 on an intact log and 1 naming the first bad event after tampering; keys
 * prints the checkpoint key; hash gives the stable per-workspace HMAC; prune keeps the rest
 * verifiable.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/index.js';
import { redefineAuditColumn, tamperEvent } from '../support/audit-tamper.js';
import { type CliSandbox, createCliSandbox } from '../support/cli.js';

let sandbox: CliSandbox;

beforeEach(async () => {
  sandbox = createCliSandbox();
  for (const slug of ['acme', 'globex']) {
    expect((await sandbox.run('init', '--workspace', slug, '--owner', `owner@${slug}.example`)).code).toBe(0);
  }
  for (const name of ['cursor-one', 'cursor-two', 'cursor-three']) {
    const created = await sandbox.run(
      'keys',
      'create',
      '--workspace',
      'acme',
      '--name',
      name,
      '--env',
      'development',
    );
    expect(created.code).toBe(0);
  }
});
afterEach(() => sandbox.remove());

const json = async (...argv: string[]) => JSON.parse((await sandbox.run(...argv, '--json')).stdout);

describe('audit verify', () => {
  it('says the chain is intact, with counts, and exits 0', async () => {
    const result = await sandbox.run('audit', 'verify');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+ events, \d+ checkpoints, chain intact$/);
    const report = await json('audit', 'verify', '--workspace', 'acme');
    expect(report).toMatchObject({ ok: true, chains: 1, problems: [] });
    expect(report.events).toBeGreaterThanOrEqual(3);
  });

  it('exits 1 naming the workspace, the first bad event and the damage after a row is changed', async () => {
    const db = await openDatabase(sandbox.databaseUrl);
    try {
      const acme = await db.db
        .selectFrom('workspaces')
        .select('id')
        .where('slug', '=', 'acme')
        .executeTakeFirstOrThrow();
      await tamperEvent(db, acme.id, 2, { credential_name: 'someone-else' });
    } finally {
      await db.close();
    }
    const result = await sandbox.run('audit', 'verify');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('chain BROKEN');
    expect(result.stdout).toMatch(/chain acme: first bad event 2: modified/);
    const report = await json('audit', 'verify');
    expect(report.problems).toEqual([
      expect.objectContaining({ workspace: 'acme', seq: 2, kind: 'modified' }),
    ]);
  });

  it('exits 1 naming the audit table when a column was redefined, though every hash still matches', async () => {
    const db = await openDatabase(sandbox.databaseUrl);
    try {
      redefineAuditColumn(db, 'credential_name', 'action');
    } finally {
      await db.close();
    }
    const result = await sandbox.run('audit', 'verify');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /chain audit_events: first bad event 0: modified \(the table audit_events is no longer defined/,
    );
    expect((await json('audit', 'verify')).problems).toEqual([
      expect.objectContaining({ chain: 'audit_events', workspace: null, seq: 0, kind: 'modified' }),
    ]);
  });
});

describe('audit keys, hash and prune', () => {
  it('prints the Ed25519 public key that signs checkpoints, the same on every run', async () => {
    const first = await json('audit', 'keys');
    expect(first.keys).toEqual([expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' })]);
    expect(await json('audit', 'keys')).toEqual(first);
  });

  it('gives one HMAC per value and workspace, stable across runs', async () => {
    const value = `canary-${Date.now()}`;
    const acme = (await sandbox.run('audit', 'hash', '--workspace', 'acme', value)).stdout.trim();
    expect(acme).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect((await sandbox.run('audit', 'hash', '--workspace', 'acme', value)).stdout.trim()).toBe(acme);
    expect((await sandbox.run('audit', 'hash', '--workspace', 'globex', value)).stdout.trim()).not.toBe(acme);
    expect((await sandbox.run('audit', 'hash', '--workspace', 'acme', `${value}x`)).stdout.trim()).not.toBe(
      acme,
    );
    const ambiguous = await sandbox.run('audit', 'hash', value);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/workspace/);
  });

  it('prunes up to a checkpoint, records it, and the log still verifies', async () => {
    const before = await json('audit', 'verify', '--workspace', 'acme');
    const pruned = await json('audit', 'prune', '--before', '2999-01-01T00:00:00Z', '--workspace', 'acme');
    expect(pruned.pruned).toEqual([expect.objectContaining({ count: before.events })]);
    const after = await json('audit', 'verify', '--workspace', 'acme');
    expect(after).toMatchObject({ ok: true, events: 1 });
    const [event] = (await json('audit', 'query', '--workspace', 'acme')).events;
    expect(event).toMatchObject({ action: 'audit.pruned' });
    expect((await sandbox.run('audit', 'prune', '--before', 'soon')).code).toBe(2);
  });
});
