/** Audit: the event writer and the sanitizer that keeps secrets out of it. */
export { type AuditDraft, type AuditLog, createAuditLog, MAX_AUDIT_BATCH } from './audit-log.js';
export { REDACTED, redactText, sanitizeForAudit } from './sanitize.js';
