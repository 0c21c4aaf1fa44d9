import { InvalidArgumentError } from '@interchange/protocol';

/** Autobahn|JS's reconnect options, with its names and defaults. */
export interface RetryOptions {
  /** Retries after a loss before giving up; `-1` retries forever. Default 15. */
  max_retries?: number;
  /** Delay before the first retry, in seconds. Default 1.5. */
  initial_retry_delay?: number;
  /** Upper bound of the delay, in seconds. Default 300. */
  max_retry_delay?: number;
  /** Factor by which the delay grows from one retry to the next. Default 1.5. */
  retry_delay_growth?: number;
  /** Random spread of each delay, as a fraction of it (0.1: ±10 %). Default 0.1. */
  retry_delay_jitter?: number;
}

/** One planned retry. */
export interface PlannedRetry {
  /** 1 for the first retry after a (re)connection was lost, then 2, 3, ... */
  count: number;
  /** Seconds to wait before it. */
  delay: number;
}

/**
 * The reconnect back-off of `Connection`: the n-th retry waits
 * `min(max_retry_delay, initial_retry_delay · retry_delay_growth^(n-1))`, spread by
 * `± retry_delay_jitter` of itself and capped again at `max_retry_delay`.
 *
 * Where this differs from Autobahn|JS, on purpose: the jitter is uniform and bounded (Autobahn
 * draws from a Gaussian, so a delay can come out near zero or far above the cap) and is applied
 * to each delay afresh instead of compounding into the next; and `0` means zero for every option
 * (Autobahn reads `0` as "use the default" for the delay cap, growth and jitter).
 */
export class RetrySchedule {
  readonly maxRetries: number;
  readonly initialDelay: number;
  readonly maxDelay: number;
  readonly growth: number;
  readonly jitter: number;
  readonly #random: () => number;
  #count = 0;

  /**
   * @param random uniform in [0, 1); `Math.random` by default, injectable for tests.
   * @throws InvalidArgumentError for negative or non-numeric options.
   */
  constructor(options: RetryOptions = {}, random: () => number = Math.random) {
    this.maxRetries = option(options.max_retries, 15, 'max_retries', -1);
    if (this.maxRetries !== -1 && !Number.isInteger(this.maxRetries)) {
      throw new InvalidArgumentError(`max_retries must be an integer or -1, got ${this.maxRetries}`);
    }
    this.initialDelay = option(options.initial_retry_delay, 1.5, 'initial_retry_delay', 0);
    this.maxDelay = option(options.max_retry_delay, 300, 'max_retry_delay', 0);
    this.growth = option(options.retry_delay_growth, 1.5, 'retry_delay_growth', 0);
    this.jitter = option(options.retry_delay_jitter, 0.1, 'retry_delay_jitter', 0);
    if (this.jitter > 1) throw new InvalidArgumentError(`retry_delay_jitter must be at most 1, got ${this.jitter}`);
    this.#random = random;
  }

  /** Retries planned since the last reset. */
  get count(): number {
    return this.#count;
  }

  /** Starts over: called when a connection has been established. */
  reset(): void {
    this.#count = 0;
  }

  /** Plans the next retry, or returns `undefined` when `max_retries` is used up. */
  next(): PlannedRetry | undefined {
    if (this.maxRetries !== -1 && this.#count >= this.maxRetries) return undefined;
    this.#count += 1;
    const base = Math.min(this.maxDelay, this.initialDelay * this.growth ** (this.#count - 1));
    const spread = base * this.jitter * (2 * this.#random() - 1);
    const delay = Math.max(0, Math.min(this.maxDelay, base + spread));
    return { count: this.#count, delay };
  }
}

function option(value: number | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < min) {
    throw new InvalidArgumentError(`${name} must be a number of at least ${min}, got ${String(value)}`);
  }
  return value;
}
