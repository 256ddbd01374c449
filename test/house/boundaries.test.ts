/**
 * The house rules of DESIGN.md §2, enforced: the dependency-cruiser layer rules hold for
 * src/ (and really fail on a known-bad fixture), only the entry points read process.env,
 * and no source file grows past 400 lines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult, type IFlattenedRuleSet } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/boundaries/', import.meta.url));
const TS_CONFIG = `${ROOT}tsconfig.json`;
const MAX_LINES = 400;

interface RulesFile {
  readonly forbidden: IFlattenedRuleSet['forbidden'];
  readonly options: Record<string, unknown>;
}

const rules = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as RulesFile;

/** Cruises `<baseDir>/src` with the project's own rules, as `npm run boundaries` does. */
async function cruiseSrc(baseDir: string): Promise<ICruiseResult> {
  const { output } = await cruise(
    ['src'],
    {
      ...rules.options,
      baseDir,
      validate: true,
      ruleSet: { forbidden: rules.forbidden },
      tsConfig: { fileName: TS_CONFIG },
    },
    {},
    { tsConfig: extractTSConfig(TS_CONFIG) },
  );
  if (typeof output === 'string') throw new Error('dependency-cruiser returned a report, not a result');
  return output;
}

function sourceFiles(root: string): string[] {
  return readdirSync(`${root}src`, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.tsx?$/.test(file))
    .map((file) => `src/${file.split('\\').join('/')}`)
    .sort();
}

interface Violation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
}

let fixtureRun: Promise<Violation[]> | undefined;
/** The known-bad fixture's violations, cruised once for every test that needs them. */
function fixtureViolations(): Promise<Violation[]> {
  fixtureRun ??= cruiseSrc(FIXTURE).then((result) =>
    result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to })),
  );
  return fixtureRun;
}

describe('layer boundaries', () => {
  it('finds no violation when cruising src/', async () => {
    const result = await cruiseSrc(ROOT);
    const violations = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
    expect(violations).toEqual([]);
    expect(result.summary.totalCruised).toBeGreaterThan(20);
  });

  it('reports layer-domain when domain code imports the HTTP layer', async () => {
    const violations = await fixtureViolations();
    expect(violations).toContainEqual({
      rule: 'layer-domain',
      from: 'src/domain/bad.ts',
      to: 'src/http/index.ts',
    });
  });

  it('keeps incident and admin beside the guard: neither direction is allowed', async () => {
    const violations = await fixtureViolations();
    expect(violations).toContainEqual({
      rule: 'layer-guard',
      from: 'src/guard/index.ts',
      to: 'src/admin/index.ts',
    });
    expect(violations).toContainEqual({
      rule: 'layer-incident',
      from: 'src/incident/index.ts',
      to: 'src/guard/index.ts',
    });
  });

  it('reports entry-layers-do-not-import-storage when an entry layer imports storage', async () => {
    const violations = await fixtureViolations();
    expect(violations).toContainEqual({
      rule: 'entry-layers-do-not-import-storage',
      from: 'src/oauth/bad.ts',
      to: 'src/storage/index.ts',
    });
  });

  it('reports chain-is-a-leaf and chain-hash-only-in-chain when the chain rule leaks', async () => {
    const violations = await fixtureViolations();
    expect(violations).toContainEqual({
      rule: 'chain-is-a-leaf',
      from: 'src/chain/index.ts',
      to: 'src/storage/index.ts',
    });
    expect(violations).toContainEqual(
      expect.objectContaining({ rule: 'chain-hash-only-in-chain', from: 'src/storage/index.ts' }),
    );
  });
});

/** Files under `<root>src` whose text matches `pattern`, except those `allowed`. */
function filesMatching(
  root: string,
  pattern: RegExp,
  allowed: (file: string) => boolean = () => false,
): string[] {
  return sourceFiles(root).filter(
    (file) => !allowed(file) && pattern.test(readFileSync(`${root}${file}`, 'utf8')),
  );
}

/** Settings reach the code as a frozen Config: only the process entry reads the environment. */
const PROCESS_ENV = /process\.env/;
const onlyMain = (file: string) => file === 'src/main.ts';
/** Code in a string is invisible to the compiler, the linter and these rules (the chain's worker was). */
const CODE_IN_STRINGS = /eval:\s*true|new Function\(|\beval\(/;

/** The layer table of docs/architecture.md: layer → what it may import, as the page says. */
function documentedLayers(): Map<string, string[]> {
  const doc = readFileSync(`${ROOT}docs/architecture.md`, 'utf8');
  const table = doc.slice(doc.indexOf('| layer '), doc.indexOf('\n\n', doc.indexOf('| layer ')));
  const rows = new Map<string, string[]>();
  for (const line of table.split('\n').slice(2)) {
    const [names = '', imports = ''] = line
      .split('|')
      .slice(1, 3)
      .map((cell) => cell.trim());
    const list =
      imports === 'Node built-ins only' ? [] : imports.split(', ').filter((i) => !i.startsWith('`'));
    for (const name of names.split(', ')) rows.set(name, list);
  }
  return rows;
}

describe('house rules', () => {
  it('documents every layer rule as it is enforced: the table in docs/architecture.md is LOWER', () => {
    const enforced = new Map<string, string[]>();
    for (const rule of rules.forbidden ?? []) {
      const name = rule.name ?? '';
      if (!name.startsWith('layer-')) continue;
      const allowed = /may import only (.*)$/.exec(rule.comment ?? '')?.[1] ?? '';
      enforced.set(name.slice('layer-'.length), allowed === 'nothing else in src' ? [] : allowed.split(', '));
    }
    expect(documentedLayers()).toEqual(enforced);
  });

  it('keeps process.env out of every file except main.ts', () => {
    expect(
      filesMatching(ROOT, PROCESS_ENV, onlyMain),
      'read settings through Config, not process.env',
    ).toEqual([]);
  });

  it('reports a CLI command that reads process.env itself', () => {
    expect(filesMatching(FIXTURE, PROCESS_ENV, onlyMain)).toEqual(['src/cli/reads-env.ts']);
  });

  it('runs no code from strings: no eval, no eval-ed worker, no new Function', () => {
    expect(filesMatching(ROOT, CODE_IN_STRINGS), 'write it as a module the compiler sees').toEqual([]);
  });

  it('reports a worker started from a string of code', () => {
    expect(filesMatching(FIXTURE, CODE_IN_STRINGS)).toEqual(['src/storage/string-worker.ts']);
  });

  it(`keeps every source file under ${MAX_LINES} lines`, () => {
    const offenders = sourceFiles(ROOT)
      .map((file) => ({ file, lines: readFileSync(`${ROOT}${file}`, 'utf8').split('\n').length }))
      .filter(({ lines }) => lines >= MAX_LINES)
      .map(({ file, lines }) => `${file} (${lines} lines)`);
    expect(offenders, 'split these files').toEqual([]);
  });
});
