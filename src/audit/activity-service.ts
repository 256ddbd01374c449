/**
 * The Activity service: the audit viewer the console's Activity page and the `taskgate audit`
 * commands share — filtered keyset pages, one event's detail, exports of the filtered view,
 * and a recorded verification of the chain. Every call takes the viewer and applies their
 * scope here (audit-reader.ts): an event a viewer may not see is `not_found`, exactly as one
 * that does not exist.
 */
import { AppError, type Clock, invalidInput, isId } from '../core/index.js';
import { findUnsafeCharacter, unsafeCharacterMessage } from '../domain/index.js';
import type { Workspace } from '../model/index.js';
import type { Store } from '../storage/index.js';
import { type ActivityDetail, detailOf } from './activity-detail.js';
import { createActivityVerifier, type LastVerification, type Verification } from './activity-verify.js';
import type { AuditLog } from './audit-log.js';
import {
  type ActivityViewer,
  type AuditFilterInput,
  type AuditPage,
  type AuditPageInput,
  createAuditReader,
} from './audit-reader.js';
import { AUDIT_EXPORT_FORMATS, type AuditExportFormat, createAuditEncoder } from './export-format.js';
import type { AuditSigner } from './signer.js';
import type { VerifyOptions } from './verify.js';

export interface ActivityDownload {
  readonly workspace: Workspace;
  readonly format: AuditExportFormat;
  /** A file name to offer (`acme-audit.csv`) and its media type. */
  readonly filename: string;
  readonly contentType: string;
  /** The encoded export, oldest first, one page of events per chunk (the CSV header first). */
  readonly chunks: AsyncIterable<{ readonly text: string; readonly events: number }>;
}

export interface ActivityService {
  page(viewer: ActivityViewer, input: AuditPageInput): Promise<AuditPage>;
  /** One event of the viewer's workspace (`workspace`: the operator's, when there are several). */
  event(viewer: ActivityViewer, id: string, workspace?: string): Promise<ActivityDetail>;
  /** `maxEvents` bounds a download (the console's): the oldest that many of the view. */
  export(
    viewer: ActivityViewer,
    input: AuditFilterInput,
    format: string,
    options?: { readonly maxEvents?: number },
  ): Promise<ActivityDownload>;
  /**
   * Verifies and records `audit.verified`. A member must be an owner or admin (anyone else:
   * `not_found`, as the page is); the operator may verify one workspace or every chain.
   */
  verify(
    viewer: ActivityViewer,
    options?: Pick<VerifyOptions, 'anchor'> & { readonly workspace?: string },
  ): Promise<Verification & { readonly workspaces: readonly Workspace[] }>;
  lastVerification(workspace: Pick<Workspace, 'id'>): Promise<LastVerification | null>;
}

const MEDIA_TYPES: Record<AuditExportFormat, string> = {
  jsonl: 'application/x-ndjson',
  csv: 'text/csv',
  ocsf: 'application/x-ndjson',
};

export function createActivityService(deps: {
  store: Pick<Store, 'apiKeys' | 'audit' | 'members' | 'workspaces'>;
  audit: Pick<AuditLog, 'append'>;
  signer: AuditSigner;
  cursorKey: Uint8Array;
  clock: Clock;
  productVersion: string;
}): ActivityService {
  const { store } = deps;
  const reader = createAuditReader({ store, cursorKey: deps.cursorKey, clock: deps.clock });
  const verifier = createActivityVerifier(deps);

  return {
    page: (viewer, input) => reader.page(input, viewer),

    async event(viewer, id, workspace) {
      const raw = id;
      const unsafe = findUnsafeCharacter(raw, 'line');
      if (unsafe) throw invalidInput([{ field: 'id', message: unsafeCharacterMessage(unsafe, 'line') }]);
      if (!isId('auditEvent', raw.trim()))
        throw invalidInput([{ field: 'id', message: 'is not an event id (evt_ and 26 characters)' }]);
      const scope = await reader.scopeOf(viewer, workspace);
      const [event] = await store.audit.list(scope.workspace.id, { id: raw.trim(), limit: 1 });
      // SECURITY: someone else's event reads as one that does not exist.
      const visible = event && (scope.seesAll || event.memberId === scope.member?.id);
      if (!visible) throw new AppError('not_found', `no event ${raw.trim()}`);
      const member =
        event.memberId === null
          ? null
          : ((await store.members.findById(scope.workspace.id, event.memberId)) ?? null);
      return detailOf(store, event, member);
    },

    async export(viewer, input, format, options = {}) {
      // SECURITY: a format glued to a control character is refused, not trimmed into one that matches.
      const chosen = findUnsafeCharacter(format, 'line')
        ? undefined
        : AUDIT_EXPORT_FORMATS.find((f) => f === format.trim().toLowerCase());
      if (!chosen)
        throw invalidInput([
          { field: 'format', message: `must be one of ${AUDIT_EXPORT_FORMATS.join(', ')}` },
        ]);
      const exported = await reader.export(input, undefined, viewer);
      const encoder = createAuditEncoder(chosen, {
        productVersion: deps.productVersion,
        member: (id) => exported.members.get(id),
      });
      async function* chunks(): AsyncGenerator<{ text: string; events: number }> {
        if (encoder.header) yield { text: encoder.header, events: 0 };
        let room = options.maxEvents ?? Number.POSITIVE_INFINITY;
        for await (const page of exported.pages) {
          const events = page.length > room ? page.slice(0, room) : page;
          room -= events.length;
          yield { text: events.map(encoder.encode).join(''), events: events.length };
          if (room <= 0) return;
        }
      }
      return {
        workspace: exported.workspace,
        format: chosen,
        filename: `${exported.workspace.slug}-audit${chosen === 'ocsf' ? '-ocsf' : ''}.${chosen === 'csv' ? 'csv' : 'jsonl'}`,
        contentType: MEDIA_TYPES[chosen],
        chunks: chunks(),
      };
    },

    async verify(viewer, options = {}) {
      if (viewer.kind === 'member') {
        const scope = await reader.scopeOf(viewer);
        if (!scope.seesAll || !scope.member) throw new AppError('not_found', 'no such page');
        const done = await verifier.byMember(scope.workspace, scope.member);
        return { ...done, workspaces: [scope.workspace] };
      }
      const workspaces = await store.workspaces.list();
      const only =
        options.workspace === undefined
          ? undefined
          : (await reader.scopeOf(viewer, options.workspace)).workspace;
      const done = await verifier.byOperator(workspaces, {
        ...(only && { only }),
        ...(options.anchor && { anchor: options.anchor }),
      });
      return { ...done, workspaces: only ? [only] : workspaces };
    },

    lastVerification: (workspace) => verifier.last(workspace.id),
  };
}
