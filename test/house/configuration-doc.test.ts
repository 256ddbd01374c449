/**
 * README.md and docs/configuration.md carry a table generated from SETTINGS. This test
 * fails when they drift; run it with UPDATE_DOCS=1 to rewrite the marked sections.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigurationTable, SETTINGS } from '../../src/config/index.js';

const DOCS = ['docs/configuration.md', 'README.md'];
const BEGIN = '<!-- settings:begin -->';
const END = '<!-- settings:end -->';
const UPDATE_COMMAND = 'UPDATE_DOCS=1 npx vitest run test/house/configuration-doc.test.ts';

function splitDoc(text: string): { before: string; table: string; after: string } {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`missing ${BEGIN} … ${END} markers`);
  return {
    before: text.slice(0, start + BEGIN.length),
    table: text.slice(start + BEGIN.length, end).trim(),
    after: text.slice(end),
  };
}

describe('configuration docs', () => {
  it.each(DOCS)('%s matches the settings table when SETTINGS changes', (path) => {
    const file = new URL(`../../${path}`, import.meta.url);
    const { before, table, after } = splitDoc(readFileSync(file, 'utf8'));
    const expected = renderConfigurationTable();
    if (process.env.UPDATE_DOCS === '1' && table !== expected) {
      writeFileSync(file, `${before}\n${expected}\n${after}`);
      return;
    }
    expect(table, `${path} is out of date: run ${UPDATE_COMMAND}`).toBe(expected);
  });

  it('lists every setting with its environment variable when rendered', () => {
    const rows = renderConfigurationTable()
      .split('\n')
      .map((row) => row.split(' | ').map((cell) => cell.replace(/^\| /, '').trim()));
    for (const [name, setting] of Object.entries(SETTINGS)) {
      expect(rows).toContainEqual(expect.arrayContaining([`\`${name}\``, `\`${setting.env}\``]));
    }
  });
});
