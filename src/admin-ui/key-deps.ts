/** What the API keys pages call: the services `taskgate keys|audit|usage` call too. */
import type { ActivityService, UsageService } from '../audit/index.js';
import type { KeyService } from '../credentials/index.js';
import type { Suspensions } from '../monitoring/index.js';

export interface KeyPageDeps {
  /** The list, the key page and create; rotate, revoke and narrow (key-actions.tsx). */
  readonly keys: Pick<KeyService, 'create' | 'list' | 'show' | 'forAction' | 'rotate' | 'revoke' | 'narrow'>;
  readonly activity: Pick<ActivityService, 'page'>;
  readonly usage: Pick<UsageService, 'forKey'>;
  /** The MCP endpoint the client snippets point at. */
  readonly mcpUrl: string;
  /** Lifts a suspension (`/admin/keys/:id/lift`). */
  readonly suspensions?: Pick<Suspensions, 'lift'>;
}
