/**
 * `taskgate keys revoke|rotate --leaked|list` through the real CLI: a revoke by name ends the
 * rotation family, `--only <id>` one key, `rotate --leaked` leaves no grace, and `keys list`
 * shows each key's id and an old key still in use right after the rotation.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliSandbox, createCliSandbox, createServerCli } from '../support/cli.js';
import { initializeBody, post, startTestServer } from '../support/mcp-server.js';

interface Listed {
  id: string;
  name: string;
  status: string;
  display: string;
  grace: { stillInUse: boolean } | null;
}

let sandbox: CliSandbox;
beforeEach(async () => {
  sandbox = createCliSandbox();
  expect((await sandbox.run('init', '--workspace', 'acme', '--owner', 'ada@acme.test')).code).toBe(0);
});
afterEach(() => sandbox.remove());

const keys = (...argv: string[]) => sandbox.run('keys', ...argv, '--workspace', 'acme');
const list = async () => (JSON.parse((await keys('list', '--json')).stdout) as { keys: Listed[] }).keys;
/** The keys as stored: a grace's `remainingSeconds` counts down between two lists; its `until` does not. */
const stored = async () =>
  (await list()).map((k) => (k.grace ? { ...k, grace: { ...k.grace, remainingSeconds: undefined } } : k));

async function createAndRotate() {
  const created = await keys('create', '--name', 'cursor-work-laptop', '--env', 'development', '--json');
  expect(created.code).toBe(0);
  const rotated = await keys('rotate', 'cursor-work-laptop', '--json');
  expect(rotated.code).toBe(0);
  const [oldKey, newKey] = [created, rotated].map((r) => JSON.parse(r.stdout) as { id: string });
  return { oldId: oldKey!.id, newId: newKey!.id };
}

describe('keys revoke', () => {
  it('revokes the old key in grace with its replacement, naming both', async () => {
    const { oldId, newId } = await createAndRotate();
    const result = await keys('revoke', 'cursor-work-laptop');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Revoked cursor-work-laptop: 2 keys. Its next request gets 401.');
    expect(result.stdout).toContain(oldId);
    expect(result.stdout).toContain(newId);
    expect((await list()).map((k) => k.status)).toEqual(['revoked', 'revoked']);
  });

  it('revokes exactly one id with --only and leaves the old key in its grace', async () => {
    const { oldId, newId } = await createAndRotate();
    const result = await keys('revoke', '--only', newId, '--json');
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as { revoked: { id: string }[] };
    expect(body.revoked.map((k) => k.id)).toEqual([newId]);
    const statuses = Object.fromEntries((await list()).map((k) => [k.id, k.status]));
    expect(statuses).toEqual({ [oldId]: 'grace', [newId]: 'revoked' });
  });

  it('refuses a malformed --only id, an unknown one, or a name with --only, changing nothing', async () => {
    const { newId } = await createAndRotate();
    const before = await stored();
    const malformed = await keys('revoke', '--only', 'cursor-work-laptop');
    expect(malformed).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('only: cursor-work-laptop is not a key id'),
    });
    const unknown = await keys('revoke', '--only', `key_${'0'.repeat(26)}`);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('not found') });
    const both = await keys('revoke', 'cursor-work-laptop', '--only', newId);
    expect(both).toMatchObject({ code: 2, stderr: expect.stringContaining('key name or --only <id>') });
    expect((await keys('revoke')).code).toBe(2);
    expect(await stored()).toEqual(before);
  });

  it('lists each key with its id', async () => {
    const { oldId, newId } = await createAndRotate();
    const text = (await keys('list')).stdout;
    expect(text).toContain(oldId);
    expect(text).toContain(newId);
  });
});

describe('keys rotate --leaked', () => {
  it('revokes the leaked key now and says so', async () => {
    await keys('create', '--name', 'cursor-work-laptop', '--env', 'development');
    const result = await keys('rotate', 'cursor-work-laptop', '--leaked');
    expect(result.code).toBe(0);
    const leaked = (await list()).find((k) => k.status === 'revoked');
    expect(result.stdout).toContain(
      `The leaked key ${leaked?.display} is revoked now: its next request gets 401.`,
    );
    expect(result.stdout).toContain('taskgate incident report --key cursor-work-laptop');
    expect(result.stdout).not.toContain('keeps working');
    expect((await list()).map((k) => k.status).sort()).toEqual(['active', 'revoked']);
  });

  it('refuses --leaked with --grace as a usage error, rotating nothing', async () => {
    await keys('create', '--name', 'cursor-work-laptop', '--env', 'development');
    const result = await keys('rotate', 'cursor-work-laptop', '--leaked', '--grace', '1h');
    expect(result).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('grace: a leaked key gets no grace'),
    });
    expect((await list()).map((k) => k.status)).toEqual(['active']);
  });
});

describe('keys list after a rotation', () => {
  it('shows the old key STILL IN USE after one use right after the rotation', async () => {
    const server = await startTestServer();
    const cli = createServerCli(server);
    try {
      const oldKey = await server.issueKey({ name: 'cursor-work-laptop' });
      expect((await post(server, initializeBody, { authorization: `Bearer ${oldKey}` })).status).toBe(200);
      expect((await cli.run('keys', 'rotate', 'cursor-work-laptop', '--workspace', 'demo')).code).toBe(0);
      expect((await post(server, initializeBody, { authorization: `Bearer ${oldKey}` })).status).toBe(200);
      const listed = JSON.parse((await cli.run('keys', 'list', '--workspace', 'demo', '--json')).stdout) as {
        keys: Listed[];
      };
      const old = listed.keys.find((k) => k.name === 'cursor-work-laptop' && k.status === 'grace');
      expect(old?.grace?.stillInUse).toBe(true);
      expect((await cli.run('keys', 'list', '--workspace', 'demo')).stdout).toContain('STILL IN USE');
    } finally {
      cli.remove();
      await server.close();
    }
  });
});
