/**
 * CSV cells and rows for audit exports (RFC 4180: CRLF line ends, a field with a comma,
 * quote, CR or LF is quoted and its quotes doubled). Audit fields carry text chosen by
 * callers — user agents, MCP client names, tool arguments — so a cell is also defused
 * against spreadsheet formula injection before it reaches an analyst's Excel.
 */

/** Characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection"). */
const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r']);

/**
 * SECURITY: a cell starting like a formula gets a leading `'`, which spreadsheets read as
 * "this is text" and do not evaluate (`=HYPERLINK(…)` would otherwise run on open).
 */
export function defuseFormula(text: string): string {
  return text.length > 0 && FORMULA_START.has(text[0] as string) ? `'${text}` : text;
}

/** One field: `null` is empty; numbers are written as numbers; text is defused, then quoted if needed. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = defuseFormula(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, CRLF-terminated as RFC 4180 §2 asks. */
export function csvRow(values: readonly (string | number | null)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
