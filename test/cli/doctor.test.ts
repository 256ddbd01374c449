/**
 * `taskgate doctor` on real deployments (a SQLite data dir made by `taskgate migrate`, a
 * PostgreSQL schema): it passes a healthy one, and finds a world-readable secret, a plain
 * http public URL on a network address, pending migrations, an SMTP server that does not
 * answer; exit code 1 when a check fails, one JSON document with --json.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DoctorCheck, runCliIn, runDoctorIn } from '../support/doctor-cli.js';
import { postgresUrl } from '../support/postgres.js';
import { createTestDatabase, type TestDatabase } from '../support/stores.js';

let dir: string;
let smtp: Server;
let smtpUrl: string;

beforeAll(async () => {
  // A greeting is all doctor reads of an SMTP server.
  smtp = createServer((socket) => socket.end('220 doctor-test ESMTP ready\r\n'));
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const address = smtp.address();
  smtpUrl = `smtp://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => new Promise<void>((resolve) => smtp.close(() => resolve())));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'taskgate-doctor-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const run = (argv: string[], env: Record<string, string> = {}) => runCliIn(dir, argv, env);

const doctor = (env: Record<string, string> = {}, ...extra: string[]) =>
  runDoctorIn(dir, ['--smtp', smtpUrl, ...extra], env);

async function healthyDeployment() {
  expect((await run(['migrate'])).code).toBe(0);
  chmodSync(join(dir, 'data', 'taskgate.db'), 0o600);
}

describe('taskgate doctor', () => {
  it('passes a healthy deployment: every check ok, warned or not checkable, exit 0', async () => {
    await healthyDeployment();
    const { code, report, byName } = await doctor();
    expect(report.checks.filter((check) => check.status === 'fail')).toEqual([]);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    for (const name of ['public_url', 'secret_key', 'database_file', 'database', 'migrations', 'smtp'])
      expect(byName[name]?.status, name).toBe('ok');
    expect(byName.smtp!.message).toContain('220 doctor-test');
    expect(byName.clock_skew!.status).toBe('skip');
    // The notifications migration made the webhook table: doctor reads it (empty here).
    expect(byName.webhooks).toMatchObject({ status: 'ok', message: 'no webhook endpoints configured' });
    expect(['ok', 'warn']).toContain(byName.node_version!.status);
  });

  it('finds a world-readable secret key file and says to chmod it (exit 1)', async () => {
    await healthyDeployment();
    const secret = join(dir, 'data', 'secret.key');
    chmodSync(secret, 0o644);
    const { code, report, byName } = await doctor();
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(byName.secret_key).toMatchObject({ status: 'fail', fix: `chmod 600 ${secret}` });
    expect(byName.secret_key!.message).toContain('0644');
  });

  it('finds a public URL over plain http on a network address (loopback http is fine)', async () => {
    await healthyDeployment();
    const { code, byName } = await doctor({ TASKGATE_PUBLIC_URL: 'http://tasks.example.com' });
    expect(code).toBe(1);
    expect(byName.public_url!.status).toBe('fail');
    expect(byName.public_url!.fix).toContain('https://');
    const local = await doctor({ TASKGATE_PUBLIC_URL: 'http://127.0.0.1:8787' });
    expect(local.byName.public_url!.status).toBe('ok');
  });

  it('finds pending migrations without applying them', async () => {
    await healthyDeployment();
    const file = join(dir, 'data', 'taskgate.db');
    const db = new SQLite(file);
    const last = db.prepare('select name from kysely_migration order by name desc limit 1').get() as {
      name: string;
    };
    db.prepare('delete from kysely_migration where name = ?').run(last.name);
    db.close();
    const { code, byName } = await doctor();
    expect(code).toBe(1);
    expect(byName.migrations).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('taskgate migrate'),
    });
    expect(byName.migrations!.message).toContain(last.name);
    const again = new SQLite(file);
    expect(again.prepare('select count(*) as n from kysely_migration where name = ?').get(last.name)).toEqual(
      {
        n: 0,
      },
    );
    again.close();
  });

  it('finds an SMTP server that does not answer, and a world-readable database file', async () => {
    await healthyDeployment();
    chmodSync(join(dir, 'data', 'taskgate.db'), 0o644);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await run(['doctor', '--json', '--smtp', `smtp://user:hunter2@127.0.0.1:${port}`]);
    const checks = (JSON.parse(result.stdout) as { checks: DoctorCheck[] }).checks;
    const smtpCheck = checks.find((check) => check.check === 'smtp')!;
    expect(smtpCheck.status).toBe('fail');
    expect(result.stdout).not.toContain('hunter2');
    expect(checks.find((check) => check.check === 'database_file')).toMatchObject({ status: 'warn' });
  });

  it('prints one line per check with its fix when not asked for JSON', async () => {
    await healthyDeployment();
    chmodSync(join(dir, 'data', 'secret.key'), 0o640);
    const { code, stdout } = await run(['doctor', '--smtp', smtpUrl]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^\[FAIL\] secret_key: .*0640/m);
    expect(stdout).toMatch(/^ +fix: chmod 600 /m);
    expect(stdout).toMatch(/^\[ok {2}\] migrations: /m);
    expect(stdout).toContain('1 check(s) failed.');
  });
});

describe.skipIf(!postgresUrl())('taskgate doctor on PostgreSQL', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase('postgres');
  });
  afterEach(async () => database.drop());

  it("compares this host's clock with the server's and checks its migrations", async () => {
    const env = {
      TASKGATE_DATABASE_URL: database.url,
      TASKGATE_SECRET_KEY: randomBytes(32).toString('base64url'),
    };
    expect((await run(['migrate'], env)).code).toBe(0);
    const { code, byName } = await doctor(env);
    expect(code).toBe(0);
    expect(byName.secret_key!.status).toBe('ok');
    expect(byName.migrations!.status).toBe('ok');
    expect(byName.clock_skew!.status).toBe('ok');
    expect(byName.clock_skew!.message).toMatch(/differ by about \d+ ms/);
    expect(byName.database_file).toBeUndefined();
  });
});
