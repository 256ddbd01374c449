/** SQLite-specific guarantees: WAL, foreign keys, and writers in two processes not failing fast. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, openStore } from '../../src/storage/index.js';

describe('sqlite connection', () => {
  const dirs: string[] = [];
  const url = () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskgate-sqlite-'));
    dirs.push(dir);
    return `sqlite:${join(dir, 'nested', 'taskgate.db')}`;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates the directory, turns on WAL and foreign keys', async () => {
    const handle = await openDatabase(url());
    try {
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(handle.db);
      const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(handle.db);
      expect(mode.rows[0]?.journal_mode).toBe('wal');
      expect(fk.rows[0]?.foreign_keys).toBe(1);
    } finally {
      await handle.close();
    }
  });

  it('rejects a row that points at a missing parent', async () => {
    const store = await openStore(url());
    try {
      await expect(
        store.members.insert({
          id: 'mbr_x',
          workspaceId: 'wsp_missing',
          email: 'a@b.test',
          name: 'a',
          role: 'owner',
          createdAt: '2026-11-02T09:00:00.000Z',
        }),
      ).rejects.toThrow(/FOREIGN KEY/);
    } finally {
      await store.close();
    }
  });

  it('does not fail a read-then-write transaction when another process writes meanwhile', async () => {
    const file = url();
    const store = await openStore(file);
    // Another process (as a CLI command beside the server would be) that writes when told to.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const D = require('better-sqlite3');
         const db = new D(process.argv[1], { timeout: 5000 });
         process.stdin.once('data', () => {
           db.prepare("insert into workspaces (id, slug, name, environment, created_at) values ('wsp_child', 'child', 'child', 'development', 'x')").run();
           process.stdout.write('done');
           db.close();
         });
         process.stdout.write('ready');`,
        file.slice('sqlite:'.length),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const output = (text: string) =>
      new Promise<void>((resolve) =>
        child.stdout.on('data', (d: Buffer) => d.toString().includes(text) && resolve()),
      );
    try {
      await output('ready');
      const childDone = output('done');
      await store.transaction(async (tx) => {
        await tx.workspaces.list();
        child.stdin.write('go\n');
        await new Promise((resolve) => setTimeout(resolve, 200));
        await tx.workspaces.insert({
          id: 'wsp_parent',
          slug: 'parent',
          name: 'p',
          environment: 'development',
          keyRotationDays: 90,
          createdAt: 'x',
        });
      });
      await childDone;
      expect((await store.workspaces.list()).map((w) => w.slug)).toEqual(['child', 'parent']);
    } finally {
      child.kill();
      await store.close();
    }
  });
});
