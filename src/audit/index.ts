/** Audit: the event writer and the sanitizer that keeps secrets out of it. */

export { createAuditMasks, HMAC_PREFIX } from './audit-hmac.js';
export { type AuditDraft, type AuditLog, createAuditLog, MAX_AUDIT_BATCH } from './audit-log.js';
export {
  CHECKPOINT_EVERY_EVENTS,
  CHECKPOINT_EVERY_MS,
  type Checkpointer,
  createCheckpointer,
} from './checkpoints.js';
export {
  changesOf,
  INCIDENT_CONTAINED,
  INCIDENT_REVERTED,
  type IncidentScope,
  type KeyChange,
  listKeyEvents,
  snapshotDiff,
} from './incident-events.js';
export {
  createIncidentReporter,
  type IncidentReport,
  type IncidentReporter,
  keysNamed,
  summarizeIncident,
} from './incident-report.js';
export {
  createIncidentRevert,
  type IncidentRevert,
  type IncidentRevertDeps,
  type RevertRun,
  type RevertStep,
  type StepStatus,
} from './incident-revert.js';
export type { RevertAction } from './revert-chain.js';
export { type Mask, maskSecretShapes, REDACTED, redact, redactText, sanitizeForAudit } from './sanitize.js';
export { type AuditPublicKey, type AuditSigner, createAuditSigner } from './signer.js';
export { type ChainProblem, DAMAGE_KINDS, type Damage, type VerifyReport, verifyAudit } from './verify.js';
