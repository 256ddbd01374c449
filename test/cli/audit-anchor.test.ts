/**
 * `taskgate audit anchor` and `audit verify --anchor` through the real CLI on a SQLite file,
 * and the cadence check on a log only the command line ever wrote: hours pass between
 * commands on a manual clock, no server signs every minute, and verify raises no alarm.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/index.js';
import { createManualClock } from '../../src/core/index.js';
import { openStore } from '../../src/storage/index.js';
import { auditEvent } from '../support/audit-events.js';

let dir: string;
const clock = createManualClock(new Date('2026-11-27T10:00:00.000Z'));

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env: {
      TASKGATE_DATABASE_URL: `sqlite:${join(dir, 'taskgate.db')}`,
      TASKGATE_DATA_DIR: join(dir, 'data'),
    },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    clock,
  });
  return { code, stdout, stderr };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'taskgate-anchor-cli-'));
  expect((await run('init', '--workspace', 'acme', '--owner', 'owner@acme.example')).code).toBe(0);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const keysCreate = (name: string) =>
  run('keys', 'create', '--workspace', 'acme', '--name', name, '--env', 'development');

describe('a log written only by commands', () => {
  it('raises no missing_checkpoint when hours pass between commands and no server ever signs', async () => {
    for (let i = 0; i < 12; i++) {
      clock.advance(3 * 3_600_000);
      expect((await keysCreate(`cursor-${i}`)).code).toBe(0);
      clock.advance(90_000);
      expect((await run('keys', 'revoke', `cursor-${i}`, '--workspace', 'acme')).code).toBe(0);
    }
    const result = await run('audit', 'verify');
    expect(result.stdout).toMatch(/chain intact/);
    expect(result.code).toBe(0);
  });

  it('raises no missing_checkpoint after a process died before signing its events', async () => {
    // What a killed process leaves: its events written, no checkpoint after them.
    const store = await openStore(`sqlite:${join(dir, 'taskgate.db')}`);
    try {
      const [acme] = await store.workspaces.list();
      const events = Array.from({ length: 5 }, (_, i) =>
        auditEvent({
          id: `evt_01KBV5Z7Q00000000000000D${i}`,
          workspaceId: acme!.id,
          occurredAt: clock.now().toISOString(),
        }),
      );
      expect(await store.appendAudit(events)).toEqual(events.map(() => null));
    } finally {
      await store.close();
    }
    clock.advance(5 * 3_600_000);
    expect((await keysCreate('cursor-after-the-crash')).code).toBe(0);
    const result = await run('audit', 'verify');
    expect(result.stdout).toMatch(/chain intact/);
    expect(result.code).toBe(0);
  });
});

describe('audit anchor', () => {
  it('writes the newest signed checkpoint of each chain, with its key, as JSON', async () => {
    await keysCreate('cursor-one');
    const anchor = JSON.parse((await run('audit', 'anchor')).stdout);
    expect(anchor).toMatchObject({ format: 'taskgate-audit-anchor/1', createdAt: clock.now().toISOString() });
    expect(anchor.checkpoints).toEqual([
      {
        chain: expect.stringMatching(/^wsp_/),
        seq: expect.any(Number),
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        at: expect.any(String),
        keyId: expect.stringMatching(/^[0-9a-f]{16}$/),
        prevCheckpointHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        signature: expect.any(String),
        publicKey: expect.any(String),
      },
    ]);
    const file = join(dir, 'anchor.json');
    const written = await run('audit', 'anchor', '--out', file, '--json');
    expect(JSON.parse(written.stdout)).toEqual({ file, chains: 1 });
    expect(JSON.parse(readFileSync(file, 'utf8')).checkpoints).toEqual(anchor.checkpoints);
    // The log goes on growing: it still holds and extends the anchored checkpoint.
    await keysCreate('cursor-two');
    expect((await run('audit', 'verify', '--anchor', file)).code).toBe(0);
  });

  it('refuses an anchor file that is not one, exit 2, naming the file', async () => {
    const file = join(dir, 'not-an-anchor.json');
    writeFileSync(file, JSON.stringify({ format: 'something-else' }));
    const result = await run('audit', 'verify', '--anchor', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`anchor: ${file} is not a Taskgate audit anchor`);
    expect((await run('audit', 'verify', '--anchor', join(dir, 'absent.json'))).stderr).toMatch(
      /cannot read/,
    );
  });
});
