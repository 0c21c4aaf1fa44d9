/**
 * Throttling of authentication attempts, so that guessing secrets online is slow and cannot be
 * turned against the owner of an account (issue 12):
 *
 * - Attempts are counted per (authid, remote address) pair and per remote address. An attacker
 *   who knows an authid locks out only the pair it uses, not the owner connecting from elsewhere;
 *   an address guessing across many authids is locked out as a whole.
 * - Attempts count as they start: a challenge sent is an attempt in flight, and the attempts in
 *   flight count toward the limit with the failures, so 200 sessions opened in parallel get at most
 *   `maxFailures` challenges, not 200 guesses evaluated.
 * - A lockout lasts `lockoutMs`, doubled for each lockout of the same key since its last success
 *   (exponential backoff), up to {@link MAX_BACKOFF_DOUBLINGS} doublings.
 *
 * Time comes from the router's clock, so tests drive it with a fake one.
 */
import type { Clock } from '@interchange/protocol';

/** Limits for one kind of key (authid and address pair, or address). */
export interface ThrottleLimits {
  /** Failures (and attempts in flight) within `windowMs` that trigger a lockout. */
  maxFailures: number;
  /** How long failures count, in ms. */
  windowMs: number;
  /** How long a first lockout lasts, in ms; each further one lasts twice the previous. */
  lockoutMs: number;
}

/** Options of {@link AuthThrottle}; `false` turns throttling of that kind of key off. */
export interface ThrottleOptions {
  /** Per authid and address pair. Default: 5 failures a minute lock the pair out for a minute, then 2, 4, ... */
  authid?: ThrottleLimits | false;
  /** Per address, across authids. Default: 20 failures a minute lock the address out for a minute, then 2, 4, ... */
  address?: ThrottleLimits | false;
  /** How many keys of each kind are tracked at most; the least recently failed go first. Default 10000. */
  maxEntries?: number;
}

/** The default limits. */
export const DEFAULT_THROTTLE = {
  authid: { maxFailures: 5, windowMs: 60_000, lockoutMs: 60_000 },
  address: { maxFailures: 20, windowMs: 60_000, lockoutMs: 60_000 },
} as const satisfies Record<'authid' | 'address', ThrottleLimits>;

/** A lockout is at most `lockoutMs` × 2^6 (a minute becomes an hour and four minutes). */
export const MAX_BACKOFF_DOUBLINGS = 6;

interface Entry {
  windowStart: number;
  failures: number;
  lockedUntil: number;
  /** Lockouts since the last success: the next lasts `lockoutMs` × 2^lockouts. */
  lockouts: number;
  /** Attempts started and not yet decided. */
  inFlight: number;
}

/** Attempt counts for one kind of key. */
class Counter {
  readonly #limits: ThrottleLimits;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();

  constructor(limits: ThrottleLimits, maxEntries: number) {
    this.#limits = limits;
    this.#maxEntries = maxEntries;
  }

  /** Whether the key is locked out now. */
  blocked(key: string, now: number): boolean {
    const entry = this.#entries.get(key);
    return entry !== undefined && entry.lockedUntil > now;
  }

  /** Whether a new attempt may start: not locked out, and room beside the failures and attempts in flight. */
  admits(key: string, now: number): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return true;
    if (entry.lockedUntil > now) return false;
    const failures = now - entry.windowStart >= this.#limits.windowMs ? 0 : entry.failures;
    return failures + entry.inFlight < this.#limits.maxFailures;
  }

  begin(key: string, now: number): void {
    this.#touch(key, now).inFlight += 1;
  }

  /** An attempt started with {@link begin} is decided (or abandoned): it no longer counts as in flight. */
  end(key: string): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry.inFlight > 0) entry.inFlight -= 1;
  }

  failure(key: string, now: number): void {
    const entry = this.#touch(key, now);
    if (now - entry.windowStart >= this.#limits.windowMs) {
      entry.windowStart = now;
      entry.failures = 0;
    }
    entry.failures += 1;
    if (entry.failures >= this.#limits.maxFailures) {
      entry.lockedUntil = now + this.#limits.lockoutMs * 2 ** Math.min(entry.lockouts, MAX_BACKOFF_DOUBLINGS);
      entry.lockouts += 1;
      entry.failures = 0;
      entry.windowStart = now;
    }
  }

  reset(key: string, now: number): void {
    // A success does not lift a lockout in force; otherwise the count (and backoff) starts over.
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.lockedUntil > now) return;
    if (entry.inFlight > 0) {
      entry.failures = 0;
      entry.lockouts = 0;
    } else this.#entries.delete(key);
  }

  /** The key's entry, moved to the end of the map (least recently used first, for eviction). */
  #touch(key: string, now: number): Entry {
    let entry = this.#entries.get(key);
    if (entry === undefined) entry = { windowStart: now, failures: 0, lockedUntil: 0, lockouts: 0, inFlight: 0 };
    else this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    return entry;
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

