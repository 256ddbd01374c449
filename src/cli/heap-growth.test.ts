import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heapGrowthFlag } from './heap-growth.js';

describe('heapGrowthFlag', () => {
  it('sets twice the survivors when the operator chose nothing', () => {
    expect(heapGrowthFlag([])).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapGrowthFlag(['--enable-source-maps', '--max-old-space-size=512'])).toBe(
      '--heap-growing-percent=100',
    );
  });

  it("leaves the operator's own choice alone, in either spelling", () => {
    expect(heapGrowthFlag(['--heap-growing-percent=30'])).toBeUndefined();
    expect(heapGrowthFlag(['--enable-source-maps', '--heap_growing_percent=300'])).toBeUndefined();
    expect(heapGrowthFlag(['--heap-growing_percent', '50'])).toBeUndefined();
  });

  it('is not fooled by a flag that only starts the same way or names it in a value', () => {
    expect(heapGrowthFlag(['--heap-growing-percentage=1'])).toBe('--heap-growing-percent=100');
    expect(heapGrowthFlag(['--title=--heap-growing-percent=1'])).toBe('--heap-growing-percent=100');
  });
});
