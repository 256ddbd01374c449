/**
 * docs/configuration.md carries a table generated from SETTINGS. This test fails when the
 * two drift; run it with UPDATE_DOCS=1 to rewrite the marked section.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigurationTable, SETTINGS } from '../../src/config/index.js';

const DOC = new URL('../../docs/configuration.md', import.meta.url);
const BEGIN = '<!-- settings:begin -->';
const END = '<!-- settings:end -->';
const UPDATE_COMMAND = 'UPDATE_DOCS=1 npx vitest run test/house/configuration-doc.test.ts';

function splitDoc(text: string): { before: string; table: string; after: string } {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/configuration.md lacks ${BEGIN} … ${END} markers`);
  return {
    before: text.slice(0, start + BEGIN.length),
    table: text.slice(start + BEGIN.length, end).trim(),
    after: text.slice(end),
  };
}

describe('docs/configuration.md', () => {
  it('matches the settings table when SETTINGS changes', () => {
    const text = readFileSync(DOC, 'utf8');
    const { before, table, after } = splitDoc(text);
    const expected = renderConfigurationTable();
    if (process.env.UPDATE_DOCS === '1' && table !== expected) {
      writeFileSync(DOC, `${before}\n${expected}\n${after}`);
      return;
    }
    expect(table, `docs/configuration.md is out of date: run ${UPDATE_COMMAND}`).toBe(expected);
  });

  it('lists every setting with its environment variable when rendered', () => {
    const table = renderConfigurationTable();
    for (const [name, setting] of Object.entries(SETTINGS)) {
      expect(table).toContain(`| \`${name}\` | \`${setting.env}\` |`);
    }
  });
});
