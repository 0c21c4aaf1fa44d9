/**
 * The nonces of accepted signed bridge requests (web/request-signature.ts), kept in a realm's
 * LMDB store so that a request captured before a restart, or a crash, is still refused after it
 * while its timestamp could be accepted. Held in memory for the check, as the memory store holds
 * them, and written through; a bridge request acts only once its nonce is committed (flushed,
 * with `sync`).
 *
 * Bounded: at most {@link maxNoncesFor} of them, a small share of the store's `maxsize`
 * reserved for them; beyond it the oldest are forgotten, as in memory. Records are keyed by a
 * hash of signing key and nonce, so a long nonce cannot exceed LMDB's key size.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '@interchange/router';
import type { Database, RootDatabase } from 'lmdb';
import { MAX_NONCES, type NonceStore, nonceId, RecentNonces } from '../web/nonce-store.js';
import { RealmStoreError } from './realm-store-error.js';

/** Bytes one nonce record takes in LMDB: a 43-character key, its time, and LMDB's node overhead. */
export const NONCE_RECORD_BYTES = 96;
/** The share of `maxsize` nonces may take. */
const NONCE_SHARE = 0.05;

/** How many nonces a store of `maxsize` bytes keeps. */
export function maxNoncesFor(maxsize: number): number {
  return Math.max(1, Math.min(MAX_NONCES, Math.floor((maxsize * NONCE_SHARE) / NONCE_RECORD_BYTES)));
}

function recordKey(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** Options of {@link LmdbNonceStore}. */
export interface LmdbNonceStoreOptions {
  env: RootDatabase;
  db: Database<number, string>;
  /** Whether {@link LmdbNonceStore.durable} waits for the flush to disk as well as the commit. */
  sync: boolean;
  max: number;
  file: string;
  logger: Logger;
  /** Milliseconds since the epoch, for dropping what expired while the node was down. */
  now: number;
}

/** The nonce store of a realm's LMDB store. */
export class LmdbNonceStore implements NonceStore {
  readonly #env: RootDatabase;
  readonly #db: Database<number, string>;
  readonly #sync: boolean;
  readonly #file: string;
  readonly #logger: Logger;
  readonly #nonces: RecentNonces;
  #pending: Promise<void> | undefined;
  #lastRaw: Promise<unknown> | undefined;
  #failure: Error | undefined;

  constructor(options: LmdbNonceStoreOptions) {
    this.#env = options.env;
    this.#db = options.db;
    this.#sync = options.sync;
    this.#file = options.file;
    this.#logger = options.logger;
    this.#nonces = new RecentNonces(options.max);
    // Keyed by hash on disk: their order there says nothing; put them back oldest first.
    const loaded: { key: string; forgetAt: number }[] = [];
    const expired: string[] = [];
    for (const { key, value } of this.#db.getRange()) {
      if (typeof value === 'number' && value > options.now) loaded.push({ key, forgetAt: value });
      else expired.push(key);
    }
    loaded.sort((a, b) => a.forgetAt - b.forgetAt);
    for (const { key, forgetAt } of loaded) expired.push(...this.#nonces.add(key, forgetAt));
    for (const key of expired) this.#write(() => this.#db.remove(key));
  }

  /** Nonces remembered now. */
  get size(): number {
    return this.#nonces.size;
  }

  seen(key: string, nonce: string, now: number): boolean {
    for (const gone of this.#nonces.expire(now)) this.#write(() => this.#db.remove(gone));
    return this.#nonces.has(recordKey(nonceId(key, nonce)), now);
  }

  remember(key: string, nonce: string, forgetAt: number): void {
    const id = recordKey(nonceId(key, nonce));
    const dropped = this.#nonces.add(id, forgetAt);
    this.#write(() => this.#db.put(id, forgetAt));
    for (const gone of dropped) this.#write(() => this.#db.remove(gone));
  }

  durable(): Promise<void> | undefined {
    const failure = this.#failure;
    if (failure !== undefined) {
      this.#failure = undefined;
      return Promise.reject(failure);
    }
    return this.#pending;
  }

  /** Queues a write; one lmdb refuses at once (the store is closed) fails the request that made it. */
  #write(operation: () => Promise<unknown>): void {
    let write: Promise<unknown>;
    try {
      write = operation();
    } catch (error) {
      this.#logger.warn({ file: this.#file, err: error }, 'realm store refused a nonce of a signed request');
      const failure = new RealmStoreError(`realm store write refused: ${(error as Error).message}`, { cause: error });
      this.#failure = failure;
      queueMicrotask(() => {
        if (this.#failure === failure) this.#failure = undefined;
      });
      return;
    }
    // lmdb returns one promise for all writes of a turn: wrap each batch once.
    if (write === this.#lastRaw) return;
    this.#lastRaw = write;
    const done = this.#sync ? write.then(() => this.#env.flushed) : write;
    const pending: Promise<void> = done.then(
      () => {
        if (this.#pending === pending) this.#pending = undefined;
      },
      (error: unknown) => {
        if (this.#pending === pending) this.#pending = undefined;
        this.#logger.error({ file: this.#file, err: error }, 'realm store write of a nonce failed');
        throw new RealmStoreError(`realm store write to ${this.#file} failed: ${(error as Error).message}`, {
          cause: error,
        });
      },
    );
    pending.catch(() => {});
    this.#pending = pending;
  }
}
