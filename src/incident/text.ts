/**
 * The human forms of the incident commands: the report as Markdown (to paste into a ticket
 * or a post-mortem), the revert plan or result, and what containment did. Pure.
 */

import { describeClient, escapeUnsafe, quoteJson } from '../domain/index.js';
import type { Workspace } from '../model/index.js';
import type { ContainedKey, ContainResult } from './contain.js';
import type { IncidentReport } from './report.js';
import type { RevertRun, RevertStep } from './revert.js';

/**
 * A value as it reads in a table cell: JSON, with pipes escaped and line breaks, other
 * control characters and bidi controls as JSON escapes, so no value can break the row.
 */
function cell(value: unknown): string {
  const text = typeof value === 'string' ? value : quoteJson(value ?? null);
  return escapeUnsafe(text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|'));
}

const show = (value: unknown) => quoteJson(value ?? null);

function table(head: readonly string[], rows: readonly (readonly unknown[])[]): string[] {
  if (rows.length === 0) return ['(none)'];
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

function keyState(k: IncidentReport['keys'][number]): string {
  if (k.revokedAt) return `revoked ${k.revokedAt}`;
  if (k.replacedAt) return `rotated ${k.replacedAt}`;
  return `expires ${k.expiresAt}${k.dryRunOnly ? ', dry-run only' : ''}`;
}

const VERB: Record<string, string> = {
  create: 'created',
  update: 'updated',
  delete: 'trashed',
  restore: 'restored',
};

function changeLines(c: IncidentReport['changes'][number]): string[] {
  const by = `${c.tool ?? c.action}${c.approvedBy ? `, approved by ${c.approvedBy}` : ''}`;
  const lines = [
    ``,
    `### ${c.ref} (${c.kind}) ${VERB[c.op] ?? c.op} at ${c.at}`,
    ``,
    `by ${by} · event ${c.eventId}${c.id ? ` · ${c.id}` : ''}`,
    '',
  ];
  if (c.op === 'create') {
    const after = Object.entries(c.after ?? {}).filter(([name]) => name !== 'key');
    return [
      ...lines,
      ...table(
        ['field', 'value'],
        after.map(([name, value]) => [name, show(value)]),
      ),
    ];
  }
  const fields = Object.entries(c.fields).map(([name, d]) => [name, show(d.before), show(d.after)]);
  return [...lines, ...table(['field', 'before', 'after'], fields)];
}

export function reportMarkdown(r: IncidentReport): string {
  const outcomes = ['ok', 'denied', 'error', 'dry_run', 'pending'] as const;
  return [
    `# Incident report: key \`${r.keyName}\` in \`${r.workspace.slug}\` (${r.workspace.environment})`,
    '',
    `Generated ${r.generatedAt}; ${r.since ? `events since ${r.since}` : 'the whole audit log'}.`,
    '',
    `> ${r.note}`,
    '',
    '## Keys',
    '',
    ...table(
      ['id', 'key', 'acts for', 'created', 'state'],
      r.keys.map((k) => [
        k.id,
        k.display,
        k.member ? `${k.member.email} (${k.member.role})` : '?',
        k.createdAt,
        keyState(k),
      ]),
    ),
    '',
    '## Use',
    '',
    r.activity.events
      ? `${r.activity.events} audit events from ${r.activity.firstAt} to ${r.activity.lastAt}.`
      : 'No audit events in this period.',
    '',
    '### Addresses',
    '',
    ...table(
      ['IP', 'first use', 'last use', 'events'],
      r.addresses.map((a) => [a.ip, a.firstAt, a.lastAt, a.events]),
    ),
    '',
    '### Clients',
    '',
    ...table(
      ['client', 'user agents', 'first use', 'last use', 'events'],
      r.clients.map((c) => [
        describeClient(c.name, c.version) ?? '(unnamed)',
        c.userAgents.join('; ') || '-',
        c.firstAt,
        c.lastAt,
        c.events,
      ]),
    ),
    '',
    '## Calls per tool',
    '',
    ...table(
      ['tool', 'calls', ...outcomes],
      r.calls.map((c) => [c.tool, c.total, ...outcomes.map((o) => c.outcomes[o] ?? 0)]),
    ),
    '',
    '## Denials',
    '',
    ...table(
      ['time', 'action', 'tool', 'error', 'IP', 'reason'],
      r.denials.map((d) => [d.at, d.action, d.tool ?? '-', d.errorCode ?? '-', d.ip ?? '-', d.reason ?? '-']),
    ),
    '',
    '## Security events',
    '',
    ...table(
      ['time', 'action', 'tool', 'outcome'],
      r.security.map((s) => [s.at, s.action, s.tool ?? '-', s.outcome]),
    ),
    '',
    `## Objects changed (${r.changes.length})`,
    ...(r.changes.length ? r.changes.flatMap(changeLines) : ['', '(none)']),
    '',
    '## Already reverted',
    '',
    ...table(
      ['time', 'object', 'revert', 'undid event', 'revert event'],
      r.reverted.map((v) => [v.at, v.ref, v.revert, v.undoes, v.eventId]),
    ),
  ].join('\n');
}

const ACTION_TEXT: Record<string, string> = {
  trash: 'move to the trash',
  archive: 'archive',
  restore_fields: 'restore',
  restore_from_trash: 'restore from the trash',
  trash_again: 'move to the trash again',
  manual: 'left for a human',
};

function stepLines(s: RevertStep): string[] {
  const fields = Object.keys(s.fields);
  const what = `${ACTION_TEXT[s.action]}${fields.length ? ` ${fields.join(', ')}` : ''}`;
  const head = `${s.status.padEnd(16)} ${`${s.ref} (${s.kind})`.padEnd(24)} ${what} — undoes the ${s.op} by ${s.tool ?? 'a write'} at ${s.at} (${s.eventId})`;
  return [
    head,
    ...Object.entries(s.fields).map(
      ([name, f]) => `${' '.repeat(19)}${name}: ${JSON.stringify(f.now)} -> ${JSON.stringify(f.restore)}`,
    ),
    ...(s.reason ? [`${' '.repeat(19)}${s.reason}`] : []),
  ];
}

export function revertText(run: RevertRun): string {
  const c = run.counts;
  const title = run.dryRun
    ? `Revert plan for key ${run.keyName} in ${run.workspace.slug} (dry run: nothing was changed), newest first:`
    : `Reverted the changes of key ${run.keyName} in ${run.workspace.slug}, newest first:`;
  const summary = run.dryRun
    ? `${c.planned} step(s) would be applied, ${c.conflict} conflict(s) would be skipped, ${c.manual} need a human, ${c.already_reverted} already reverted. Run again with --yes to apply.`
    : `${c.applied} applied, ${c.conflict} conflict(s) skipped (never overwritten), ${c.failed} failed, ${c.manual} need a human, ${c.already_reverted} already reverted.`;
  const steps = run.steps.length
    ? run.steps.flatMap(stepLines)
    : ['(the key changed nothing in this period)'];
  return [title, '', ...steps, '', summary].join('\n');
}

const keyLine = (k: ContainedKey) => `${k.name} ${k.display} (${k.id})`;

export function containText(workspace: Workspace, r: ContainResult): string {
  const list = (label: string, items: readonly string[]) =>
    items.length ? [label, ...items.map((i) => `  ${i}`)] : [];
  return [
    `Contained key ${r.keyName} in ${workspace.slug} (acting for ${r.members.map((m) => m.email).join(', ')}):`,
    ...list('Revoked (its next request gets 401):', r.revoked.map(keyLine)),
    ...list('Already revoked:', r.alreadyRevoked.map(keyLine)),
    ...list(
      "The member's other keys, now dry-run-only and flagged (they read; their writes only preview):",
      r.restricted.map(keyLine),
    ),
    ...list("The member's other keys that were dry-run-only already:", r.alreadyRestricted.map(keyLine)),
    ...list(
      'Cancelled pending confirmations:',
      r.cancelledActions.map((a) => `${a.id} (${a.tool})`),
    ),
    ...(r.restricted.length + r.alreadyRestricted.length
      ? [
          'To give those clients their writes back after the review, create fresh keys for them (taskgate keys create) and revoke the restricted ones.',
        ]
      : []),
    `Next: taskgate incident revert --workspace ${workspace.slug} --key ${r.keyName} (plans first; --yes applies).`,
  ].join('\n');
}
