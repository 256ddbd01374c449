/**
 * The `taskgate` command line, run in-process through `runCli` with captured streams and
 * its own environment: a fresh SQLite file and data dir per test.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/storage/index.js';
import { type CliRun, type CliSandbox, createCliSandbox } from '../support/cli.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

let sandbox: CliSandbox;
let databaseUrl: string;

beforeEach(() => {
  sandbox = createCliSandbox();
  databaseUrl = sandbox.databaseUrl;
});

afterEach(() => sandbox.remove());

const run = (...argv: string[]): Promise<CliRun> => sandbox.run(...argv);

async function workspaceSlugs(): Promise<string[]> {
  const store = await openStore(databaseUrl);
  try {
    return (await store.workspaces.list()).map((workspace) => workspace.slug);
  } finally {
    await store.close();
  }
}

/**
 * Stderr must be exactly one line: the message a person reads. The notice that a command
 * created the sandbox's new database comes before it and is not part of the message.
 */
function oneLine(stderr: string): string {
  const lines = stderr
    .trimEnd()
    .split('\n')
    .filter((line) => !line.startsWith('taskgate: created new database at '));
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('taskgate init', () => {
  it('creates a workspace and its owner when the input is valid', async () => {
    const result = await run('init', '--workspace', 'acme', '--owner', 'Ada@Example.com', '--json');
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as {
      workspace: { slug: string; environment: string };
      owner: { email: string; role: string };
    };
    expect(output.workspace).toMatchObject({ slug: 'acme', environment: 'development' });
    expect(output.owner).toMatchObject({ email: 'ada@example.com', role: 'owner' });
  });

  it('exits 2 naming workspace and creates nothing when the slug is invalid', async () => {
    const bad = await run('init', '--workspace', 'Bad Slug!', '--owner', 'ada@example.com');
    expect(bad.code).toBe(2);
    expect(oneLine(bad.stderr)).toMatch(/^taskgate: workspace: /);
    expect(bad.stdout).toBe('');

    const good = await run('init', '--workspace', 'good-one', '--owner', 'ada@example.com');
    expect(good.code).toBe(0);
    expect(await workspaceSlugs()).toEqual(['good-one']);
  });

  it('exits 1 with a conflict when the workspace already exists', async () => {
    await run('init', '--workspace', 'acme', '--owner', 'ada@example.com');
    const again = await run('init', '--workspace', 'acme', '--owner', 'grace@example.com', '--json');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: 'conflict' } });
    expect(oneLine(again.stderr)).toContain('workspace: acme already exists');
  });

  it('exits 2 naming owner when the email is invalid', async () => {
    const result = await run('init', '--workspace', 'acme', '--owner', 'not-an-email');
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toMatch(/^taskgate: owner: /);
  });

  it('exits 2 naming environment when --env is not an environment', async () => {
    const result = await run('init', '--workspace', 'acme', '--owner', 'ada@example.com', '--env', 'prod');
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toMatch(/^taskgate: environment: must be one of /);
  });

  it('prints a JSON error with its code when --json is given and the input is invalid', async () => {
    const result = await run('init', '--workspace', 'x', '--owner', 'ada@example.com', '--json');
    expect(result.code).toBe(2);
    const output = JSON.parse(result.stdout) as { error: { code: string; fields: { field: string }[] } };
    expect(output.error.code).toBe('invalid_input');
    expect(output.error.fields.map((f) => f.field)).toEqual(['workspace']);
  });
});

describe('taskgate usage errors', () => {
  it('exits 2 when the command is unknown', async () => {
    const result = await run('frobnicate');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });

  it('exits 2 when an option is unknown', async () => {
    const result = await run('init', '--workspace', 'acme', '--owner', 'ada@example.com', '--bogus');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--bogus'");
    expect(await workspaceSlugs()).toEqual([]);
  });

  it('exits 2 naming port when serve gets a port that is not a number', async () => {
    const result = await run('serve', '--port', 'abc');
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toMatch(/^taskgate: port \(TASKGATE_PORT \/ --port\): /);
  });

  it('prints the package version and exits 0 when asked for --version', async () => {
    const result = await run('--version');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(VERSION);
  });
});

describe('taskgate migrate', () => {
  it('reports the applied migrations on a new database and none the second time', async () => {
    const first = await run('migrate', '--json');
    expect(first.code).toBe(0);
    const firstReport = JSON.parse(first.stdout) as { database: string; applied: string[] };
    expect(firstReport.database).toBe('sqlite');
    expect(firstReport.applied.length).toBeGreaterThan(0);

    const second = await run('migrate', '--json');
    expect(JSON.parse(second.stdout)).toEqual({ database: 'sqlite', applied: [] });
  });
});
