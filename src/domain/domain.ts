/** The composition of the domain services; the rest of the system receives one Domain. */
import type { Clock, IdGenerator } from '../core/index.js';
import type { DomainStore } from './actor.js';
import { createCommentService } from './comments.js';
import { createProjectService } from './projects.js';
import { createTaskService } from './tasks.js';
import { createTimeEntryService } from './time-entries.js';
import { createWorkspaceService } from './workspaces.js';

export interface DomainDeps {
  readonly store: DomainStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export interface Domain {
  readonly workspaces: ReturnType<typeof createWorkspaceService>;
  readonly projects: ReturnType<typeof createProjectService>;
  readonly tasks: ReturnType<typeof createTaskService>;
  readonly comments: ReturnType<typeof createCommentService>;
  readonly timeEntries: ReturnType<typeof createTimeEntryService>;
}

export function createDomain(deps: DomainDeps): Domain {
  return {
    workspaces: createWorkspaceService(deps),
    projects: createProjectService(deps),
    tasks: createTaskService(deps),
    comments: createCommentService(deps),
    timeEntries: createTimeEntryService(deps),
  };
}
