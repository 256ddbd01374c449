/** What the API keys pages call: the services `taskgate keys|audit|usage` call too. */
import type { ActivityService, UsageService } from '../audit/index.js';
import type { KeyService } from '../credentials/index.js';

export interface KeyPageDeps {
  readonly keys: Pick<KeyService, 'create' | 'list' | 'show'>;
  readonly activity: Pick<ActivityService, 'page'>;
  readonly usage: Pick<UsageService, 'forKey'>;
  /** The MCP endpoint the client snippets point at. */
  readonly mcpUrl: string;
}
