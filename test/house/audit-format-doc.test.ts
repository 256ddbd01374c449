/**
 * docs/audit-format.md carries test vectors for the hash chain; they must be what the code
 * computes, or a second implementation built from the page would disagree with ours.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ChainedRow, eventHash, GENESIS_HASH } from '../../src/chain/index.js';
import { canonicalJson } from '../../src/core/index.js';

const doc = readFileSync(new URL('../../docs/audit-format.md', import.meta.url), 'utf8');
const vectors = [...doc.matchAll(/<!-- vector -->\n```json\n([\s\S]+?)\n```\n\nhash: `([0-9a-f]{64})`/g)].map(
  (m) => ({
    row: JSON.parse(m[1]!) as Omit<ChainedRow, 'hash'>,
    hash: m[2]!,
  }),
);

describe('docs/audit-format.md test vectors', () => {
  it('hold two chained vectors whose hashes the code recomputes', () => {
    expect(vectors).toHaveLength(2);
    expect(vectors[0]!.row.prev_hash).toBe(GENESIS_HASH);
    expect(vectors[1]!.row.prev_hash).toBe(vectors[0]!.hash);
    for (const { row, hash } of vectors) expect(eventHash(row)).toBe(hash);
  });

  it('show the canonical JSON of the first vector byte for byte', () => {
    expect(doc).toContain(`\`\`\`\n${canonicalJson(vectors[0]!.row)}\n\`\`\``);
  });
});
