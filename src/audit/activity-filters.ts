/**
 * The Activity filters as people type them (console form fields, CLI flags), checked before
 * anything is read: each refusal names its field, and a value with a control or bidi
 * character, or glued to anything its shape does not allow, is refused whole — never
 * trimmed into something that matches. Pure.
 */
import { BlockList, isIP } from 'node:net';
import { type FieldIssue, isId, parseTimeInput } from '../core/index.js';
import { findUnsafeCharacter, unsafeCharacterMessage } from '../domain/index.js';
import { AUDIT_OUTCOMES } from '../model/index.js';

export interface ActivityFilterText {
  /** A key's name (any key that ever had it) or its id. */
  readonly key?: string | undefined;
  /** A member's email or id. */
  readonly member?: string | undefined;
  readonly tool?: string | undefined;
  readonly action?: string | undefined;
  readonly outcome?: string | undefined;
  /** An address (`203.0.113.7`) or a block (`203.0.113.0/24`, `2001:db8::/32`). */
  readonly ip?: string | undefined;
  /** Inclusive lower and exclusive upper bound: a duration ago (`24h`) or an ISO time. */
  readonly since?: Date | string | undefined;
  readonly until?: Date | string | undefined;
}

/** An address block, and whether a stored address falls in it. */
export interface IpRange {
  readonly cidr: string;
  contains(address: string | null): boolean;
}

const TOOL = /^[a-z][a-z0-9_]{0,63}$/;
const ACTION = /^[a-z][a-z_]{0,39}(?:\.[a-z][a-z_]{0,39}){1,3}$/;
const KEY_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)+$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/;

/** Field issues of the typed filters; empty when every one is well formed. */
export function checkFilterText(input: ActivityFilterText): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const shaped = (field: keyof ActivityFilterText, ok: (value: string) => boolean, message: string) => {
    const raw = input[field];
    if (raw === undefined || typeof raw !== 'string') return;
    const unsafe = findUnsafeCharacter(raw, 'line');
    if (unsafe) issues.push({ field, message: unsafeCharacterMessage(unsafe, 'line') });
    else if (raw.trim() === '') issues.push({ field, message: 'must not be empty' });
    else if (!ok(raw.trim())) issues.push({ field, message });
  };
  shaped(
    'key',
    (v) => isId('apiKey', v) || isId('connection', v) || (v.length <= 64 && KEY_NAME.test(v)),
    'must be a key name like cursor-work-laptop, or a key id',
  );
  shaped('member', (v) => isId('member', v) || EMAIL.test(v), "must be a member's email or id");
  shaped('tool', (v) => TOOL.test(v), 'must be a tool name like update_task');
  shaped('action', (v) => ACTION.test(v), 'must be an action like mcp.tool_called or key.revoked');
  shaped(
    'outcome',
    (v) => (AUDIT_OUTCOMES as readonly string[]).includes(v),
    `must be one of ${AUDIT_OUTCOMES.join(', ')}`,
  );
  shaped(
    'ip',
    (v) => isIP(v) !== 0 || parseIpRange(v) !== null,
    'must be an IPv4 or IPv6 address, e.g. 203.0.113.7, or a block like 203.0.113.0/24',
  );
  for (const field of ['since', 'until'] as const) {
    const raw = input[field];
    if (typeof raw === 'string') shaped(field, (v) => parseTimeInput(v, new Date(0), -1).ok, TIME_MESSAGE);
    else if (raw instanceof Date && Number.isNaN(raw.getTime()))
      issues.push({ field, message: TIME_MESSAGE });
  }
  return issues;
}

const TIME_MESSAGE = 'must be a duration like 24h or 7d, or an ISO time like 2026-11-03T18:00:00Z';

/** `since`/`until` as times: a duration means that long before `now`. */
export function timeOf(value: Date | string | undefined, now: Date): Date | undefined {
  if (value === undefined || value instanceof Date) return value;
  const parsed = parseTimeInput(value, now, -1);
  return parsed.ok ? parsed.value : undefined;
}

/** `a.b.c.d/n` or `x::/n`, or null. A bare address is not a range (it is matched exactly). */
export function parseIpRange(text: string): IpRange | null {
  const match = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(text);
  if (!match) return null;
  const [, address = '', bits = ''] = match;
  const family = isIP(address);
  const prefix = Number(bits);
  if (family === 0 || prefix > (family === 4 ? 32 : 128)) return null;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  list.addSubnet(address, prefix, type);
  return {
    cidr: `${address.toLowerCase()}/${prefix}`,
    contains(stored) {
      if (stored === null) return false;
      // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d.
      const plain =
        stored.toLowerCase().startsWith('::ffff:') && isIP(stored.slice(7)) === 4 ? stored.slice(7) : stored;
      const kind = isIP(plain);
      return kind !== 0 && list.check(plain, kind === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
