import { describe, expect, it } from 'vitest';
import { createManualClock } from './clock.js';
import { createIdGenerator, isId } from './ids.js';
import { createSeededRandom, cryptoRandom, randomInt } from './random.js';

describe('ids', () => {
  it('prefixes ids by kind and recognises only well-formed ones', () => {
    const next = createIdGenerator(createManualClock(new Date('2026-11-02T09:00:00Z')), cryptoRandom);
    const id = next('task');
    expect(id).toMatch(/^tsk_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(isId('task', id)).toBe(true);
    expect(isId('project', id)).toBe(false);
    expect(isId('task', `${id}x`)).toBe(false);
    expect(isId('task', "tsk_' or 1=1 --xxxxxxxxxxxxx")).toBe(false);
  });

  it('sorts by creation time, and stays ordered within one millisecond', () => {
    const clock = createManualClock(new Date('2026-11-02T09:00:00Z'));
    const next = createIdGenerator(clock, cryptoRandom);
    const ids = [next('task'), next('task'), next('task')];
    clock.advance(1);
    ids.push(next('task'));
    expect([...ids].sort()).toEqual(ids);
  });

  it('encodes the timestamp in the first ten characters', () => {
    const next = createIdGenerator(createManualClock(new Date(0)), createSeededRandom(1));
    expect(next('member').slice(4, 14)).toBe('0000000000');
  });
});

describe('random', () => {
  it('repeats a seeded sequence and differs between seeds', () => {
    expect(createSeededRandom(5).bytes(16)).toEqual(createSeededRandom(5).bytes(16));
    expect(createSeededRandom(5).bytes(16)).not.toEqual(createSeededRandom(6).bytes(16));
  });

  it('draws integers within range', () => {
    const random = createSeededRandom(9);
    const seen = new Set(Array.from({ length: 200 }, () => randomInt(random, 3)));
    expect([...seen].sort()).toEqual([0, 1, 2]);
    expect(() => randomInt(random, 0)).toThrow(RangeError);
  });
});

describe('createCryptoRandom', () => {
  it('never hands out the same bytes twice across block refills', async () => {
    const { createCryptoRandom } = await import('./random.js');
    const random = createCryptoRandom(64);
    const chunks = Array.from({ length: 200 }, () => Buffer.from(random.bytes(10)).toString('hex'));
    expect(new Set(chunks).size).toBe(200);
    expect(random.bytes(100)).toHaveLength(100);
  });
});
