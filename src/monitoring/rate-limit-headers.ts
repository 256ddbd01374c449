/**
 * The wire form of a limit (draft-ietf-httpapi-ratelimit-headers, structured fields):
 * `RateLimit-Policy: "mcp.key.read";q=600;w=60` says what the limit is,
 * `RateLimit: "mcp.key.read";r=0;t=12` how much is left and when the window resets, and
 * `Retry-After` (RFC 9110) when a refused client may try again.
 */

/** One limit as it stands for one subject after this request. */
export interface LimitVerdict {
  /** Which limit, e.g. `mcp.key.read`. */
  readonly name: string;
  /** Requests allowed per window. */
  readonly quota: number;
  readonly windowSeconds: number;
  readonly remaining: number;
  /** Seconds until the window resets (at least 1). */
  readonly resetSeconds: number;
  readonly refused: boolean;
}

export function rateLimitHeaders(verdict: LimitVerdict): Record<string, string> {
  const name = JSON.stringify(verdict.name);
  return {
    'RateLimit-Policy': `${name};q=${verdict.quota};w=${verdict.windowSeconds}`,
    RateLimit: `${name};r=${verdict.remaining};t=${verdict.resetSeconds}`,
    ...(verdict.refused && { 'Retry-After': String(verdict.resetSeconds) }),
  };
}

/** The limit closest to refusing (a refused one first): the one a client should watch. */
export function tightest(verdicts: readonly LimitVerdict[]): LimitVerdict | undefined {
  let best: LimitVerdict | undefined;
  for (const v of verdicts) {
    if (!best || (v.refused && !best.refused)) best = v;
    else if (v.refused === best.refused && v.remaining / v.quota < best.remaining / best.quota) best = v;
  }
  return best;
}

/** A sentence for a person or a model: which limit, how much, when to retry. */
export function describeRefusal(verdict: LimitVerdict, subject: string): string {
  return `rate limit ${verdict.name} exceeded: at most ${verdict.quota} requests per ${verdict.windowSeconds} s ${subject}; retry after ${verdict.resetSeconds} s`;
}
