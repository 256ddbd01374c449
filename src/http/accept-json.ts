/**
 * Content negotiation for POST /mcp. Every answer Taskgate sends there is JSON (tools never
 * stream), so the one question is whether the client's Accept lets JSON through
 * (RFC 9110 §12.5.1): no Accept at all, `*\/*`, `application/*` and `application/json` do,
 * unless the most specific range that matches JSON carries `q=0`.
 */

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

function parseRange(part: string): MediaRange | undefined {
  const [range = '', ...params] = part.split(';').map((s) => s.trim());
  const match = /^([!#$%&'*+.^_`|~\w-]+)\/([!#$%&'*+.^_`|~\w-]+)$/.exec(range.toLowerCase());
  if (!match) return undefined;
  let q = 1;
  for (const param of params) {
    const [name, value] = param.split('=').map((s) => s.trim());
    if (name?.toLowerCase() !== 'q') continue;
    // RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
    q = value !== undefined && /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) ? Number(value) : 0;
  }
  return { type: match[1]!, subtype: match[2]!, q };
}

/** How specifically a range names application/json: 2 exact, 1 `application/*`, 0 `*\/*`. */
function specificity(range: MediaRange): number | undefined {
  if (range.type === 'application' && range.subtype === 'json') return 2;
  if (range.type === 'application' && range.subtype === '*') return 1;
  if (range.type === '*' && range.subtype === '*') return 0;
  return undefined;
}

/**
 * Whether a JSON answer is acceptable. An absent or blank header accepts anything (a
 * request without Accept "implies that the user agent will accept any media type");
 * a header of only unparseable ranges names nothing we could honour, so it does not.
 */
export function acceptsJson(header: string | null): boolean {
  if (header === null || header.trim() === '') return true;
  let best: { specificity: number; q: number } | undefined;
  for (const part of header.split(',')) {
    const range = parseRange(part);
    if (!range) continue;
    const rank = specificity(range);
    if (rank === undefined) continue;
    if (!best || rank > best.specificity || (rank === best.specificity && range.q > best.q))
      best = { specificity: rank, q: range.q };
  }
  return best !== undefined && best.q > 0;
}

/** 406 as a JSON-RPC error (-32000, as the SDK's own transport answers it). */
export const notAcceptable = () =>
  Response.json(
    {
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32000,
        message:
          'Not Acceptable: this endpoint answers application/json; send an Accept header that allows it',
      },
    },
    { status: 406 },
  );
