/**
 * Which database a command opens, through the built binary: the default data dir is
 * `data/` in the project root from anywhere inside the project, a command that creates a
 * database says where, and read-only commands never create one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBinary } from '../support/cli-binary.js';

const CREATED = 'taskgate: created new database at ';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'taskgate-datadir-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const secretEnv = () => ({ TASKGATE_SECRET_KEY: randomBytes(32).toString('base64url') });
const init = ['init', '--workspace', 'acme', '--owner', 'ada@example.com'];

/** A project as npm sees one: a directory with a package.json, and a few levels below it. */
function makeProject(): { root: string; deep: string } {
  const root = join(dir, 'project');
  const deep = join(root, 'docs', 'guides');
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'my-project', private: true }));
  return { root, deep };
}

describe('the default data dir', () => {
  it('opens the project root database when run from a subdirectory of the project', async () => {
    const { root, deep } = makeProject();
    const created = await runBinary(init, { cwd: root });
    expect(created.code).toBe(0);
    expect(created.lines).toContain(`${CREATED}${join(root, 'data', 'taskgate.db')}`);

    const listed = await runBinary(['keys', 'list', '--workspace', 'acme', '--json'], { cwd: deep });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({ keys: [] });
    expect(listed.lines).toEqual([]);
    expect(existsSync(join(root, 'docs', 'data'))).toBe(false);
    expect(existsSync(join(deep, 'data'))).toBe(false);
  });

  it('creates the database in the project root when the first command runs from a subdirectory', async () => {
    const { root, deep } = makeProject();
    const created = await runBinary(init, { cwd: deep });
    expect(created.code).toBe(0);
    expect(created.lines).toEqual([`${CREATED}${join(root, 'data', 'taskgate.db')}`]);
    expect(existsSync(join(root, 'data', 'secret.key'))).toBe(true);
    expect(existsSync(join(deep, 'data'))).toBe(false);
  });

  it('uses data/ in the current directory when no directory above holds a package.json', async () => {
    const created = await runBinary(init, { cwd: dir, env: secretEnv() });
    expect(created.code).toBe(0);
    expect(created.lines).toEqual([`${CREATED}${join(dir, 'data', 'taskgate.db')}`]);
  });

  it('takes a relative TASKGATE_DATA_DIR from the current directory, not the project root', async () => {
    const { deep } = makeProject();
    const created = await runBinary(init, { cwd: deep, env: { TASKGATE_DATA_DIR: 'local', ...secretEnv() } });
    expect(created.code).toBe(0);
    expect(created.lines).toEqual([`${CREATED}${join(deep, 'local', 'taskgate.db')}`]);
  });
});

describe('a new database', () => {
  it('prints where it created the database on stderr and keeps --json output one JSON document', async () => {
    const file = join(dir, 'fresh', 'taskgate.db');
    const env = secretEnv();
    const first = await runBinary([...init, '--db', `sqlite:${file}`, '--json'], { cwd: dir, env });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ workspace: { slug: 'acme' } });
    expect(first.lines).toEqual([`${CREATED}${file}`]);

    const again = await runBinary(['keys', 'list', '--workspace', 'acme', '--db', `sqlite:${file}`], {
      cwd: dir,
      env,
    });
    expect(again.code).toBe(0);
    expect(again.lines).toEqual([]);
  });

  it('prints where it created the database when migrate makes a new one', async () => {
    const file = join(dir, 'migrated.db');
    const result = await runBinary(['migrate', '--db', `sqlite:${file}`], { cwd: dir, env: secretEnv() });
    expect(result.code).toBe(0);
    expect(result.lines).toEqual([`${CREATED}${file}`]);
  });
});

describe('read-only commands on a database that does not exist', () => {
  const READ_ONLY_COMMANDS = [
    ['audit', 'verify'],
    ['audit', 'query', '--workspace', 'acme'],
    ['audit', 'export', '--workspace', 'acme', '--format', 'jsonl'],
    ['keys', 'list', '--workspace', 'acme'],
    ['keys', 'show', 'cursor-laptop', '--workspace', 'acme'],
    ['incident', 'report', '--workspace', 'acme', '--key', 'cursor-laptop'],
    ['policy', 'show', '--workspace', 'acme'],
    ['members', 'list', '--workspace', 'acme'],
    ['oauth', 'clients', 'list'],
    ['connections', 'list', '--workspace', 'acme'],
  ];

  it.each(READ_ONLY_COMMANDS.map((args) => [args.slice(0, 2).join(' '), args]))(
    'refuses `%s` on a mistyped --db path and creates neither the file nor its directory',
    async (_name, args) => {
      const file = join(dir, 'typo', 'x.db');
      const result = await runBinary([...args, '--db', `sqlite:${file}`], {
        cwd: dir,
        env: { TASKGATE_DATA_DIR: join(dir, 'data'), ...secretEnv() },
      });
      expect(result.code).toBe(2);
      expect(result.lines).toEqual([`taskgate: no such database: ${file}`]);
      expect(existsSync(file)).toBe(false);
      expect(existsSync(join(dir, 'typo'))).toBe(false);
    },
  );

  it('refuses audit verify on the default database of a new project and creates no data dir', async () => {
    const { root, deep } = makeProject();
    const result = await runBinary(['audit', 'verify', '--json'], { cwd: deep, env: secretEnv() });
    expect(result.code).toBe(2);
    expect(result.lines).toEqual([`taskgate: no such database: ${join(root, 'data', 'taskgate.db')}`]);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'invalid_input' } });
    expect(existsSync(join(root, 'data'))).toBe(false);
  });
});