/** The key of an authid and address pair (NUL cannot occur in an address). */
function pairKey(authid: string, address: string): string {
  return `${address}\u0000${authid}`;
}

/**
 * Counts authentication attempts per authid and address pair and per remote address.
 *
 * @example
 * const throttle = new AuthThrottle(clock, { authid: { maxFailures: 3, windowMs: 60_000, lockoutMs: 300_000 } });
 * if (!throttle.admits('joe', 'tcp4:10.0.0.7')) refuse();
 * throttle.begin('joe', 'tcp4:10.0.0.7'); // challenge sent
 * // ... AUTHENTICATE checked:
 * throttle.end('joe', 'tcp4:10.0.0.7');
 * ok ? throttle.success('joe', 'tcp4:10.0.0.7') : throttle.failure('joe', 'tcp4:10.0.0.7');
 */
export class AuthThrottle {
  readonly #clock: Clock;
  readonly #pair: Counter | undefined;
  readonly #address: Counter | undefined;

  constructor(clock: Clock, options: ThrottleOptions = {}) {
    this.#clock = clock;
    const maxEntries = options.maxEntries ?? 10_000;
    const authid = options.authid ?? DEFAULT_THROTTLE.authid;
    const address = options.address ?? DEFAULT_THROTTLE.address;
    this.#pair = authid === false ? undefined : new Counter(authid, maxEntries);
    this.#address = address === false ? undefined : new Counter(address, maxEntries);
  }

  /** Whether attempts for `authid` from `address`, or any from `address`, are locked out now. */
  blocked(authid: string | undefined, address: string): boolean {
    const now = this.#clock.now();
    return (
      (authid !== undefined && this.#pair?.blocked(pairKey(authid, address), now) === true) ||
      this.#address?.blocked(address, now) === true
    );
  }

  /** Whether a new attempt may start (at HELLO): not locked out, and not too many failed or in flight. */
  admits(authid: string | undefined, address: string): boolean {
    const now = this.#clock.now();
    return (
      (authid === undefined || this.#pair?.admits(pairKey(authid, address), now) !== false) &&
      this.#address?.admits(address, now) !== false
    );
  }

  /** An attempt starts (a challenge was sent): it counts toward the limits until {@link end}. */
  begin(authid: string | undefined, address: string): void {
    const now = this.#clock.now();
    if (authid !== undefined) this.#pair?.begin(pairKey(authid, address), now);
    this.#address?.begin(address, now);
  }

  /** An attempt of {@link begin} is over; record its outcome with {@link failure} or {@link success}. */
  end(authid: string | undefined, address: string): void {
    if (authid !== undefined) this.#pair?.end(pairKey(authid, address));
    this.#address?.end(address);
  }

  /** Records a failed attempt. */
  failure(authid: string | undefined, address: string): void {
    const now = this.#clock.now();
    if (authid !== undefined) this.#pair?.failure(pairKey(authid, address), now);
    this.#address?.failure(address, now);
  }

  /**
   * Records a successful attempt: the pair's failure count and backoff start over. The address's
   * do not: one valid account must not reset the count of guesses at others.
   */
  success(authid: string | undefined, address: string): void {
    if (authid !== undefined) this.#pair?.reset(pairKey(authid, address), this.#clock.now());
  }

  /** Keys tracked (for tests and metrics): authid and address pairs, addresses. */
  get tracked(): { authids: number; addresses: number } {
    return { authids: this.#pair?.size ?? 0, addresses: this.#address?.size ?? 0 };
  }
}
