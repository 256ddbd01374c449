/**
 * The one error the safe fetcher throws. `reason` is a stable tag for tests and logs; the
 * message names the URL's origin and what was wrong, never any response body, because it
 * ends up in oidc-provider's error `cause` and in our logs.
 */

export type FetchRefusal =
  | 'invalid_url'
  | 'not_https'
  | 'method_not_allowed'
  | 'dns_failed'
  | 'blocked_address'
  | 'too_large'
  | 'timeout'
  | 'network'
  | 'bad_response';

export class FetchRefusedError extends Error {
  override readonly name = 'FetchRefusedError';
  readonly reason: FetchRefusal;

  constructor(reason: FetchRefusal, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
  }
}
