/**
 * `taskgate scan`, run through a local commander program that maps errors to exit codes the
 * way runCli does, over a temp directory of files holding freshly generated keys.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerScan } from '../../src/cli/commands/scan.js';
import type { CliIo } from '../../src/cli/io.js';
import { EXIT_OK, EXIT_USAGE, toCliMessage, toExitCode } from '../../src/cli/to-exit-code.js';
import { cryptoRandom, toAppError } from '../../src/core/index.js';
import { displayPrefix, generateApiKey } from '../../src/credentials/index.js';

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function scan(...argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    env: {},
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
  };
  const program = new Command('taskgate')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  registerScan(program, io);
  // runCli adds --json (and --db) to every command after registration.
  for (const command of program.commands) command.option('--json', 'machine-readable output');
  try {
    await program.parseAsync(['scan', ...argv], { from: 'user' });
    return { code: EXIT_OK, stdout, stderr };
  } catch (error) {
    if (error instanceof CommanderError) return { code: EXIT_USAGE, stdout, stderr };
    const appError = toAppError(error);
    stderr += `${toCliMessage(appError)}\n`;
    return { code: toExitCode(appError), stdout, stderr };
  }
}

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'taskgate-scan-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(relative: string, content: string | Buffer): string {
  const path = join(dir, relative);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** A key whose checksum no longer matches: what a typo or a made-up example looks like. */
function brokenChecksum(key: string): string {
  return `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
}

describe('taskgate scan', () => {
  it('reports a leaked key by file, line and prefix and exits 1 when a file holds one', async () => {
    const leaked = generateApiKey('production', cryptoRandom);
    const hidden = generateApiKey('development', cryptoRandom);
    write('app/.env', `# settings\nTASKGATE_API_KEY=${leaked}\n`);
    write('.git/config', `token = ${hidden}\n`);
    write('app/node_modules/pkg/index.js', `export const key = '${hidden}';\n`);
    write('docs/example.md', `Use a key like ${brokenChecksum(hidden)}.\n`);

    const result = await scan(dir);

    expect(result.code).toBe(1);
    expect(result.stdout.trim()).toBe(`${join(dir, 'app/.env')}:2: ${displayPrefix(leaked)}… (production)`);
    expect(result.stderr).toMatch(/^taskgate: 1 Taskgate key\(s\) found/);
  });

  it('never prints a leaked key in full when it reports it', async () => {
    const keys = [generateApiKey('production', cryptoRandom), generateApiKey('staging', cryptoRandom)];
    write('config.json', JSON.stringify({ a: keys[0], b: keys[1] }));

    for (const argv of [[dir], [dir, '--json']]) {
      const result = await scan(...argv);
      expect(result.code).toBe(1);
      for (const key of keys) {
        expect(result.stdout + result.stderr).not.toContain(key);
        // Nor the secret part on its own.
        expect(result.stdout + result.stderr).not.toContain(key.slice(12, -7));
      }
    }
  });

  it('exits 1 on each file that hides a key glued to other text or URL-encoded', async () => {
    const key = () => generateApiKey('production', cryptoRandom);
    const percentAll = (text: string) =>
      Array.from(text, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    const hidden: Record<string, (k: string) => string> = {
      'bearer-percent-20.txt': (k) => `curl -H "Authorization:Bearer%20${k}"`,
      'taskgate-key-prefix.env': (k) => `TASKGATE_KEY_${k}`,
      'old-suffix.txt': (k) => `${k}_old`,
      'url-encoded-underscores.log': (k) => `GET /x?k=${k.replaceAll('_', '%5F')}`,
      'every-character-encoded.log': (k) => `GET /x?k=${percentAll(k)}`,
      'json-escaped.json': (k) => `{"key": "${k.replaceAll('_', '\\u005f')}"}`,
    };
    for (const [file, hide] of Object.entries(hidden)) {
      const leaked = key();
      const folder = `${dir}/${file}.d`;
      write(`${file}.d/${file}`, `${hide(leaked)}\n`);
      const result = await scan(folder);
      expect(result.code, file).toBe(1);
      expect(result.stdout, file).toContain(displayPrefix(leaked));
    }
  });

  it('exits 0 and says how many files it read when no key is found', async () => {
    write('README.md', '# hello\n');
    write(
      'src/index.ts',
      `export const example = '${brokenChecksum(generateApiKey('production', cryptoRandom))}';\n`,
    );
    write('node_modules/dep/key.txt', generateApiKey('production', cryptoRandom));

    const result = await scan(dir);

    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('No Taskgate keys found in 2 file(s).');
    expect(result.stderr).toBe('');
  });

  it('prints findings and the scanned file count as JSON when --json is given', async () => {
    const key = generateApiKey('staging', cryptoRandom);
    const file = write('deploy.yaml', `env:\n  - name: KEY\n    value: "${key}"\n`);
    write('notes.txt', 'nothing here\n');

    const result = await scan(file, join(dir, 'notes.txt'), '--json');

    expect(result.code).toBe(1);
    // runCli appends its one-line JSON error after the document; the report is what precedes it.
    const report = JSON.parse(result.stdout.slice(0, result.stdout.lastIndexOf('\n{"error"')));
    expect(report).toEqual({
      findings: [{ file, line: 3, prefix: displayPrefix(key), environment: 'staging' }],
      files: 2,
    });
  });

  it('prints an empty JSON report and exits 0 when --json is given and nothing is found', async () => {
    write('a.txt', 'clean\n');
    const result = await scan(dir, '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ findings: [], files: 1 });
  });

  it('skips binary files and files over 5 MiB when walking a directory', async () => {
    const key = generateApiKey('production', cryptoRandom);
    write('image.bin', Buffer.concat([Buffer.from([0x89, 0x50, 0x00, 0x01]), Buffer.from(key)]));
    write('huge.log', `${key}\n${'x'.repeat(5 * 1024 * 1024)}`);

    const result = await scan(dir);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('in 0 file(s)');
  });

  it('does not follow a symlink that points outside the scanned tree', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'taskgate-scan-outside-'));
    try {
      writeFileSync(join(outside, 'secret.env'), `KEY=${generateApiKey('production', cryptoRandom)}\n`);
      mkdirSync(join(dir, 'repo'));
      symlinkSync(outside, join(dir, 'repo', 'linked-dir'));
      symlinkSync(join(outside, 'secret.env'), join(dir, 'repo', 'linked-file.env'));

      const result = await scan(join(dir, 'repo'));

      expect(result.code).toBe(0);
      expect(result.stdout).toContain('in 0 file(s)');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('exits 2 naming the path when a path does not exist, so a typo cannot pass a hook', async () => {
    const result = await scan(join(dir, 'no-such-file'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no-such-file is not a file or directory');
  });

  it('exits 2 when no path is given', async () => {
    const result = await scan();
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("missing required argument 'path'");
  });
});
