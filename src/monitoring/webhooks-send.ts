/**
 * Sending one webhook: the body signed per the Standard Webhooks specification (headers
 * `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">`, signed with the npm `standardwebhooks` package), POSTed to the
 * address the URL check approved (connecting to exactly that address, so a DNS answer that
 * changes between check and connect cannot redirect it), no redirects followed, 10 s budget.
 * A 2xx answer is delivered; anything else is an error the caller retries.
 */
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { type UrlPolicy, vetWebhookUrl } from './webhooks-url.js';

export const WEBHOOK_TIMEOUT_MS = 10_000;

export interface SignedRequest {
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function signWebhook(secret: string, id: string, at: Date, body: string): SignedRequest {
  const signature = new Webhook(secret).sign(id, at, body);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signature,
    },
  };
}

export async function postWebhook(url: string, signed: SignedRequest, policy: UrlPolicy): Promise<void> {
  const target = await vetWebhookUrl(url, policy);
  const family = target.address.includes(':') ? 6 : 4;
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) callback(null, [{ address: target.address, family }]);
    else callback(null, target.address, family);
  };
  const options: RequestOptions = {
    method: 'POST',
    hostname: target.hostname,
    port: target.port,
    path: `${target.url.pathname}${target.url.search}`,
    headers: {
      ...signed.headers,
      'content-length': String(Buffer.byteLength(signed.body)),
      'user-agent': 'taskgate-webhooks',
    },
    lookup: pinned,
    timeout: WEBHOOK_TIMEOUT_MS,
  };
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  await new Promise<void>((resolve, reject) => {
    const req = send(options, (res) => {
      res.resume();
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new Error(`the endpoint answered HTTP ${status}`));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end(signed.body);
  });
}
