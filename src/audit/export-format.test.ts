import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../model/index.js';
import { csvCell, csvRow, defuseFormula } from './csv.js';
import { CSV_COLUMNS, createAuditEncoder } from './export-format.js';

const context = { productVersion: '0.0.0', member: () => undefined };

const EVENT: AuditEvent = {
  id: 'evt_01JBBBBBBBBBBBBBBBBBBBBBBB',
  workspaceId: 'wsp_01JAAAAAAAAAAAAAAAAAAAAAAA',
  occurredAt: '2026-11-27T10:00:00.000Z',
  action: 'mcp.tool_called',
  tool: 'get_task',
  outcome: 'ok',
  errorCode: null,
  memberId: null,
  credentialId: null,
  credentialName: 'cursor-work-laptop',
  environment: null,
  params: { task: 'APO-1', note: 'a, "quoted"\nline' },
  result: null,
  ip: '203.0.113.7',
  userAgent: '=HYPERLINK("http://attacker.test","click")',
  clientName: null,
  clientVersion: null,
  requestId: null,
  durationMs: 7,
  detail: null,
  changes: null,
  reason: null,
  confirmation: null,
  seq: 12,
  prevHash: 'a'.repeat(64),
  hash: 'b'.repeat(64),
};

describe('csv cells', () => {
  it('quotes commas, quotes and line breaks as RFC 4180 says, and ends rows with CRLF', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(-3)).toBe('-3');
    expect(csvRow(['a', null, 1])).toBe('a,,1\r\n');
  });

  it('defuses cells a spreadsheet would run as a formula (CSV injection)', () => {
    for (const attack of ['=1+1', '+1', '-1+cmd', '@SUM(A1)', '\t=1', '\r=1']) {
      expect(defuseFormula(attack)).toBe(`'${attack}`);
    }
    expect(defuseFormula('safe = text')).toBe('safe = text');
    expect(csvCell('=cmd|"/c calc"!A1')).toBe(`"'=cmd|""/c calc""!A1"`);
  });
});

describe('createAuditEncoder', () => {
  it('writes one JSON line per event that parses back to the event', () => {
    const encoder = createAuditEncoder('jsonl', context);
    expect(encoder.header).toBe('');
    expect(JSON.parse(encoder.encode(EVENT))).toEqual(EVENT);
  });

  it('gives CSV a column for every stored field and nested values as JSON text', () => {
    const encoder = createAuditEncoder('csv', context);
    expect(encoder.header).toBe(`${Object.keys(EVENT).join(',')}\r\n`);
    expect(Object.keys(CSV_COLUMNS)).toEqual(Object.keys(EVENT));
    const row = encoder.encode(EVENT);
    expect(row).toContain(csvCell(JSON.stringify(EVENT.params)));
    expect(row).toContain(`"'=HYPERLINK(""http://attacker.test"",""click"")"`);
    expect(row.endsWith(`,7,,,,,12,${'a'.repeat(64)},${'b'.repeat(64)}\r\n`)).toBe(true);
  });

  it('writes OCSF as JSON lines', () => {
    const line = createAuditEncoder('ocsf', context).encode(EVENT);
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toMatchObject({ class_uid: 6003, api: { operation: 'get_task' } });
  });
});
