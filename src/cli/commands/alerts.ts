/**
 * `taskgate alerts list|show|ack|resolve` and `taskgate alerts rules [show]|set`: what the
 * anomaly rules raised, and their tuning. `--as <email>` acts as that member (an owner or
 * admin), named in the audit log; without it the command acts as the database's operator.
 */
import type { Command } from 'commander';
import type { App } from '../../app.js';
import { invalidInput } from '../../core/index.js';
import { type AlertRecord, ANOMALY_RULES, RULE_NAMES, type RuleName } from '../../monitoring/index.js';

import { configFor, withApp } from '../context.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';

interface Options extends CommonOptions {
  readonly workspace: string;
  readonly as?: string;
  readonly all?: boolean;
}

const line = (a: AlertRecord) =>
  `${a.id}  ${a.createdAt}  ${a.severity.padEnd(8)} ${a.rule.padEnd(18)} ${a.resolvedAt ? 'resolved' : a.acknowledgedAt ? 'acknowledged' : 'open'}  ${a.summary}`;

const detail = (a: AlertRecord) =>
  [
    line(a),
    `  action taken: ${a.action}`,
    `  credential:   ${a.credentialId ?? '-'}`,
    `  evidence:     ${a.evidence.join(', ') || '-'} (taskgate audit show <id>)`,
    a.credentialId ? `  next: taskgate keys lift|rotate|revoke <key>, taskgate incident contain <key>` : '',
  ]
    .filter(Boolean)
    .join('\n');

/** `rule.field=value` pairs; values are JSON where they parse (numbers, booleans), else text. */
function parseAssignments(pairs: readonly string[]): Partial<Record<RuleName, Record<string, unknown>>> {
  const patch: Partial<Record<RuleName, Record<string, unknown>>> = {};
  for (const pair of pairs) {
    const match = /^(\w+)\.(\w+)=(.*)$/.exec(pair);
    if (!match || !RULE_NAMES.includes(match[1] as RuleName))
      throw invalidInput([
        { field: pair, message: `expected <rule>.<field>=<value>, rule one of ${RULE_NAMES.join(', ')}` },
      ]);
    const [, rule, field, raw] = match as unknown as [string, RuleName, string, string];
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    patch[rule] = { ...patch[rule], [field]: value };
  }
  return patch;
}

export function registerAlerts(program: Command, io: CliIo): void {
  const alerts = program.command('alerts').description('alerts raised by the anomaly rules, and the rules');
  const run = (
    options: Options,
    work: (app: App, memberId: string | null) => Promise<void>,
    access: 'read' | 'write',
  ) =>
    withApp(io, configFor(io, options, {}, access), async (app) =>
      work(
        app,
        options.as === undefined ? null : (await app.keys.actorFor(options.workspace, options.as)).memberId,
      ),
    );
  const common = (cmd: Command) =>
    cmd
      .requiredOption('--workspace <slug>', 'workspace slug')
      .option('--as <email>', 'act as this member (an owner or admin), named in the audit log');

  common(
    alerts.command('list').description('open alerts, newest first').option('--all', 'resolved ones too'),
  ).action((options: Options) =>
    run(
      options,
      async (app, by) => {
        const list = await app.monitoring.alerts.list(
          options.workspace,
          by,
          options.all ? {} : { open: true },
        );
        printResult(io, options, list, list.map(line).join('\n') || 'no open alerts');
      },
      'read',
    ),
  );
  common(
    alerts.command('show <id>').description('one alert: what happened, its evidence, what to do'),
  ).action((id: string, options: Options) =>
    run(
      options,
      async (app, by) => {
        const alert = await app.monitoring.alerts.show(options.workspace, id, by);
        printResult(io, options, alert, detail(alert));
      },
      'read',
    ),
  );
  for (const [name, verb] of [
    ['ack', 'acknowledge'],
    ['resolve', 'resolve'],
  ] as const) {
    common(alerts.command(`${name} <id>`).description(`${verb} an alert`)).action(
      (id: string, options: Options) =>
        run(
          options,
          async (app, by) => {
            const alert = await app.monitoring.alerts[verb](options.workspace, id, by);
            printResult(io, options, alert, detail(alert));
          },
          'write',
        ),
    );
  }
  const rules = alerts.command('rules').description('the anomaly rules: show, or set <rule>.<field>=<value>');
  common(
    rules.command('show', { isDefault: true }).description('each rule, its action and thresholds'),
  ).action((options: Options) =>
    run(
      options,
      async (app) => {
        const ws = await app.store.workspaces.findBySlug(options.workspace);
        if (!ws) throw invalidInput([{ field: 'workspace', message: `no workspace ${options.workspace}` }]);
        const value = await app.monitoring.settings.read(ws.id, ANOMALY_RULES);
        const text = RULE_NAMES.map((r) => `${r.padEnd(17)} ${JSON.stringify(value[r])}`).join('\n');
        printResult(io, options, value, text);
      },
      'read',
    ),
  );
  common(
    rules.command('set <assignments...>').description('e.g. probing.threshold=30 newNetwork.action=suspend'),
  ).action((pairs: string[], options: Options) =>
    run(
      options,
      async (app, by) => {
        const ws = await app.store.workspaces.findBySlug(options.workspace);
        if (!ws) throw invalidInput([{ field: 'workspace', message: `no workspace ${options.workspace}` }]);
        const current = await app.monitoring.settings.read(ws.id, ANOMALY_RULES);
        const patch = Object.fromEntries(
          Object.entries(parseAssignments(pairs)).map(([r, f]) => [r, { ...current[r as RuleName], ...f }]),
        );
        const value = await app.monitoring.settings.change(options.workspace, ANOMALY_RULES, patch, by);
        printResult(
          io,
          options,
          value,
          RULE_NAMES.map((r) => `${r.padEnd(17)} ${JSON.stringify(value[r])}`).join('\n'),
        );
      },
      'write',
    ),
  );
}
