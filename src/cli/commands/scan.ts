/**
 * `taskgate scan <path...>`: finds Taskgate API keys (valid checksum) in files, for
 * pre-commit hooks and CI. Exit 0 when none, 1 when any is found, 2 on bad usage.
 * Walks directories without following symlinks (paths given on the command line are
 * followed), skips `.git` and `node_modules`, files over 5 MiB and binary files.
 * SECURITY: prints where a key is and its display prefix, never the key.
 */
import type { Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Environment } from '../../config/index.js';
import { AppError, invalidInput } from '../../core/index.js';
import { findKeysInText } from '../../credentials/index.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';

export const SCAN_MAX_FILE_BYTES = 5 * 1024 * 1024;
/** Like git, a file with a NUL byte in its first 8 KiB is binary. */
const BINARY_SNIFF_BYTES = 8 * 1024;
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules']);

export interface ScanFinding {
  readonly file: string;
  readonly line: number;
  readonly prefix: string;
  readonly environment: Environment;
}

export interface ScanReport {
  readonly findings: ScanFinding[];
  /** How many files were read (skipped ones are not counted). */
  readonly files: number;
}

export function registerScan(program: Command, io: CliIo): void {
  program
    .command('scan')
    .description('find Taskgate API keys in files; exit 1 when any is found')
    .argument('<path...>', 'files or directories to scan')
    .action(async (paths: string[], options: CommonOptions) => {
      const report = await scanPaths(paths, (message) => io.stderr.write(`taskgate: ${message}\n`));
      const human = report.findings.length
        ? report.findings.map((f) => `${f.file}:${f.line}: ${f.prefix}… (${f.environment})`).join('\n')
        : `No Taskgate keys found in ${report.files} file(s).`;
      printResult(io, options, report, human);
      if (report.findings.length) {
        // runCli maps conflict to exit code 1.
        throw new AppError(
          'conflict',
          `${report.findings.length} Taskgate key(s) found: treat them as leaked, revoke or rotate them, then remove them`,
          { detail: { reported: true } },
        );
      }
    });
}

export async function scanPaths(
  paths: readonly string[],
  warn: (message: string) => void,
): Promise<ScanReport> {
  const roots: Array<{ path: string; directory: boolean }> = [];
  for (const path of paths) {
    // Checked up front: a mistyped path must not pass a hook as "no keys found".
    const info = await stat(path).catch(() => undefined);
    if (!info || (!info.isFile() && !info.isDirectory())) {
      throw invalidInput([{ field: 'path', message: `${path} is not a file or directory` }]);
    }
    roots.push({ path, directory: info.isDirectory() });
  }
  const report: { findings: ScanFinding[]; files: number } = { findings: [], files: 0 };
  for (const root of roots) {
    if (root.directory) await scanDirectory(root.path, report, warn);
    else await scanFile(root.path, report, warn);
  }
  return report;
}

async function scanDirectory(
  directory: string,
  report: { findings: ScanFinding[]; files: number },
  warn: (message: string) => void,
): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    return warn(`skipped ${directory}: ${reason(error)}`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(directory, entry.name);
    // Dirent types come from lstat: a symlink is neither a file nor a directory here.
    if (entry.isDirectory() && !SKIPPED_DIRECTORIES.has(entry.name)) await scanDirectory(path, report, warn);
    else if (entry.isFile()) await scanFile(path, report, warn);
  }
}

async function scanFile(
  file: string,
  report: { findings: ScanFinding[]; files: number },
  warn: (message: string) => void,
): Promise<void> {
  let text: string;
  try {
    const content = await readText(file);
    if (content === undefined) return;
    text = content;
  } catch (error) {
    return warn(`skipped ${file}: ${reason(error)}`);
  }
  report.files++;
  for (const finding of findKeysInText(text)) report.findings.push({ file, ...finding });
}

/** The file's text, or undefined when it is too large or binary. */
async function readText(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r');
  try {
    if ((await handle.stat()).size > SCAN_MAX_FILE_BYTES) return undefined;
    const content = await handle.readFile();
    if (content.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return undefined;
    return content.toString('utf8');
  } finally {
    await handle.close();
  }
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? 'unreadable');
}
