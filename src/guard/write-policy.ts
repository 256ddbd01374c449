/**
 * The part of a workspace's policy the write pipeline reads. Supplied per call by the
 * composition root, so the pipeline never caches a policy another instance changed.
 */
import type { Workspace } from '../storage/index.js';
import type { Risk } from './write-spec.js';

export const TIERS = ['none', 'token', 'elicit', 'approve'] as const;
export type Tier = (typeof TIERS)[number];

export interface WritePolicy {
  readonly tiers: Readonly<Record<Risk, Tier>>;
  readonly requireReason: boolean;
  readonly requireReadFirst: boolean;
  /** Who may approve in the browser: the credential's member, or also owners and admins. */
  readonly approver: 'member' | 'member_or_admin';
  readonly budget: { readonly writes: number; readonly deletes: number; readonly windowMinutes: number };
  readonly freeze: {
    readonly frozen: boolean;
    readonly since: string | null;
    readonly until: string | null;
    readonly reason: string | null;
  };
}

export type PolicySource = (workspace: Workspace) => Promise<WritePolicy>;
