/**
 * `taskgate` run in-process against a data directory, as the doctor suites drive it: the
 * SQLite file under `<dir>/data`, output captured, and `taskgate doctor --json` read back.
 */
import { join } from 'node:path';
import { runCli } from '../../src/cli/index.js';

export interface DoctorCheck {
  check: string;
  status: string;
  message: string;
  fix?: string;
}

export async function runCliIn(dir: string, argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env: {
      TASKGATE_DATABASE_URL: `sqlite:${join(dir, 'data', 'taskgate.db')}`,
      TASKGATE_DATA_DIR: join(dir, 'data'),
      ...env,
    },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    cwd: dir,
  });
  return { code, stdout, stderr };
}

/** `taskgate doctor --json …` in `dir`: its report, and its checks by name. */
export async function runDoctorIn(dir: string, args: string[], env: Record<string, string> = {}) {
  const result = await runCliIn(dir, ['doctor', '--json', ...args], env);
  const report = JSON.parse(result.stdout) as { ok: boolean; checks: DoctorCheck[] };
  const byName = Object.fromEntries(report.checks.map((check) => [check.check, check]));
  return { ...result, report, byName };
}
