/**
 * Start-up errors a person can act on, through the built binary: a port in use, a database
 * file that is not a database, a data dir that cannot be written, and settings with stray
 * characters glued on. Each exits 2 with one line that names the port, file or directory,
 * and never a stack trace.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliSandbox, createCliSandbox } from '../support/cli.js';
import { type BinaryRun, runBinary, startBinary } from '../support/cli-binary.js';

const NOBODY = { uid: 65534, gid: 65534 };

let dir: string;
let held: Server | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'taskgate-startup-'));
  // Traversable by the unprivileged user some tests run the binary as.
  chmodSync(dir, 0o755);
});

afterEach(async () => {
  await new Promise<void>((done) => (held ? held.close(() => done()) : done()));
  held = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const secretEnv = () => ({ TASKGATE_SECRET_KEY: randomBytes(32).toString('base64url') });
const run = (args: string[], env: Record<string, string> = {}) =>
  runBinary(args, { cwd: dir, env: { TASKGATE_DATA_DIR: join(dir, 'data'), ...env } });

/** Exactly one line from Taskgate on stderr, and it is not a stack trace. */
function message(result: BinaryRun): string {
  const lines = result.lines.filter((line) => !line.startsWith('taskgate: created new database at '));
  expect(lines, result.stderr).toHaveLength(1);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

function holdPort(): Promise<number> {
  const server = createServer();
  held = server;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

describe('a port in use', () => {
  it('exits 2 naming the port and --port when another process listens on it', async () => {
    const port = await holdPort();
    const result = await run(['serve', '--port', String(port), '--db', `sqlite:${join(dir, 'a.db')}`]);
    expect(result.code).toBe(2);
    expect(message(result)).toBe(
      `taskgate: port ${port} is in use on 127.0.0.1; pass --port (or set TASKGATE_PORT) to pick another`,
    );
  });

  it('leaves the demo unseeded, so its first key is shown on the next start, when the port is in use', async () => {
    const port = await holdPort();
    const db = `sqlite:${join(dir, 'demo.db')}`;
    const env = secretEnv();
    const failed = await run(['demo', '--port', String(port), '--db', db, '--json'], env);
    expect(failed.code).toBe(2);
    expect(message(failed)).toContain(`port ${port} is in use`);

    const started = await startBinary<{ seeded?: { firstKey: { name: string } } }>(
      ['demo', '--port', '0', '--db', db, '--json'],
      { cwd: dir, env: { TASKGATE_DATA_DIR: join(dir, 'data'), ...env } },
    );
    expect(started.info.seeded?.firstKey.name).toBe('demo-quickstart');
    expect(await started.stop()).toBe(0);
  });
});

describe('a host that is not this machine', () => {
  it('exits 2 naming the host and --host when the address belongs to no interface here', async () => {
    const sandbox = createCliSandbox();
    try {
      // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never an address of this machine.
      const result = await sandbox.run('serve', '--host', '192.0.2.1', '--port', '0');
      expect(result.code).toBe(2);
      expect(result.stderr.split('\n').filter((line) => !line.includes('created new database'))).toEqual([
        'taskgate: host 192.0.2.1 is not an address of this machine; pass --host (e.g. 127.0.0.1)',
        '',
      ]);
    } finally {
      sandbox.remove();
    }
  });
});

describe('a damaged database file', () => {
  it('exits 2 naming the file when it is not a SQLite database', async () => {
    const file = join(dir, 'garbage.db');
    writeFileSync(file, randomBytes(8192));
    for (const args of [
      ['keys', 'list', '--workspace', 'acme'],
      ['serve', '--port', '0'],
    ]) {
      const result = await run([...args, '--db', `sqlite:${file}`], secretEnv());
      expect(result.code).toBe(2);
      expect(message(result)).toBe(
        `taskgate: database ${file} is not a usable SQLite database (file is not a database); restore it from a backup or pass another --db`,
      );
    }
  });

  it('exits 2 naming the file when a real database is truncated', async () => {
    const file = join(dir, 'cut.db');
    const env = secretEnv();
    expect(
      (
        await run(
          ['init', '--workspace', 'acme', '--owner', 'ada@example.com', '--db', `sqlite:${file}`],
          env,
        )
      ).code,
    ).toBe(0);
    truncateSync(file, Math.floor(statSync(file).size / 2));
    const result = await run(['audit', 'verify', '--db', `sqlite:${file}`], env);
    expect(result.code).toBe(2);
    expect(message(result)).toMatch(
      new RegExp(
        `^taskgate: database ${file} is not a usable SQLite database \\(database disk image is malformed\\)`,
      ),
    );
  });

  it('exits 2 saying the path is a directory when --db names one', async () => {
    const result = await run(['keys', 'list', '--workspace', 'acme', '--db', `sqlite:${dir}`], secretEnv());
    expect(result.code).toBe(2);
    expect(message(result)).toBe(
      `taskgate: cannot open database ${dir}: it is a directory; name a file in it, e.g. ${dir}/taskgate.db`,
    );
  });
});

describe('a data dir that cannot be written', () => {
  // Tests run as root, whom file modes do not stop: the binary runs as `nobody` instead, so
  // the read-only directory really refuses the write (EACCES), as it would for any user.
  const asUser = process.getuid?.() === 0 ? { user: NOBODY } : {};

  it('exits 2 saying the data directory is not writable when the secret key must be generated there', async () => {
    const data = join(dir, 'read-only');
    mkdirSync(data, { mode: 0o555 });
    chmodSync(data, 0o555);
    const result = await runBinary(['init', '--workspace', 'acme', '--owner', 'ada@example.com'], {
      cwd: dir,
      env: { TASKGATE_DATA_DIR: data },
      ...asUser,
    });
    expect(result.code).toBe(2);
    expect(message(result)).toBe(
      `taskgate: data directory ${data} is not writable (EACCES); set TASKGATE_DATA_DIR or TASKGATE_SECRET_KEY`,
    );
    expect(existsSync(join(data, 'secret.key'))).toBe(false);
  });

  it('exits 2 saying the directory is not writable when the database must be created there', async () => {
    const data = join(dir, 'read-only');
    mkdirSync(data);
    chmodSync(data, 0o555);
    const file = join(data, 'taskgate.db');
    const result = await runBinary(['init', '--workspace', 'acme', '--owner', 'ada@example.com'], {
      cwd: dir,
      env: { TASKGATE_DATA_DIR: data, ...secretEnv() },
      ...asUser,
    });
    expect(result.code).toBe(2);
    expect(message(result)).toBe(
      `taskgate: cannot create database ${file}: directory ${data} is not writable`,
    );
  });

  it('exits 2 saying a file is in the way when the data directory path runs through a file', async () => {
    writeFileSync(join(dir, 'plain-file'), 'not a directory');
    const data = join(dir, 'plain-file', 'data');
    const result = await run(['init', '--workspace', 'acme', '--owner', 'ada@example.com'], {
      TASKGATE_DATA_DIR: data,
    });
    expect(result.code).toBe(2);
    expect(message(result)).toBe(
      `taskgate: data directory ${data} cannot be created: a file is in its way (ENOTDIR); set TASKGATE_DATA_DIR or TASKGATE_SECRET_KEY`,
    );
    const withSecret = await run(['init', '--workspace', 'acme', '--owner', 'ada@example.com'], {
      TASKGATE_DATA_DIR: data,
      ...secretEnv(),
    });
    expect(withSecret.code).toBe(2);
    expect(message(withSecret)).toBe(
      `taskgate: cannot create database ${join(data, 'taskgate.db')}: directory ${data} cannot be created: a file is in its way (ENOTDIR)`,
    );
  });
});

describe('settings with characters glued on', () => {
  // In-process (the same runCli the binary runs): these check parsing, not the process.
  let sandbox: CliSandbox;
  beforeEach(() => {
    sandbox = createCliSandbox();
  });
  afterEach(() => sandbox.remove());

  it.each([
    ['8787x', 'must be a whole number 0-65535'],
    ['', 'must be a whole number 0-65535'],
    ['0x1f90', 'must be a whole number 0-65535'],
    ['8e3', 'must be a whole number 0-65535'],
    ['-1', 'must be a whole number 0-65535'],
    ['65536', 'must be 0-65535'],
  ])('refuses --port %j naming the port and opens no database', async (port, reason) => {
    const result = await sandbox.run('serve', '--port', port);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`taskgate: port (TASKGATE_PORT / --port): ${reason}\n`);
    expect(existsSync(join(sandbox.dir, 'taskgate.db'))).toBe(false);
  });

  it.each([
    ['sqlite:', 'the sqlite: URL needs a file path, e.g. sqlite:./data/taskgate.db'],
    ['sqlite:~/taskgate.db', 'the sqlite: path starts with ~, which is not expanded; give the full path'],
    ['sqlite:data/', 'the sqlite: path names a directory; add a file name, e.g. taskgate.db'],
    ['sqlite: data.db', 'the sqlite: path must not start or end with spaces'],
    ['sqlite3:data.db', 'must be sqlite:<path> or postgres://…'],
  ])('refuses --db %j naming the database setting and creates nothing', async (url, reason) => {
    const result = await sandbox.run(
      'init',
      '--workspace',
      'acme',
      '--owner',
      'ada@example.com',
      '--db',
      url,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`taskgate: databaseUrl (TASKGATE_DATABASE_URL / --db): ${reason}\n`);
    expect(readdirSync(sandbox.dir)).toEqual([]);
  });
});
