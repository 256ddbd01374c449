/** `taskgate keys …` through the real CLI: the secret is printed once, and only by create/rotate. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliSandbox, createCliSandbox } from '../support/cli.js';

let sandbox: CliSandbox;
beforeEach(async () => {
  sandbox = createCliSandbox();
  expect(
    (await sandbox.run('init', '--workspace', 'acme', '--owner', 'ada@acme.test', '--env', 'production'))
      .code,
  ).toBe(0);
});
afterEach(() => sandbox.remove());

const create = (...extra: string[]) =>
  sandbox.run(
    'keys',
    'create',
    '--workspace',
    'acme',
    '--name',
    'cursor-work-laptop',
    '--env',
    'production',
    ...extra,
  );

describe('keys create', () => {
  it('prints exactly one JSON object with the secret and its settings when asked for JSON', async () => {
    const result = await create('--scopes', 'tasks:write', '--expires-in', '30d', '--json');
    expect(result.code).toBe(0);
    const created = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(created).toMatchObject({
      id: expect.stringMatching(/^key_/),
      name: 'cursor-work-laptop',
      key: expect.stringMatching(/^tg_prod_[0-9A-Za-z]{30}_[0-9A-Za-z]{6}$/),
      environment: 'production',
      scopes: ['tasks:read', 'tasks:write'],
      projects: null,
      expiresAt: expect.any(String),
    });
    expect(Date.parse(created.expiresAt as string) - Date.now()).toBeGreaterThan(29 * 86_400_000);
  });

  it('shows the key once in human output, and never again in list or show', async () => {
    const created = await create();
    const key = /tg_prod_\S+/.exec(created.stdout)?.[0];
    expect(key).toBeDefined();
    expect(created.stdout).toContain('only time the key is shown');
    for (const later of [
      await sandbox.run('keys', 'list', '--workspace', 'acme'),
      await sandbox.run('keys', 'list', '--workspace', 'acme', '--json'),
      await sandbox.run('keys', 'show', 'cursor-work-laptop', '--workspace', 'acme', '--json'),
    ]) {
      expect(later.code).toBe(0);
      expect(later.stdout).toContain('cursor-work-laptop');
      expect(later.stdout).not.toContain(key!);
      expect(later.stdout).toContain(key!.slice(-4));
    }
  });

  it('refuses a bad name with a suggestion and exit code 2, creating nothing', async () => {
    const result = await sandbox.run(
      'keys',
      'create',
      '--workspace',
      'acme',
      '--env',
      'production',
      '--name',
      'My Cursor',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('try "my-cursor"');
    expect((await sandbox.run('keys', 'list', '--workspace', 'acme', '--json')).stdout).toContain(
      '"keys": []',
    );
  });

  it('refuses unknown scopes, projects and bad CIDR blocks, naming each field', async () => {
    const result = await create('--scopes', 'tasks:read,root', '--projects', 'NOPE', '--ip', '10.0.0.0/40');
    expect(result.code).toBe(2);
    for (const field of ['scopes: unknown scope root', 'projects: no project NOPE', 'ip: 10.0.0.0/40']) {
      expect(result.stderr).toContain(field);
    }
  });

  it('refuses a lifetime beyond the workspace rotation policy', async () => {
    const result = await create('--expires-in', '365d');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('expires-in: must be at most 90d');
  });
});

describe('keys rotate and revoke', () => {
  it('rotates into a new secret, keeps the old one in grace, then revokes it', async () => {
    const first = JSON.parse((await create('--json')).stdout) as { key: string };
    const rotated = await sandbox.run(
      'keys',
      'rotate',
      'cursor-work-laptop',
      '--workspace',
      'acme',
      '--grace',
      '2h',
      '--json',
    );
    expect(rotated.code).toBe(0);
    const body = JSON.parse(rotated.stdout) as {
      key: string;
      old: { status: string; grace: { remainingSeconds: number } };
    };
    expect(body.key).not.toBe(first.key);
    expect(body.old.status).toBe('grace');
    expect(body.old.grace.remainingSeconds).toBeGreaterThan(7100);
    const list = JSON.parse((await sandbox.run('keys', 'list', '--workspace', 'acme', '--json')).stdout) as {
      keys: { status: string }[];
    };
    expect(list.keys.map((k) => k.status).sort()).toEqual(['active', 'grace']);
    const revoked = await sandbox.run('keys', 'revoke', 'cursor-work-laptop', '--workspace', 'acme');
    expect(revoked.stdout).toContain('Its next request gets 401');
    const again = await sandbox.run('keys', 'revoke', 'cursor-work-laptop', '--workspace', 'acme');
    expect(again.code).toBe(1);
  });

  it('refuses a malformed grace period', async () => {
    await create();
    const result = await sandbox.run(
      ...'keys rotate cursor-work-laptop --workspace acme --grace forever'.split(' '),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('grace: must be a duration');
  });

  it('prints a client config that runs this installation and never contains the key', async () => {
    const result = await create('--client', 'claude-desktop', '--json');
    const created = JSON.parse(result.stdout) as {
      key: string;
      clientConfig: { text: string; file: string };
    };
    expect(created.clientConfig.file).toContain('claude_desktop_config.json');
    const config = JSON.parse(created.clientConfig.text) as {
      mcpServers: { taskgate: { command: string; args: string[] } };
    };
    expect(config.mcpServers.taskgate.command).toBe(process.execPath);
    expect(config.mcpServers.taskgate.args[0]).toMatch(/main\.js$/);
    expect(created.clientConfig.text).not.toContain(created.key);
    expect((await create('--client', 'emacs')).stderr).toContain('client: must be one of');
  });
});
