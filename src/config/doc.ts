/**
 * Renders the settings table of `docs/configuration.md` from SETTINGS, so the document
 * cannot drift from the code (test/house/configuration-doc.test.ts checks it). Columns
 * are padded the way biome formats Markdown tables, so `biome check --write` keeps it.
 */
import { SETTINGS } from './settings.js';

const HEADER = ['Setting', 'Environment variable', 'Flag', 'Default', 'Description'];

export function renderConfigurationTable(): string {
  const rows = Object.entries(SETTINGS).map(([name, setting]) =>
    [
      `\`${name}\``,
      `\`${setting.env}\``,
      'flag' in setting ? `\`${setting.flag}\`` : '—',
      setting.defaultText,
      setting.doc,
    ].map((cell) => cell.replaceAll('|', '\\|')),
  );
  const widths = HEADER.map((_, column) => Math.max(...[HEADER, ...rows].map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(HEADER), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}
