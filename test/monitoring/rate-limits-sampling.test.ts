/**
 * The refusal bookkeeping of the limiter on its own (memory counters, a one-second window):
 * the metrics hear of every refusal, the audit log of one per limit, subject and window, and
 * the next window's event counts the refusals that were left out.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/index.js';
import {
  createRateLimits,
  type MonitoringSettings,
  RATE_LIMIT_EXCEEDED_ACTION,
  RATE_LIMITS_SECTION,
} from '../../src/monitoring/index.js';

const subject = {
  workspaceId: 'ws_1',
  memberId: 'mem_1',
  credentialId: 'key_1',
  credentialName: 'cursor-laptop',
  environment: 'development',
  ip: '192.0.2.7',
};

function limiter() {
  const events: Record<string, unknown>[] = [];
  const refused: string[] = [];
  const clock = createManualClock(new Date('2026-12-01T00:00:00Z'));
  const limits = RATE_LIMITS_SECTION.schema.parse({ keyReadsPerMinute: 3 });
  const settings = { read: async () => limits } as unknown as MonitoringSettings;
  const rateLimits = createRateLimits({
    backend: { kind: 'memory' },
    settings,
    audit: {
      append: async (draft) => {
        events.push(draft as Record<string, unknown>);
        return draft as never;
      },
    },
    signals: { rateLimited: (limit) => refused.push(limit), alertRaised: () => {} },
    clock,
    logger: { error: () => {} },
    addressLimits: { failedAuthPerMinute: 2, oauthPerMinute: 2, loginPerMinute: 2 },
    windowSeconds: 1,
  });
  return { rateLimits, events, refused, clock };
}

describe('rate-limit refusals', () => {
  it('signals every refusal and records one event per window, counting the suppressed in the next', async () => {
    const { rateLimits, events, refused, clock } = limiter();
    const checks = await Promise.all(
      Array.from({ length: 50 }, () => rateLimits.checkCall(subject, { reads: 1, writes: 0 })),
    );
    expect(checks.filter((c) => c.refused)).toHaveLength(47);
    expect(refused).toHaveLength(47);
    expect(new Set(refused)).toEqual(new Set(['mcp.key.read']));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: RATE_LIMIT_EXCEEDED_ACTION, credentialId: 'key_1' });
    expect(events[0]!.detail).toMatchObject({ limit: 'mcp.key.read', quota: 3, suppressed: 0 });

    // The next window: the counters start over (real time), the sample too (the clock).
    await sleep(1100);
    clock.advance(1100);
    for (let i = 0; i < 4; i += 1) await rateLimits.checkCall(subject, { reads: 1, writes: 0 });
    expect(events).toHaveLength(2);
    expect(events[1]!.detail).toMatchObject({ suppressed: 46 });
    await rateLimits.close();
  });

  it('blocks an address after its failed authentications without counting the check itself', async () => {
    const { rateLimits, refused } = limiter();
    expect(await rateLimits.isBlocked('auth.failed.ip', '192.0.2.9')).toBeUndefined();
    expect(await rateLimits.hitAddress('auth.failed.ip', '192.0.2.9')).toBeUndefined();
    expect(await rateLimits.isBlocked('auth.failed.ip', '192.0.2.9')).toBeUndefined();
    expect(await rateLimits.hitAddress('auth.failed.ip', '192.0.2.9')).toBeUndefined();
    const blocked = await rateLimits.isBlocked('auth.failed.ip', '192.0.2.9');
    expect(blocked).toMatchObject({ name: 'auth.failed.ip', quota: 2, remaining: 0, refused: true });
    expect(await rateLimits.isBlocked('auth.failed.ip', '192.0.2.10')).toBeUndefined();
    expect(refused).toEqual(['auth.failed.ip']);
    await rateLimits.close();
  });
});
