/** Audit: the event writer and the sanitizer that keeps secrets out of it. */
export { type AuditDraft, type AuditLog, createAuditLog, MAX_AUDIT_BATCH } from './audit-log.js';
export {
  AUDIT_EXPORT_PAGE_SIZE,
  AUDIT_QUERY_DEFAULT_LIMIT,
  AUDIT_QUERY_MAX_LIMIT,
  type AuditExport,
  type AuditFilterInput,
  type AuditPage,
  type AuditPageInput,
  type AuditReader,
  createAuditReader,
} from './audit-reader.js';
export { csvCell, csvRow, defuseFormula } from './csv.js';
export {
  AUDIT_EXPORT_FORMATS,
  type AuditEncoder,
  type AuditExportFormat,
  CSV_COLUMNS,
  createAuditEncoder,
} from './export-format.js';
export {
  OCSF_SCHEMA_VERSION,
  type OcsfContext,
  type OcsfEvent,
  ocsfActivityOf,
  ocsfClassOf,
  toOcsf,
} from './ocsf.js';
export { REDACTED, redactText, sanitizeForAudit } from './sanitize.js';
