import { InvalidArgumentError } from '@interchange/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RetrySchedule } from '../src/index.js';

const delays = (schedule: RetrySchedule, n: number): Array<number | undefined> =>
  Array.from({ length: n }, () => schedule.next()?.delay);

describe('RetrySchedule', () => {
  it("uses Autobahn's defaults: 15 retries, 1.5 s growing by 1.5, capped at 300 s, 10 % jitter", () => {
    const schedule = new RetrySchedule({}, () => 0.5);
    expect([schedule.maxRetries, schedule.initialDelay, schedule.growth, schedule.maxDelay, schedule.jitter]).toEqual([
      15, 1.5, 1.5, 300, 0.1,
    ]);
    const planned = delays(schedule, 16);
    expect(planned.slice(0, 4)).toEqual([1.5, 2.25, 3.375, 5.0625]);
    expect(planned[14]).toBe(300); // 1.5 * 1.5^14 = 437.9, capped
    expect(planned[15]).toBeUndefined(); // the 16th retry is not planned
  });

  it.each([
    { growth: 2, initial: 1, max: 10, expected: [1, 2, 4, 8, 10, 10] },
    { growth: 1, initial: 3, max: 300, expected: [3, 3, 3, 3, 3, 3] },
    { growth: 1.5, initial: 0, max: 300, expected: [0, 0, 0, 0, 0, 0] },
  ])('grows $initial by $growth up to $max', ({ growth, initial, max, expected }) => {
    const schedule = new RetrySchedule(
      {
        retry_delay_growth: growth,
        initial_retry_delay: initial,
        max_retry_delay: max,
        retry_delay_jitter: 0,
        max_retries: -1,
      },
      () => 0.99,
    );
    expect(delays(schedule, 6)).toEqual(expected);
  });

  it('keeps each jittered delay within ± jitter of its base and under the cap', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 30 }),
        (r, jitter, n) => {
          const schedule = new RetrySchedule({ retry_delay_jitter: jitter, max_retries: -1 }, () => r);
          let planned = schedule.next();
          for (let i = 1; i < n; i++) planned = schedule.next();
          const base = Math.min(300, 1.5 * 1.5 ** (n - 1));
          const delay = planned?.delay ?? Number.NaN;
          expect(planned?.count).toBe(n);
          expect(delay).toBeGreaterThanOrEqual(base * (1 - jitter) - 1e-9);
          expect(delay).toBeLessThanOrEqual(Math.min(300, base * (1 + jitter)) + 1e-9);
        },
      ),
    );
  });

  it('spreads delays both ways: lowest at random 0, highest near random 1', () => {
    const low = new RetrySchedule({ initial_retry_delay: 10, retry_delay_jitter: 0.2 }, () => 0).next()?.delay;
    const high = new RetrySchedule({ initial_retry_delay: 10, retry_delay_jitter: 0.2 }, () => 0.999999).next()?.delay;
    expect(low).toBeCloseTo(8);
    expect(high).toBeCloseTo(12, 3);
  });

  it('respects max_retries and starts over on reset', () => {
    const schedule = new RetrySchedule({ max_retries: 2, retry_delay_jitter: 0 });
    expect(schedule.next()?.count).toBe(1);
    expect(schedule.next()?.count).toBe(2);
    expect(schedule.next()).toBeUndefined();
    schedule.reset();
    expect(schedule.next()).toEqual({ count: 1, delay: 1.5 });
    expect(new RetrySchedule({ max_retries: 0 }).next()).toBeUndefined();
  });

  it('refuses nonsense options', () => {
    expect(() => new RetrySchedule({ max_retries: -2 })).toThrow(InvalidArgumentError);
    expect(() => new RetrySchedule({ max_retries: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => new RetrySchedule({ initial_retry_delay: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => new RetrySchedule({ retry_delay_jitter: 2 })).toThrow(InvalidArgumentError);
  });
});
