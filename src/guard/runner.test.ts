import { describe, expect, it } from 'vitest';
import type { AuditDraft } from '../audit/index.js';
import { AppError, createManualClock } from '../core/index.js';
import { type Entry, type Flow, type RunnerDeps, runEntry } from './runner.js';

type State = Flow<string> & { readonly steps: readonly string[] };

function harness(options: { failAudit?: boolean } = {}) {
  const appended: AuditDraft[] = [];
  const deps: RunnerDeps = {
    audit: {
      append: async (draft) => {
        if (options.failAudit) throw new Error('disk full');
        appended.push(draft);
        return draft as never;
      },
    },
    clock: createManualClock(new Date('2026-01-01T00:00:00Z')),
    logger: { error: () => {} },
  };
  const entry = (...steps: Entry<State, RunnerDeps>['steps']): Entry<State, RunnerDeps> => ({
    steps,
    refusal: (state, error) => ({
      action: 'mcp.tool_called',
      tool: state.tool,
      outcome: 'denied',
      errorCode: error.code,
    }),
    failureLog: 'tool failed',
    auditUnavailable: 'audit log unavailable; nothing was returned',
  });
  const initial: State = { tool: 'demo', args: {}, started: 0, steps: [] };
  return { appended, deps, entry, initial };
}

const ran = (name: string) => async (s: State) => ({ ...s, steps: [...s.steps, name] });
const answer = async (s: State): Promise<State> => ({
  ...s,
  result: s.steps.join(','),
  event: { action: 'mcp.tool_called', tool: s.tool, outcome: 'ok' },
});
const refuse = async (): Promise<State> => {
  throw new AppError('forbidden', 'no');
};

describe('the pipeline runner', () => {
  it('a refused call still leaves exactly one audit event, and the steps after the refusal do not run', async () => {
    const { appended, deps, entry, initial } = harness();
    let later = false;
    const result = await runEntry(
      entry(ran('a'), refuse, async (s) => {
        later = true;
        return answer(s);
      }),
      initial,
      deps,
    );
    expect(later).toBe(false);
    expect(result.outcome.ok).toBe(false);
    expect(appended).toEqual([
      { action: 'mcp.tool_called', tool: 'demo', outcome: 'denied', errorCode: 'forbidden' },
    ]);
    expect(result.record).toEqual({ tool: 'demo', audit: 'written', databaseUnavailable: false });
  });

  it('an answered call leaves exactly one audit event, and the steps after the answer do not run', async () => {
    const { appended, deps, entry, initial } = harness();
    const result = await runEntry(entry(ran('a'), answer, refuse), initial, deps);
    expect(result.outcome).toEqual({ ok: true, value: 'a' });
    expect(appended).toHaveLength(1);
  });

  it('a call whose event a step already wrote is not recorded a second time when a later step fails', async () => {
    const { appended, deps, entry, initial } = harness();
    const result = await runEntry(
      entry(async (s) => ({ ...s, event: 'written' as const }), refuse),
      initial,
      deps,
    );
    expect(result.outcome.ok).toBe(false);
    expect(appended).toHaveLength(0);
    expect(result.record.audit).toBe('written');
  });

  it('a table that ends without an answer is refused as internal, and still recorded once', async () => {
    const { appended, deps, entry, initial } = harness();
    const result = await runEntry(entry(ran('a')), initial, deps);
    expect(!result.outcome.ok && result.outcome.error.code).toBe('internal');
    expect(appended).toHaveLength(1);
  });

  it('fails closed when the event cannot be written: no value leaves, and the record says so', async () => {
    const { deps, entry, initial } = harness({ failAudit: true });
    const result = await runEntry(entry(answer), initial, deps);
    expect(!result.outcome.ok && result.outcome.error.code).toBe('unavailable');
    expect(result.record.audit).toBe('failed');
  });
});
