/**
 * The restart delays of supervised processes, as guest workers have them (guest-worker.ts): the
 * first restart after `initialMs`, each quick exit doubling the delay up to `maxMs`, and a run
 * that lasted `stableMs` resetting it.
 */

/** Options of {@link RestartBackoff}. */
export interface RestartBackoffOptions {
  initialMs?: number;
  maxMs?: number;
  stableMs?: number;
}

/** Restart delays for one supervised process. */
export class RestartBackoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #stable: number;
  #next: number;

  constructor(options: RestartBackoffOptions = {}) {
    this.#initial = options.initialMs ?? 1000;
    this.#max = options.maxMs ?? 30_000;
    this.#stable = options.stableMs ?? 60_000;
    this.#next = this.#initial;
  }

  /** The delay before the next start, given how long the last run lasted. */
  delayAfter(ranMs: number): number {
    if (ranMs >= this.#stable) this.#next = this.#initial;
    const delay = this.#next;
    this.#next = Math.min(Math.max(delay * 2, 1), this.#max);
    return delay;
  }
}
