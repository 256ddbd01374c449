/**
 * The files vitest runs without isolation (every project but ALONE, vitest.config.ts) share one
 * module graph and one process per worker, so none may leave process state behind for the file
 * after it: module mocks, stubbed globals or environment variables, fake timers, and spies that
 * are never restored. A file that needs one of them belongs in ALONE.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALONE } from '../../vitest.config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const LEAKS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bvi\s*\.\s*(?:mock|doMock)\s*\(/, 'a module mock'],
  [/\bvi\s*\.\s*stubGlobal\s*\(/, 'a stubbed global'],
  [/\bvi\s*\.\s*stubEnv\s*\(/, 'a stubbed environment variable'],
  [/\bvi\s*\.\s*useFakeTimers\s*\(/, 'fake timers'],
  [/\bprocess\s*\.\s*env\s*(?:\.\s*\w+|\[[^\]]+\])\s*=(?!=)/, 'an environment variable set'],
  [/\bdelete\s+process\s*\.\s*env\b/, 'an environment variable deleted'],
];

/** What in a test file's text would outlive the file in a shared worker. */
function leaksOf(text: string): string[] {
  const found = LEAKS.filter(([pattern]) => pattern.test(text)).map(([, what]) => what);
  if (/\bvi\s*\.\s*spyOn\s*\(/.test(text) && !/\bvi\s*\.\s*restoreAllMocks\s*\(/.test(text))
    found.push('a spy never restored');
  return found;
}

function runsAlone(file: string): boolean {
  return ALONE.some((entry) =>
    entry.endsWith('/**/*.test.ts')
      ? file.startsWith(entry.slice(0, -'**/*.test.ts'.length))
      : file === entry,
  );
}

const SELF = 'test/house/test-isolation.test.ts';

const testFiles = ['src', 'test']
  .flatMap((dir) =>
    readdirSync(`${ROOT}${dir}`, { recursive: true, encoding: 'utf8' }).map((f) => `${dir}/${f}`),
  )
  .map((file) => file.split('\\').join('/'))
  .filter((file) => /\.test\.tsx?$/.test(file) && !file.startsWith('test/fixtures/'));

describe('files that share a worker', () => {
  it('leave no process state behind: every mock, stub and timer is in a file that runs ALONE', () => {
    expect(testFiles.length).toBeGreaterThan(200);
    const leaking = testFiles
      .filter((file) => !runsAlone(file) && file !== SELF)
      .map((file) => ({ file, leaks: leaksOf(readFileSync(`${ROOT}${file}`, 'utf8')) }))
      .filter(({ leaks }) => leaks.length > 0);
    expect(leaking).toEqual([]);
  });

  it('finds each kind of leak, however it is spaced', () => {
    expect(leaksOf("vi.mock('node:fs')")).toEqual(['a module mock']);
    expect(leaksOf("vi .doMock ('x')")).toEqual(['a module mock']);
    expect(leaksOf("vi.stubGlobal('fetch', f)")).toEqual(['a stubbed global']);
    expect(leaksOf("vi.stubEnv('TZ', 'UTC')")).toEqual(['a stubbed environment variable']);
    expect(leaksOf('vi.useFakeTimers()')).toEqual(['fake timers']);
    expect(leaksOf("process.env.TASKGATE_X = '1'")).toEqual(['an environment variable set']);
    expect(leaksOf("process.env['TASKGATE_X']='1'")).toEqual(['an environment variable set']);
    expect(leaksOf('delete process.env.TASKGATE_X')).toEqual(['an environment variable deleted']);
    expect(leaksOf("vi.spyOn(console, 'log')")).toEqual(['a spy never restored']);
  });

  it('leaves alone what changes nothing: reads, comparisons and restored spies', () => {
    expect(leaksOf('const url = process.env.TASKGATE_TEST_POSTGRES_URL;')).toEqual([]);
    expect(leaksOf("if (process.env.CI === 'true') {}")).toEqual([]);
    expect(leaksOf("vi.spyOn(console, 'log'); afterEach(() => vi.restoreAllMocks());")).toEqual([]);
  });

  it('knows which files run alone', () => {
    expect(runsAlone('test/cluster/cluster-drill.test.ts')).toBe(true);
    expect(runsAlone('src/storage/sqlite-chain-check.test.ts')).toBe(true);
    expect(runsAlone('test/storage/sqlite-faults.test.ts')).toBe(true);
    expect(runsAlone('test/storage/sqlite-faults-extra.test.ts')).toBe(false);
    expect(runsAlone('test/mcp/read-tools.test.ts')).toBe(false);
  });
});
