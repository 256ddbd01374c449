/**
 * The domain: workspaces, members, projects, tasks, comments and time entries, with their
 * role rules and validation. Knows nothing of HTTP, MCP or the process environment.
 */

export * from './access.js';
export type { Actor, DomainStore } from './actor.js';
export type { AddCommentInput, CommentService, ListCommentsInput } from './comments.js';
export { DEMO_WORKSPACE, type DemoSummary, seedDemoWorkspace } from './demo-seed.js';
export { createDomain, type Domain, type DomainDeps } from './domain.js';
export { type FieldDiff, fieldDiff } from './field-diff.js';
export { assertManager } from './managers.js';
export type { Page } from './pagination.js';
export {
  CLIENT_NAME_MAX,
  describeClient,
  escapeUnsafe,
  findUnsafeCharacter,
  quoteJson,
  quoteText,
  type TextShape,
  toSafeClientName,
  type UnsafeCharacter,
  unsafeCharacterMessage,
} from './plain-text.js';
export type { CreateProjectInput, ProjectService, UpdateProjectInput } from './projects.js';
export type { TaskView } from './task-lookup.js';
export {
  type CreateTaskInput,
  diffFields,
  type ListTasksInput,
  type TaskService,
  type UpdateTaskInput,
} from './tasks.js';
export type { ListTimeInput, LogTimeInput, TimeEntryService } from './time-entries.js';
export { email, fieldError, multiLine, parseInput, reference, singleLine } from './validation.js';
export { findWorkspace, resolveWorkspace, type WorkspaceLookup } from './workspace-lookup.js';
export type { AddMemberInput, CreateWorkspaceInput, WorkspaceService } from './workspaces.js';
