/**
 * The security checklist as one table: the guide's items in its order, each judged on one
 * snapshot of a workspace. The workspace items (the write policy, the audit log's checks) are
 * for owners and admins; the advice items are what no server can see, shown as advice with the
 * guide's section rather than as a pass. Pure.
 */
import { isScope, isWriteScope } from '../credentials/index.js';
import { RISK_CLASSES } from '../model/index.js';
import {
  descriptiveNames,
  environmentsSeparated,
  idleFullScope,
  oneMachinePerKey,
  rotation,
  separateKeys,
} from './checklist-key-items.js';
import {
  type ChecklistItem,
  type ChecklistItemId,
  type ChecklistSnapshot,
  inertName,
  nameList,
  plural,
  refOf,
} from './checklist-model.js';

const DAY_MS = 86_400_000;
/** The audit chain should have been verified within this many days ("review regularly"). */
export const AUDIT_VERIFY_MAX_AGE_DAYS = 7;
/** Where the advice items send the reader: sections of docs/checklist.md. */
export const CHECKLIST_GUIDE = 'docs/checklist.md';

export function confirmWrites(s: ChecklistSnapshot): ChecklistItem {
  const base = {
    id: 'confirm-writes',
    title: 'Confirmation on writes in production',
    fix: '/admin/policy',
  } as const;
  const env = s.workspace.environment;
  const unconfirmed = RISK_CLASSES.filter((risk) => s.tiers[risk] === 'none');
  if (env !== 'production') {
    return {
      ...base,
      status: 'pass',
      finding: `a ${env} workspace: the production rule does not apply (${unconfirmed.length} of ${RISK_CLASSES.length} risk classes unconfirmed)`,
      keys: [],
    };
  }
  // Read-only and dry-run-only keys cannot write, whatever the tiers say.
  const writers = s.keys.filter(
    (k) => !k.readOnly && !k.dryRunOnly && k.scopes.some((x) => isScope(x) && isWriteScope(x)),
  );
  if (unconfirmed.length === 0 || writers.length === 0) {
    return {
      ...base,
      status: 'pass',
      finding:
        unconfirmed.length === 0
          ? `every write asks for confirmation (${RISK_CLASSES.map((r) => `${r}: ${s.tiers[r]}`).join(', ')})`
          : 'no key can write: every key is read-only, dry-run-only or without a write scope',
      keys: [],
    };
  }
  const keys = writers.map(refOf);
  return {
    ...base,
    status: unconfirmed.length === RISK_CLASSES.length ? 'fail' : 'warn',
    finding: `${unconfirmed.join(', ')} ${unconfirmed.length === 1 ? 'runs' : 'run'} without confirmation for ${plural(
      writers.length,
      'write-capable key',
    )}: ${nameList(writers.map((k) => inertName(k.name)))}`,
    keys,
  };
}

export function auditVerified(s: ChecklistSnapshot): ChecklistItem {
  const base = {
    id: 'audit-verified',
    title: `Audit log verified in the last ${AUDIT_VERIFY_MAX_AGE_DAYS} days`,
    fix: '/admin/activity',
    keys: [],
  } as const;
  const v = s.verification;
  if (v === null) return { ...base, status: 'fail', finding: 'the audit chain has never been verified' };
  const by = v.by === null ? 'the command line' : inertName(v.by);
  if (!v.ok)
    return { ...base, status: 'fail', finding: `the last verification, at ${v.at} by ${by}, found damage` };
  const ageDays = Math.floor((s.now.getTime() - Date.parse(v.at)) / DAY_MS);
  if (ageDays >= AUDIT_VERIFY_MAX_AGE_DAYS) {
    return { ...base, status: 'warn', finding: `last verified ${ageDays} days ago (${v.at}, by ${by})` };
  }
  return { ...base, status: 'pass', finding: `verified intact at ${v.at} by ${by}` };
}

function advice(id: ChecklistItemId, title: string, finding: string): ChecklistItem {
  return { id, title, status: 'advice', finding, fix: `${CHECKLIST_GUIDE}#${id}`, keys: [] };
}

const ADVICE: readonly ChecklistItem[] = [
  advice(
    'revoke-when-compromised',
    'Revoke keys immediately if compromised',
    'the server cannot tell a leak from use: contain a suspect key at once (docs/incident-response.md)',
  ),
  advice(
    'never-commit-keys',
    'Never commit API keys to version control',
    'the server cannot see your repositories: run `taskgate scan` in CI and keep keys out of config files',
  ),
  advice(
    'store-keys-securely',
    'Store keys securely',
    'the server cannot see where a key is kept: use a password manager or an environment variable',
  ),
];

/** Each item with whether a member (who sees only their own keys) gets it. */
const ITEMS: readonly {
  readonly judge: (s: ChecklistSnapshot) => ChecklistItem;
  readonly member: boolean;
}[] = [
  { judge: separateKeys, member: true },
  { judge: oneMachinePerKey, member: true },
  { judge: descriptiveNames, member: true },
  { judge: rotation, member: true },
  { judge: confirmWrites, member: false },
  { judge: auditVerified, member: false },
  { judge: environmentsSeparated, member: true },
  { judge: idleFullScope, member: true },
];

export type ChecklistScope = 'workspace' | 'own';

export function evaluateChecklist(s: ChecklistSnapshot, scope: ChecklistScope): ChecklistItem[] {
  const judged = ITEMS.filter((i) => scope === 'workspace' || i.member).map((i) => i.judge(s));
  const monitor = advice(
    'monitor-usage',
    'Monitor usage for unusual patterns',
    scope === 'workspace'
      ? 'review the Activity and Usage pages; the items above flag keys shared between clients or machines'
      : 'review your keys’ activity; the items above flag keys shared between clients or machines',
  );
  return [...judged, ...ADVICE, monitor];
}
