/**
 * SECURITY: the cap on the work one POST /mcp may ask for. A 2025-03-26 JSON-RPC batch puts
 * up to 100 calls in one request: 10 KB of `list_tasks` with `limit: 100` came back as
 * 2.5 MB. Nothing of a batch longer than `mcpMaxMessagesPerRequest` runs; the refusal names
 * the limit and the setting that raises it, so an operator and a client both know what to do.
 */
import { SETTINGS } from '../config/index.js';

export interface BatchRefusal {
  readonly messages: number;
  readonly max: number;
}

/** A refusal when `body` is a batch of more than `max` messages; a single message always fits. */
export function batchRefusal(body: unknown, max: number): BatchRefusal | undefined {
  return Array.isArray(body) && body.length > max ? { messages: body.length, max } : undefined;
}

const SETTING = 'mcpMaxMessagesPerRequest';
const ENV = SETTINGS[SETTING].env;

/** What the audit record keeps of the refusal (beside the methods and tools it sampled). */
export const batchRefusalDetail = (refusal: BatchRefusal) => ({
  reason: 'too_many_messages',
  messages: refusal.messages,
  max: refusal.max,
  setting: ENV,
});

/**
 * -32600 Invalid Request with id null and HTTP 400, as the SDK answers a batch over its own
 * hard cap of 100: the batch is refused whole, so no message gets an answer of its own.
 */
export const batchTooLarge = (refusal: BatchRefusal) =>
  Response.json(
    {
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32600,
        message: `Invalid Request: this request carries ${refusal.messages} JSON-RPC messages; one request may carry at most ${refusal.max} (limit ${SETTING}, setting ${ENV}). Nothing was run: send them in several requests.`,
        data: {
          code: 'invalid_input',
          limit: SETTING,
          setting: ENV,
          max: refusal.max,
          received: refusal.messages,
        },
      },
    },
    { status: 400 },
  );
