/** Incidents: what a leaked key did (report), undoing it (revert) and stopping it (contain). */

export {
  type ContainedKey,
  type ContainResult,
  createIncidentContain,
  type IncidentContain,
  type IncidentContainDeps,
} from './contain.js';
export {
  changesOf,
  INCIDENT_CONTAINED,
  INCIDENT_REVERTED,
  type IncidentScope,
  type KeyChange,
  listKeyEvents,
  snapshotDiff,
} from './events.js';
export {
  createIncidentReporter,
  type IncidentReport,
  type IncidentReporter,
  keysNamed,
  summarizeIncident,
} from './report.js';
export {
  createIncidentRevert,
  type IncidentRevert,
  type IncidentRevertDeps,
  type RevertRun,
  type RevertStep,
  type StepStatus,
} from './revert.js';
export type { RevertAction } from './revert-chain.js';
export {
  createIncidentService,
  type IncidentService,
  type IncidentServiceDeps,
  type IncidentSubject,
} from './service.js';
export { containText, reportMarkdown, revertText } from './text.js';
