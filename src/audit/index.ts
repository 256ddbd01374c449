/** Audit: the event writer and the sanitizer that keeps secrets out of it. */

/** A signed checkpoint as storage keeps it: the CLI's anchor command reads it through audit/. */
export type { AuditCheckpoint } from '../storage/index.js';
export { type ActivityCursors, type CursorView, createActivityCursors } from './activity-cursor.js';
export type { ActivityDetail, ActivityLinks, ChainPlace, ChangeView } from './activity-detail.js';
export { type ActivityFilterText, checkFilterText, type IpRange, parseIpRange } from './activity-filters.js';
export { type ActivityDownload, type ActivityService, createActivityService } from './activity-service.js';
export { AUDIT_VERIFIED, type LastVerification, type Verification } from './activity-verify.js';
export {
  ANCHOR_FORMAT,
  type Anchor,
  type AnchoredCheckpoint,
  parseAnchor,
  toAnchor,
} from './anchor.js';
export { createAuditMasks, HMAC_PREFIX } from './audit-hmac.js';
export {
  type AuditDraft,
  type AuditLog,
  type AuditQueue,
  createAuditLog,
  MAX_AUDIT_BATCH,
} from './audit-log.js';
export {
  type ActivityViewer,
  AUDIT_EXPORT_PAGE_SIZE,
  AUDIT_QUERY_DEFAULT_LIMIT,
  AUDIT_QUERY_MAX_LIMIT,
  type AuditExport,
  type AuditFilterInput,
  type AuditPage,
  type AuditPageInput,
  type AuditReader,
  createAuditReader,
  IP_RANGE_SCAN_BUDGET,
  OPERATOR,
  type ViewerScope,
} from './audit-reader.js';
export {
  type KeyUse,
  MAX_EVENTS_WITHOUT_CHECKPOINT,
  MAX_UNSIGNED_SPAN_MS,
} from './checkpoint-checks.js';
export {
  CHECKPOINT_EVERY_EVENTS,
  CHECKPOINT_EVERY_MS,
  type Checkpointer,
  createCheckpointer,
} from './checkpoints.js';
export { csvCell, csvRow, defuseFormula } from './csv.js';
export {
  AUDIT_EXPORT_FORMATS,
  type AuditEncoder,
  type AuditExportFormat,
  CSV_COLUMNS,
  createAuditEncoder,
} from './export-format.js';
export { redactForLog, redactLogArguments } from './log-redaction.js';
export { createLogger } from './logger.js';
export {
  OCSF_SCHEMA_VERSION,
  type OcsfContext,
  type OcsfEvent,
  ocsfActivityOf,
  ocsfClassOf,
  toOcsf,
} from './ocsf.js';
export {
  type AuditPrune,
  type AuditPruneDeps,
  type AuditPruneResult,
  createAuditPrune,
  type PrunedChain,
} from './prune.js';
export {
  holdsSecret,
  type Mask,
  maskSecretShapes,
  REDACTED,
  redact,
  redactText,
  sanitizeForAudit,
} from './sanitize.js';
export { findSecretSpans, maskSecretSpans, type SecretSpan } from './secret-spans.js';
export {
  type AuditPublicKey,
  type AuditSigner,
  checkpointHash,
  checkpointPayload,
  createAuditSigner,
  keyIdOf,
} from './signer.js';
export {
  assertSigningKey,
  type KeySource,
  SIGNING_KEY_ADDED,
  type SigningKeyCheck,
  type TrustedKey,
  trustedKeys,
} from './signing-keys.js';
export {
  createUsageService,
  type DaySeries,
  USAGE_CALL_ACTIONS,
  USAGE_DEFAULT_DAYS,
  USAGE_MAX_DAYS,
  type UsageInput,
  type UsageReport,
  type UsageService,
  type UsageViewer,
} from './usage.js';
export {
  AUDIT_TABLE,
  type ChainProblem,
  DAMAGE_KINDS,
  type Damage,
  type VerifyOptions,
  type VerifyReport,
  verifyAudit,
} from './verify.js';
