import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createIdSequence,
  createRandomIdSource,
  isValidId,
  MAX_ID,
  nextSequenceId,
  RANDOM_BLOCK_WORDS,
  randomId,
} from '../src/ids.js';

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
    const constant = (value: number) => createRandomIdSource({ fill: (words) => words.fill(value) });
    expect(constant(0)()).toBe(1);
    expect(constant(0xffffffff)()).toBe(MAX_ID);
  });

  it('draws its random bits from crypto.getRandomValues, a block at a time', () => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
    const next = createRandomIdSource();
    for (let i = 0; i < RANDOM_BLOCK_WORDS / 2; i++) next();
    expect(spy).toHaveBeenCalledTimes(1);
    expect((spy.mock.calls[0] as [Uint32Array])[0].byteLength).toBe(4 * RANDOM_BLOCK_WORDS);
    next();
    expect(spy).toHaveBeenCalledTimes(2);
  });
});

describe('createRandomIdSource', () => {
  /** A fill that writes 0, 1, 2, ... across blocks, so each ID shows which words it used. */
  function counting() {
    let word = 0;
    const blocks: number[] = [];
    const fill = (words: Uint32Array) => {
      blocks.push(words.length);
      for (let i = 0; i < words.length; i++) words[i] = word++;
    };
    return { fill, blocks };
  }
  const idOf = (high: number, low: number) => high * 2 ** 32 + low + 1;

  it('uses each word once, and refills exactly when a block runs out', () => {
    const { fill, blocks } = counting();
    const next = createRandomIdSource({ fill, blockWords: 4 });
    expect(blocks).toEqual([]);
    expect([next(), next()]).toEqual([idOf(0, 1), idOf(2, 3)]);
    expect(blocks).toEqual([4]);
    // The third ID is the first of the second block: words 4 and 5, not a reused 0 and 1.
    expect(next()).toBe(idOf(4, 5));
    expect(blocks).toEqual([4, 4]);
    expect(next()).toBe(idOf(6, 7));
    expect(blocks).toEqual([4, 4]);
  });

  it('keeps the high word to 21 bits, so IDs stay in 1..2^53', () => {
    const next = createRandomIdSource({
      fill: (words) => words.fill(0xffffffff).fill(0xfffffffe, 1, 2),
      blockWords: 2,
    });
    expect(next()).toBe(MAX_ID - 1);
  });

  it('refuses block sizes getRandomValues cannot fill or that split an ID', () => {
    for (const blockWords of [0, 1, 3, 16_386, 2.5]) {
      expect(() => createRandomIdSource({ blockWords })).toThrow(RangeError);
    }
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
    expect([nextSequenceId(0), nextSequenceId(41), nextSequenceId(MAX_ID)]).toEqual([1, 42, 1]);
  });
});
