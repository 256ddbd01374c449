/**
 * The production topology, for real (issue 18): a private PostgreSQL, three `taskgate serve`
 * processes and HAProxy from Debian's package health-checking `/readyz`, under load from the
 * official SDK client through the load balancer (reads, creates, token-confirmed updates,
 * deletes approved in the console over HTTP). The drill is scripts/lib/cluster-drill.mjs, the
 * one `node scripts/cluster.mjs --drill` runs; this test holds its report to the claims.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DrillReport, runDrill } from '../../scripts/lib/cluster-drill.mjs';
import { privatePostgresAvailable } from '../support/private-postgres.js';

function haproxyAvailable(): boolean {
  try {
    execFileSync('haproxy', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI) throw new Error('CI is set but haproxy is not installed: .ci/run installs it');
    return false;
  }
}

/** A request lost with an instance killed under it fails at the connection or as the proxy's 502/503. */
const CLEAN_FAILURE = /fetch failed|socket|ECONNRESET|terminated|other side closed|HTTP 50[23]|\b50[23]\b/i;

describe.skipIf(!privatePostgresAvailable() || !haproxyAvailable())('three instances behind HAProxy', () => {
  let report: DrillReport;
  beforeAll(async () => {
    report = await runDrill({ instances: 3 });
  }, 600_000);

  it('a rolling restart (SIGTERM each instance, start it again) fails no request', () => {
    expect(report.phases.rollingRestart.map((r) => [r.exit, r.signal])).toEqual([
      [0, null],
      [0, null],
      [0, null],
    ]);
    const during = report.outcomes['rolling-restart']!;
    expect(during.ok).toBeGreaterThan(0);
    expect(report.failures.filter((f) => f.phase !== 'kill-9')).toEqual([]);
    expect(report.outcomes.steady?.failed).toBe(0);
    expect(report.outcomes['after-kill']?.failed).toBe(0);
  });

  it('kill -9 of one instance: HAProxy takes it out and the calls it had in flight fail cleanly', () => {
    expect(report.phases.kill.markedDownAfterMs).toBeLessThan(10_000);
    for (const failure of report.failures) expect(failure.error).toMatch(CLEAN_FAILURE);
  });

  it('loses nothing acknowledged: every confirmed create, update and approved delete is in the database', () => {
    expect(report.acknowledged.creates).toBeGreaterThan(10);
    expect(report.acknowledged.updates).toBeGreaterThan(0);
    expect(report.acknowledged.deletes).toBeGreaterThan(0);
    expect(report.acknowledged.lost).toEqual([]);
  });

  it('orphans no audit event: each task with its event, one gapless chain per workspace, verify intact', () => {
    expect(report.audit.createEvents).toBe(report.audit.drillTasks);
    expect(report.audit.sequences.every((s) => s.gapless)).toBe(true);
    expect(report.chains.filter((c) => c.chain !== '*')).toHaveLength(report.workspaces);
    expect(report.verify).toMatchObject({ ok: true, problems: [] });
  });

  it('a key revoked in the console of one instance is refused by every instance on its next call', () => {
    expect(report.revocation.before).toEqual([200, 200, 200]);
    expect(report.revocation.revokeStatus).toBe(200);
    expect(report.revocation.after).toEqual([401, 401, 401]);
  });

  it('a rate limit and a write budget hold across instances: spread over three, still counted once', () => {
    expect(report.rateLimit.counts).toEqual({
      ok: report.rateLimit.quota,
      '429': report.rateLimit.fired - report.rateLimit.quota,
    });
    expect(report.budget.counts.ok).toBe(report.budget.budget);
    expect(report.budget.createEvents).toBe(report.budget.budget);
  });

  it('scheduled jobs run once: each notice is delivered to the webhook once, whichever instance ran the job', () => {
    expect(report.webhooks.kinds).toContain('key_suspended');
    expect(report.webhooks.delivered).toBe(report.webhooks.queued);
    expect(report.webhooks.received).toBe(report.webhooks.delivered);
    expect(report.webhooks.distinctReceived).toBe(report.webhooks.received);
  });
});
