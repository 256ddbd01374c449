/**
 * Renders the settings table of `docs/configuration.md` from SETTINGS, so the document
 * cannot drift from the code (test/house/configuration-doc.test.ts checks it).
 */
import { SETTINGS } from './settings.js';

const HEADER = ['Setting', 'Environment variable', 'Flag', 'Default', 'Description'];

export function renderConfigurationTable(): string {
  const rows = Object.entries(SETTINGS).map(([name, setting]) => [
    `\`${name}\``,
    `\`${setting.env}\``,
    'flag' in setting ? `\`${setting.flag}\`` : '—',
    setting.defaultText,
    setting.doc,
  ]);
  return [HEADER, HEADER.map(() => '---'), ...rows].map(toRow).join('\n');
}

function toRow(cells: readonly string[]): string {
  return `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
}
