/**
 * The rules themselves, as one pure function: a credential's baseline and one call in, the
 * next baseline and what the call set off out. Kept pure so that the watcher does one read
 * and one write per call under the credential's lock, and so that each rule fires once per
 * event: a window's count fires when it reaches the threshold, not at every call above it.
 */
import { z } from 'zod';
import type { AnomalyRules, RuleName } from './anomaly-rules.js';

/** One call as the rules see it, after its audit event was written. */
export interface CallObservation {
  readonly workspaceId: string;
  readonly environment: string;
  readonly memberId: string;
  readonly credential: {
    readonly id: string;
    readonly name: string;
    readonly oauthClient: { readonly id: string; readonly name: string } | null;
    /** Rotated out (acting during its grace) when set. */
    readonly replacedAt: string | null;
    readonly graceUntil: string | null;
  };
  readonly ip: string | null;
  readonly clientName: string | null;
  readonly tool: string;
  /** The call's audit outcome (`ok`, `denied`, `error`, `dry_run`, `pending`…). */
  readonly outcome: string;
  readonly errorCode: string | null;
  /** Objects this call deleted, or changed through a bulk tool. */
  readonly destructive: number;
  /** The call's audit event: the alert's evidence. */
  readonly eventId: string | null;
}

const HOUR = 3_600_000;
const MAX_REMEMBERED = 50;

const window = z.object({ start: z.number().default(0), count: z.number().default(0) }).prefault({});

/** The stored state; a field missing from an older row takes its default. */
export const baselineSchema = z.object({
  calls: z.number().default(0),
  networks: z.array(z.string()).default([]),
  clients: z.array(z.string()).default([]),
  lastNetwork: z.string().nullable().default(null),
  lastClient: z.string().nullable().default(null),
  lastSeenAt: z.number().nullable().default(null),
  concurrentAlertAt: z.number().nullable().default(null),
  hour: z.number().default(0),
  hourCount: z.number().default(0),
  ewma: z.number().default(0),
  hoursObserved: z.number().default(0),
  burstAlertedHour: z.number().nullable().default(null),
  destructive: window,
  probing: window,
  graceAlerted: z.boolean().default(false),
  /** Evidence of the windows so far (event ids), so an alert points at the calls that made it. */
  destructiveEvents: z.array(z.string()).default([]),
  probingEvents: z.array(z.string()).default([]),
});

export type Baseline = z.infer<typeof baselineSchema>;

export function readBaseline(text: string | undefined): Baseline {
  try {
    const parsed = baselineSchema.safeParse(text === undefined ? {} : JSON.parse(text));
    if (parsed.success) return parsed.data;
  } catch {
    // An unreadable row starts over: the rules re-learn the key rather than fail its calls.
  }
  return baselineSchema.parse({});
}

export interface Finding {
  readonly rule: RuleName;
  readonly summary: string;
  readonly evidence: readonly string[];
}

/** The network an address belongs to: its /24 (IPv4) or /64 (IPv6). */
export function networkOf(ip: string): string {
  const v4 = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(v4)) return `${v4.split('.').slice(0, 3).join('.')}.0/24`;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

const remember = (list: readonly string[], item: string) =>
  list.includes(item) ? [...list] : [...list, item].slice(-MAX_REMEMBERED);

const minutes = (n: number) => n * 60_000;

/** Counts a windowed event; returns the new window and whether it just reached the threshold. */
function tally(
  w: { start: number; count: number },
  now: number,
  windowMinutes: number,
  add: number,
  threshold: number,
) {
  const fresh = now - w.start >= minutes(windowMinutes);
  const before = fresh ? 0 : w.count;
  const next = { start: fresh ? now : w.start, count: before + add };
  return { next, fresh, reached: before < threshold && next.count >= threshold };
}

/** Folds finished hours into the EWMA (alpha 0.3: about the last 6 hours weigh most). */
function rollHour(b: Baseline, hour: number): Baseline {
  if (b.calls === 0) return { ...b, hour, hourCount: 0 };
  if (hour <= b.hour) return b;
  const alpha = 0.3;
  let ewma = b.hoursObserved === 0 ? b.hourCount : alpha * b.hourCount + (1 - alpha) * b.ewma;
  const idleHours = Math.min(hour - b.hour - 1, 48);
  ewma *= (1 - alpha) ** idleHours;
  return { ...b, ewma, hour, hourCount: 0, hoursObserved: b.hoursObserved + 1 + idleHours };
}

