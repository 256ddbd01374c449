import { describe, expect, it } from 'vitest';
import { createHeadHints } from './audit-known-head.js';

describe('createHeadHints', () => {
  it('keeps the highest seq a commit reported, whatever order the commits report in', () => {
    const hints = createHeadHints(() => 0);
    hints.committed({ chain: 'w', seq: 7, hash: 'h7' });
    hints.committed({ chain: 'w', seq: 5, hash: 'h5' });
    expect(hints.known('w')).toEqual({ seq: 7, hash: 'h7' });
    hints.committed({ chain: 'w', seq: 8, hash: 'h8' });
    expect(hints.known('w')).toEqual({ seq: 8, hash: 'h8' });
    expect(hints.known('other')).toBeUndefined();
  });

  it('after a miss knows nothing of that chain for a second, then learns again', () => {
    let now = 1_000;
    const hints = createHeadHints(() => now);
    hints.committed({ chain: 'w', seq: 3, hash: 'h3' });
    hints.committed({ chain: 'v', seq: 1, hash: 'h1' });
    hints.missed('w');
    // A lower seq than the forgotten one is learnt: the locked path read it as the head.
    hints.committed({ chain: 'w', seq: 2, hash: 'h2' });
    expect(hints.known('w')).toBeUndefined();
    expect(hints.known('v')).toEqual({ seq: 1, hash: 'h1' });
    now += 999;
    expect(hints.known('w')).toBeUndefined();
    now += 1;
    expect(hints.known('w')).toEqual({ seq: 2, hash: 'h2' });
  });

  it('holds a bounded number of chains', () => {
    const hints = createHeadHints(() => 0, 3);
    for (let i = 0; i < 4; i++) hints.committed({ chain: `c${i}`, seq: 1, hash: 'h' });
    const known = [0, 1, 2, 3].filter((i) => hints.known(`c${i}`) !== undefined);
    expect(known.length).toBeLessThanOrEqual(3);
    expect(hints.known('c3')).toEqual({ seq: 1, hash: 'h' });
  });
});
