/**
 * The three export formats of `taskgate audit export`, one event at a time so an export
 * streams: JSON Lines (every field, as stored), CSV (RFC 4180, one column per field, nested
 * values as JSON text, formula injection defused) and OCSF 1.1.0 as JSON Lines.
 */
import type { AuditEvent } from '../model/index.js';
import { csvRow } from './csv.js';
import { type OcsfContext, toOcsf } from './ocsf.js';

export const AUDIT_EXPORT_FORMATS = ['jsonl', 'csv', 'ocsf'] as const;
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

type CsvKind = 'text' | 'number' | 'json';

/**
 * Every stored field, in column order. `satisfies` makes the compiler refuse an AuditEvent
 * field that has no column, so the CSV can never quietly drop one.
 */
export const CSV_COLUMNS = {
  id: 'text',
  workspaceId: 'text',
  occurredAt: 'text',
  action: 'text',
  tool: 'text',
  outcome: 'text',
  errorCode: 'text',
  memberId: 'text',
  credentialId: 'text',
  credentialName: 'text',
  environment: 'text',
  params: 'json',
  result: 'json',
  ip: 'text',
  userAgent: 'text',
  clientName: 'text',
  clientVersion: 'text',
  requestId: 'text',
  durationMs: 'number',
  detail: 'json',
  changes: 'json',
  reason: 'text',
  confirmation: 'text',
  seq: 'number',
  prevHash: 'text',
  hash: 'text',
} as const satisfies Record<keyof AuditEvent, CsvKind>;

export interface AuditEncoder {
  /** Written once before the first event (the CSV header row); empty for the JSON formats. */
  readonly header: string;
  /** One event, with its line ending. */
  encode(event: AuditEvent): string;
}

export function createAuditEncoder(format: AuditExportFormat, context: OcsfContext): AuditEncoder {
  switch (format) {
    case 'jsonl':
      return { header: '', encode: (event) => `${JSON.stringify(event)}\n` };
    case 'ocsf':
      return { header: '', encode: (event) => `${JSON.stringify(toOcsf(event, context))}\n` };
    case 'csv': {
      const columns = Object.entries(CSV_COLUMNS) as [keyof AuditEvent, CsvKind][];
      return {
        header: csvRow(columns.map(([name]) => name)),
        encode: (event) => csvRow(columns.map(([name, kind]) => csvValue(event[name], kind))),
      };
    }
  }
}

function csvValue(value: unknown, kind: CsvKind): string | number | null {
  if (value === null || value === undefined) return null;
  if (kind === 'number' && typeof value === 'number') return value;
  if (kind === 'text' && typeof value === 'string') return value;
  return JSON.stringify(value);
}
