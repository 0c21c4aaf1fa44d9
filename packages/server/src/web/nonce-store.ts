/**
 * Where the replay protection of signed bridge requests (request-signature.ts) keeps the nonces
 * it accepted: in memory by default, or in the realm store of the bridge's realm when that is
 * persistent (store/lmdb-nonce-store.ts), so that a request captured before a restart is still
 * refused after it (docs/durability.md).
 */

/** Accepted nonces of signed requests, each until its timestamp can no longer be accepted. */
export interface NonceStore {
  /** Whether `nonce` was accepted with signing key `key` and is still remembered at `now`. */
  seen(key: string, nonce: string, now: number): boolean;
  /** Remembers an accepted nonce until `forgetAt` (ms since the epoch). */
  remember(key: string, nonce: string, forgetAt: number): void;
  /**
   * `undefined` when every remembered nonce is durable already (always, in memory); otherwise a
   * promise that settles once it is, and rejects when the write failed.
   */
  durable(): Promise<void> | undefined;
}

/** The most nonces a memory store remembers; beyond it the oldest are forgotten. */
export const MAX_NONCES = 100_000;

/** One nonce's identity in a store: signing key and nonce. */
export function nonceId(key: string, nonce: string): string {
  return `${key}\u0000${nonce}`;
}

/**
 * Nonces and when each may be forgotten, oldest first (a Map iterates in insertion order),
 * bounded in number. Paths with different timestamp windows keep their nonces for different
 * times, so an expired nonce can sit behind a newer one for a while: {@link has} checks the time.
 */
export class RecentNonces {
  readonly #forgetAt = new Map<string, number>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#forgetAt.size;
  }

  /** Forgets every nonce whose time is up at `now`; returns their ids. */
  expire(now: number): string[] {
    const gone: string[] = [];
    for (const [id, forgetAt] of this.#forgetAt) {
      if (forgetAt > now) break;
      this.#forgetAt.delete(id);
      gone.push(id);
    }
    return gone;
  }

  /** Whether a nonce is remembered and its time is not up at `now`. */
  has(id: string, now: number): boolean {
    return (this.#forgetAt.get(id) ?? now) > now;
  }

  /** Adds a nonce; returns the ids of the oldest ones forgotten to stay within the bound. */
  add(id: string, forgetAt: number): string[] {
    this.#forgetAt.delete(id);
    this.#forgetAt.set(id, forgetAt);
    const dropped: string[] = [];
    while (this.#forgetAt.size > this.#max) {
      const oldest = this.#forgetAt.keys().next().value as string;
      this.#forgetAt.delete(oldest);
      dropped.push(oldest);
    }
    return dropped;
  }
}

/** The default: nonces in the node's memory, lost on restart. */
export class MemoryNonceStore implements NonceStore {
  readonly #nonces: RecentNonces;

  constructor(max = MAX_NONCES) {
    this.#nonces = new RecentNonces(max);
  }

  seen(key: string, nonce: string, now: number): boolean {
    this.#nonces.expire(now);
    return this.#nonces.has(nonceId(key, nonce), now);
  }

  remember(key: string, nonce: string, forgetAt: number): void {
    this.#nonces.add(nonceId(key, nonce), forgetAt);
  }

  durable(): undefined {
    return undefined;
  }
}
