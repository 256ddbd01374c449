/**
 * `taskgate audit show <id>`: one event as the Activity page shows it — arguments, result,
 * the before/after diff, the client, its place in the hash chain (and whether that link
 * verifies) and the ids of what it concerns. Read only.
 */
import type { Command } from 'commander';
import type { ActivityDetail } from '../../audit/index.js';
import { escapeUnsafe, quoteJson } from '../../domain/index.js';
import { configFor, withApp } from '../context.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';
import { AS_FLAG, viewerOf } from './audit-viewer.js';

interface ShowOptions extends CommonOptions {
  readonly workspace?: string;
  readonly as?: string;
}

export function registerAuditShow(program: Command, io: CliIo): void {
  const audit =
    program.commands.find((c) => c.name() === 'audit') ??
    program.command('audit').description('the audit log: every MCP call and security action');
  audit
    .command('show <id>')
    .description('one audit event: arguments, result, diff, client and its place in the chain')
    .option('--workspace <slug>', 'workspace slug (optional when the database has only one)')
    .option(...AS_FLAG)
    .action((id: string, options: ShowOptions) =>
      withApp(io, configFor(io, options, {}, 'read'), async (app) => {
        const detail = await app.activity.event(await viewerOf(app, options), id, options.workspace);
        printResult(io, options, detail, detailText(detail));
      }),
    );
}

// SECURITY: every value is printed as one quoted JSON token, control and bidi characters escaped.
const shown = (value: unknown) => (value === null || value === undefined ? '-' : quoteJson(value));

function detailText(d: ActivityDetail): string {
  const e = d.event;
  const lines = [
    `${e.id}  ${e.occurredAt}  ${e.action}${e.tool ? ` ${e.tool}` : ''}  ${e.outcome}${e.errorCode ? ` (${e.errorCode})` : ''}`,
    `member     ${d.member ? d.member.email : shown(e.memberId)}`,
    `key        ${shown(e.credentialName)} ${shown(e.credentialId)}`,
    `client     ${d.client.description ? escapeUnsafe(d.client.description) : '-'}  ip ${shown(d.client.ip)}  agent ${shown(d.client.userAgent)}`,
    `arguments  ${shown(d.arguments)}`,
    `result     ${shown(d.result)}`,
  ];
  if (e.reason) lines.push(`reason     ${shown(e.reason)}`);
  for (const change of d.changes) {
    lines.push(
      `change     ${change.op} ${change.kind} ${escapeUnsafe(change.ref)}${change.id ? ` (${change.id})` : ''}`,
    );
    for (const f of change.fields)
      lines.push(`             ${escapeUnsafe(f.field)}: ${shown(f.before)} -> ${shown(f.after)}`);
  }
  const c = d.chain;
  lines.push(
    `chain      ${c.chain === '*' ? '(no workspace)' : c.chain} seq ${c.seq ?? '-'}  ${c.linkVerifies ? 'link verifies' : `LINK DOES NOT VERIFY: ${c.problem}`}`,
    `           hash ${c.hash ?? '-'}`,
    `           prev ${c.prevHash ?? '-'}`,
    `           ${c.checkpoint ? `${c.checkpoint.covers ? 'signed by' : 'not yet signed; last'} checkpoint seq ${c.checkpoint.seq} at ${c.checkpoint.at} (key ${c.checkpoint.keyId})` : 'no signed checkpoint yet'}`,
  );
  const l = d.links;
  const links = [
    ...l.tasks.map((t) => `task ${t}`),
    ...l.projects.map((p) => `project ${p}`),
    ...(l.key ? [`key ${l.key}`] : []),
    ...(l.action ? [`action ${l.action}`] : []),
    ...(l.request ? [`request ${l.request}`] : []),
  ];
  if (links.length) lines.push(`links      ${links.join(', ')}`);
  return lines.join('\n');
}
