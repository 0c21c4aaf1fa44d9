/**
 * Throttling of failed authentications, per authid and per remote address, so that guessing
 * secrets online is slow: after `maxFailures` failures within `windowMs`, further attempts for
 * that authid (or from that address) are refused for `lockoutMs`, before any credential is
 * looked at. Time comes from the router's clock, so tests drive it with a fake one.
 */
import type { Clock } from '@interchange/protocol';

/** Limits for one kind of key (authid or address). */
export interface ThrottleLimits {
  /** Failures within `windowMs` that trigger a lockout. */
  maxFailures: number;
  /** How long failures count, in ms. */
  windowMs: number;
  /** How long a lockout lasts, in ms. */
  lockoutMs: number;
}

/** Options of {@link AuthThrottle}; `false` turns throttling of that kind of key off. */
export interface ThrottleOptions {
  /** Default: 5 failures a minute lock the authid out for a minute. */
  authid?: ThrottleLimits | false;
  /** Default: 20 failures a minute lock the address out for a minute. */
  address?: ThrottleLimits | false;
  /** How many keys of each kind are tracked at most; the least recently failed go first. Default 10000. */
  maxEntries?: number;
}

/** The default limits. */
export const DEFAULT_THROTTLE = {
  authid: { maxFailures: 5, windowMs: 60_000, lockoutMs: 60_000 },
  address: { maxFailures: 20, windowMs: 60_000, lockoutMs: 60_000 },
} as const satisfies Record<'authid' | 'address', ThrottleLimits>;

interface Entry {
  windowStart: number;
  failures: number;
  lockedUntil: number;
}

/** Failure counts for one kind of key. */
class Counter {
  readonly #limits: ThrottleLimits;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();

  constructor(limits: ThrottleLimits, maxEntries: number) {
    this.#limits = limits;
    this.#maxEntries = maxEntries;
  }

  blocked(key: string, now: number): boolean {
    const entry = this.#entries.get(key);
    return entry !== undefined && entry.lockedUntil > now;
  }

  failure(key: string, now: number): void {
    let entry = this.#entries.get(key);
    if (entry === undefined || now - entry.windowStart >= this.#limits.windowMs) {
      entry = { windowStart: now, failures: 0, lockedUntil: entry?.lockedUntil ?? 0 };
    }
    entry.failures += 1;
    if (entry.failures >= this.#limits.maxFailures) {
      entry.lockedUntil = now + this.#limits.lockoutMs;
      entry.failures = 0;
      entry.windowStart = now;
    }
    // Re-insert, so the map's order is least recently failed first.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  reset(key: string, now: number): void {
    // A success does not lift a lockout in force; otherwise the count starts over.
    if (!this.blocked(key, now)) this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}

/**
 * The remote address of a transport peer without its port (`tcp4:127.0.0.1:53122` becomes
 * `tcp4:127.0.0.1`), so all connections from one host share a count.
 */
export function remoteAddress(peer: string): string {
  return /^tcp[46]?:/.test(peer) ? peer.replace(/:\d+$/, '') : peer;
}

/**
 * Counts failed authentications per authid and per remote address.
 *
 * @example
 * const throttle = new AuthThrottle(clock, { authid: { maxFailures: 3, windowMs: 60_000, lockoutMs: 300_000 } });
 * if (throttle.blocked('joe', 'tcp4:10.0.0.7')) refuse();
 */
export class AuthThrottle {
  readonly #clock: Clock;
  readonly #authid: Counter | undefined;
  readonly #address: Counter | undefined;

  constructor(clock: Clock, options: ThrottleOptions = {}) {
    this.#clock = clock;
    const maxEntries = options.maxEntries ?? 10_000;
    const authid = options.authid ?? DEFAULT_THROTTLE.authid;
    const address = options.address ?? DEFAULT_THROTTLE.address;
    this.#authid = authid === false ? undefined : new Counter(authid, maxEntries);
    this.#address = address === false ? undefined : new Counter(address, maxEntries);
  }

  /** Whether attempts for `authid` or from `address` are locked out now. */
  blocked(authid: string | undefined, address: string): boolean {
    const now = this.#clock.now();
    return (
      (authid !== undefined && this.#authid?.blocked(authid, now) === true) ||
      this.#address?.blocked(address, now) === true
    );
  }

  /** Records a failed attempt. */
  failure(authid: string | undefined, address: string): void {
    const now = this.#clock.now();
    if (authid !== undefined) this.#authid?.failure(authid, now);
    this.#address?.failure(address, now);
  }

  /** Records a successful attempt: the authid's failure count starts over. */
  success(authid: string): void {
    this.#authid?.reset(authid, this.#clock.now());
  }

  /** Keys tracked (for tests and metrics). */
  get tracked(): { authids: number; addresses: number } {
    return { authids: this.#authid?.size ?? 0, addresses: this.#address?.size ?? 0 };
  }
}