export function evaluate(
  previous: Baseline,
  call: CallObservation,
  rules: AnomalyRules,
  now: number,
): { baseline: Baseline; findings: Finding[] } {
  const findings: Finding[] = [];
  const on = (rule: RuleName) => rules[rule].enabled;
  const ev = call.eventId ? [call.eventId] : [];
  const who = `${call.credential.oauthClient ? 'connection' : 'key'} ${call.credential.name}`;
  let b = rollHour(previous, Math.floor(now / HOUR));
  const network = call.ip ? networkOf(call.ip) : null;
  const client = call.clientName;

  if (on('idleReuse') && b.lastSeenAt !== null && now - b.lastSeenAt >= rules.idleReuse.days * 86_400_000) {
    const days = Math.floor((now - b.lastSeenAt) / 86_400_000);
    findings.push({
      rule: 'idleReuse',
      summary: `${who} was used again after ${days} days without a call`,
      evidence: ev,
    });
  }
  if (network && !b.networks.includes(network)) {
    if (on('newNetwork') && b.networks.length > 0 && b.calls >= rules.newNetwork.stableAfterCalls)
      findings.push({
        rule: 'newNetwork',
        summary: `${who} was used from a new network ${network} (${call.ip}); it was used from ${b.networks.join(', ')}`,
        evidence: ev,
      });
    b = { ...b, networks: remember(b.networks, network) };
  }
  if (client && !b.clients.includes(client)) {
    if (on('newClient') && b.clients.length > 0 && b.calls >= rules.newClient.stableAfterCalls)
      findings.push({
        rule: 'newClient',
        summary: `${who} was used by a new client "${client}"; it was used by ${b.clients.map((c) => `"${c}"`).join(', ')}`,
        evidence: ev,
      });
    b = { ...b, clients: remember(b.clients, client) };
  }
  const windowMs = minutes(rules.concurrentUse.windowMinutes);
  const switched =
    (network !== null && b.lastNetwork !== null && network !== b.lastNetwork) ||
    (client !== null && b.lastClient !== null && client !== b.lastClient);
  if (
    on('concurrentUse') &&
    switched &&
    b.lastSeenAt !== null &&
    now - b.lastSeenAt <= windowMs &&
    (b.concurrentAlertAt === null || now - b.concurrentAlertAt > windowMs)
  ) {
    findings.push({
      rule: 'concurrentUse',
      summary: `${who} was used from ${b.lastNetwork ?? '?'} ("${b.lastClient ?? '?'}") and ${network ?? '?'} ("${client ?? '?'}") within ${rules.concurrentUse.windowMinutes} minutes`,
      evidence: ev,
    });
    b = { ...b, concurrentAlertAt: now };
  }
  b = { ...b, hourCount: b.hourCount + 1 };
  const burst = rules.callBurst;
  if (
    on('callBurst') &&
    b.hoursObserved > 0 &&
    b.burstAlertedHour !== b.hour &&
    b.hourCount >= Math.max(burst.minCalls, burst.factor * b.ewma)
  ) {
    findings.push({
      rule: 'callBurst',
      summary: `${who} made ${b.hourCount} calls this hour; its usual rate is about ${Math.round(b.ewma)} an hour`,
      evidence: ev,
    });
    b = { ...b, burstAlertedHour: b.hour };
  }
  if (call.destructive > 0) {
    const t = tally(
      b.destructive,
      now,
      rules.destructiveBurst.windowMinutes,
      call.destructive,
      rules.destructiveBurst.threshold,
    );
    const events = [...(t.fresh ? [] : b.destructiveEvents), ...ev].slice(-20);
    if (on('destructiveBurst') && t.reached)
      findings.push({
        rule: 'destructiveBurst',
        summary: `${who} deleted or bulk-changed ${t.next.count} objects within ${rules.destructiveBurst.windowMinutes} minutes`,
        evidence: events,
      });
    b = { ...b, destructive: t.next, destructiveEvents: events };
  }
  if (call.outcome === 'denied' || call.errorCode === 'not_found') {
    const t = tally(b.probing, now, rules.probing.windowMinutes, 1, rules.probing.threshold);
    const events = [...(t.fresh ? [] : b.probingEvents), ...ev].slice(-20);
    if (on('probing') && t.reached)
      findings.push({
        rule: 'probing',
        summary: `${who} was refused or answered not_found ${t.next.count} times within ${rules.probing.windowMinutes} minutes`,
        evidence: events,
      });
    b = { ...b, probing: t.next, probingEvents: events };
  }
  if (call.credential.replacedAt !== null && !b.graceAlerted) {
    if (on('rotatedInGrace'))
      findings.push({
        rule: 'rotatedInGrace',
        summary: `${who} was rotated out at ${call.credential.replacedAt} but is still used (its grace ends ${call.credential.graceUntil ?? 'now'}): update the client that sent this call`,
        evidence: ev,
      });
    b = { ...b, graceAlerted: true };
  }
  b = {
    ...b,
    calls: b.calls + 1,
    lastNetwork: network ?? b.lastNetwork,
    lastClient: client ?? b.lastClient,
    lastSeenAt: now,
  };
  return { baseline: b, findings };
}
