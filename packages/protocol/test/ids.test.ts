import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIdSequence, isValidId, MAX_ID, randomId } from '../src/ids.js';

describe('isValidId', () => {
  it.each([
    [1, true],
    [42, true],
    [2 ** 32, true],
    [MAX_ID, true],
    [0, false],
    [-1, false],
    [1.5, false],
    [MAX_ID + 2, false],
    [Number.NaN, false],
    [Number.POSITIVE_INFINITY, false],
    ['1', false],
    [null, false],
    [undefined, false],
    [1n, false],
    [[1], false],
  ] as const)('%s is %s', (value, valid) => {
    expect(isValidId(value)).toBe(valid);
  });
});

describe('randomId', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('returns valid IDs that differ', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const id = randomId();
      expect(isValidId(id)).toBe(true);
      seen.add(id);
    }
    // 1000 draws from 2^53 values collide with negligible probability.
    expect(seen.size).toBe(1000);
  });

  it('spans the whole range, beyond 32 bits', () => {
    const draws = Array.from({ length: 200 }, randomId);
    expect(draws.some((id) => id > 2 ** 32)).toBe(true);
  });

  it('maps the lowest random bits to 1 and the highest to 2^53', () => {
    const fill = (value: number) =>
      vi
        .spyOn(globalThis.crypto, 'getRandomValues')
        .mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
          (array as unknown as Uint32Array).fill(value);
          return array;
        });
    fill(0);
    expect(randomId()).toBe(1);
    fill(0xffffffff);
    expect(randomId()).toBe(MAX_ID);
  });
});

describe('createIdSequence', () => {
  it('counts from 1', () => {
    const next = createIdSequence();
    expect([next(), next(), next()]).toEqual([1, 2, 3]);
  });

  it('keeps one count per sequence', () => {
    const a = createIdSequence();
    const b = createIdSequence();
    a();
    a();
    expect(b()).toBe(1);
    expect(a()).toBe(3);
  });

  it('wraps around to 1 after 2^53', () => {
    const next = createIdSequence(MAX_ID - 1);
    expect([next(), next(), next()]).toEqual([MAX_ID, 1, 2]);
  });
});
