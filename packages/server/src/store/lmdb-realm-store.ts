/**
 * The persistent realm store (Crossbar's realm `store` of type `lmdb`): retained events and the
 * configured event histories, kept in memory for reads as the memory store does, and written to
 * an LMDB file so that a restart, or a SIGKILL, loses nothing that was acknowledged
 * (docs/durability.md).
 *
 * Writes are lmdb's asynchronous puts: all of one event-loop turn go into one transaction,
 * committed and flushed on lmdb's writer thread, and {@link LmdbRealmStore.durable} hands the
 * broker that commit, so PUBLISHED waits for the disk and the router thread never does.
 *
 * The file is bounded by `maxsize`: every record is counted with what it costs in LMDB pages,
 * and past the budget the oldest record of the whole store goes, history event or retained
 * topic alike; the file's real high-water mark is watched too and shrinks the budget if the
 * estimate was short.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Id, MatchPolicyValue } from '@interchange/protocol';
import {
  type EventHistoryEntry,
  type Logger,
  type RealmStore,
  type RetainedEvent,
  type RetainedEventStore,
  RetainedEvents,
  type StoredEvent,
  type StoredHistory,
} from '@interchange/router';
import { type Database, open, type RootDatabase } from 'lmdb';
import type { NonceStore } from '../web/nonce-store.js';
import { checkLmdbFile } from './lmdb-file-check.js';
import { LmdbNonceStore, maxNoncesFor, NONCE_RECORD_BYTES } from './lmdb-nonce-store.js';
import { rebuildLmdbFile } from './lmdb-rebuild.js';
import { type NumberedEvent, PersistentHistory } from './persistent-history.js';
import { DAMAGED_FILE_ADVICE, RealmStoreError } from './realm-store-error.js';
import { lockStore, type StoreLock } from './store-lock.js';
import {
  decodeHistoryRecord,
  decodeRetainedRecord,
  encodeHistoryRecord,
  encodeRetainedRecord,
} from './stored-event-codec.js';

/** The data file in a store directory (the lock file of lmdb is `data.mdb-lock` beside it). */
export const STORE_DATA_FILE = 'data.mdb';
/** What the `format` record of our meta database says. */
const FORMAT = 'interchange.realm-store';
const FORMAT_VERSION = 1;
const META_DB = 'interchange.meta';
const EVENTS_DB = 'interchange.history';
const RETAINED_DB = 'interchange.retained';
const NONCES_DB = 'interchange.nonces';
/**
 * Share of `maxsize` the counted records may take: the rest is LMDB's own (branch pages,
 * half-full leaves after deletions, pages of transactions not yet reusable, the free list).
 */
const BUDGET_SHARE = 0.5;
/** Bytes LMDB adds to each record (node header, page index slot). */
const RECORD_OVERHEAD = 24;
/** How often (in writes) the file's real high-water mark is compared with `maxsize`. */
const HIGH_WATER_CHECK_EVERY = 1024;
/** Evictions are logged at most this often, with their counts since the last line. */
const EVICTION_LOG_INTERVAL_MS = 10_000;

/** Options of {@link LmdbRealmStore.open}. */
export interface LmdbRealmStoreOptions {
  /** The store directory (absolute); created if missing. */
  directory: string;
  /** Most bytes the data file may take. */
  maxsize: number;
  /**
   * Whether {@link LmdbRealmStore.durable} waits for the disk flush (true) or the commit only
   * (false: lmdb then restores the last committed transaction after a killed process, as long
   * as the machine did not restart).
   */
  sync: boolean;
  /** The realm the store belongs to; a store of another realm is refused. */
  realm: string;
  /** The realm's configured histories; records of histories no longer configured are dropped. */
  histories: readonly EventHistoryEntry[];
  logger: Logger;
}

/** What a record on disk is, for eviction: a history event or a retained topic. */
type Aged =
  | { readonly history: PersistentHistory; readonly cost: number }
  | { readonly topic: string; readonly cost: number };

/** Counts of what a full store evicted, since start. */
export interface EvictionCounts {
  history: number;
  retained: number;
}

function historyKey(uri: string, match: MatchPolicyValue): string {
  return `${match}:${uri}`;
}

/** The realm store on LMDB. Open with {@link LmdbRealmStore.open}. */
export class LmdbRealmStore implements RealmStore {
  readonly persistent = true;
  readonly retained: RetainedEventStore;
  /** Evictions since start, by kind. */
  readonly evicted: EvictionCounts = { history: 0, retained: 0 };
  readonly file: string;
  readonly #env: RootDatabase;
  readonly #meta: Database;
  readonly #events: Database<Uint8Array, number>;
  readonly #retainedDb: Database<Uint8Array, string>;
  readonly #noncesDb: Database<number, string>;
  #nonces: LmdbNonceStore | undefined;
  readonly #lock: StoreLock;
  readonly #logger: Logger;
  readonly #maxsize: number;
  readonly #sync: boolean;
  readonly #memoryRetained = new RetainedEvents();
  readonly #histories = new Map<string, PersistentHistory>();
  readonly #subscriptionIds = new Map<string, Id>();
  /** Every record on disk by sequence number; a Map iterates in insertion order, oldest first. */
  readonly #ages = new Map<number, Aged>();
  readonly #retainedSeq = new Map<string, number>();
  #seq = 0;
  #used = 0;
  #budget: number;
  #writes = 0;
  /** The last write's commit, until it settles. */
  #pending: Promise<void> | undefined;
  #lastRaw: Promise<unknown> | undefined;
  /** A write that failed before reaching lmdb (an event that could not be encoded or is too big). */
  #failure: Error | undefined;
  #unlogged: EvictionCounts = { history: 0, retained: 0 };
  #lastEvictionLog = 0;
  #closed: Promise<void> | undefined;
  #pageBytes: number | undefined;

  private constructor(env: RootDatabase, lock: StoreLock, file: string, options: LmdbRealmStoreOptions) {
    this.#env = env;
    this.#lock = lock;
    this.file = file;
    this.#logger = options.logger;
    this.#maxsize = options.maxsize;
    this.#sync = options.sync;
    // The nonces of signed bridge requests have their own share (lmdb-nonce-store.ts).
    this.#budget = Math.floor(options.maxsize * BUDGET_SHARE) - maxNoncesFor(options.maxsize) * NONCE_RECORD_BYTES;
    this.#meta = env.openDB({ name: META_DB, encoding: 'msgpack' });
    this.#events = env.openDB<Uint8Array, number>({ name: EVENTS_DB, encoding: 'binary' });
    this.#retainedDb = env.openDB<Uint8Array, string>({ name: RETAINED_DB, encoding: 'binary' });
    this.#noncesDb = env.openDB<number, string>({ name: NONCES_DB, encoding: 'msgpack' });
    const memory = this.#memoryRetained;
    this.retained = {
      get topicCount() {
        return memory.topicCount;
      },
      // Bounded by `maxsize` (evicting its oldest records itself), not by the realm's limits.
      retain: (event) => {
        this.#retain(event);
        return undefined;
      },
      eligibleFor: (subscriber, pattern, match) => memory.eligibleFor(subscriber, pattern, match),
    };
  }

  /**
   * Opens (or creates) the store of a realm: takes the directory's lock, checks the file by
   * rebuilding it in a child process, reads every record back into memory.
   * @throws RealmStoreError when the directory cannot be used, another node holds it, or the
   *   file is damaged, foreign, or another realm's.
   */
  static async open(options: LmdbRealmStoreOptions): Promise<LmdbRealmStore> {
    const { directory } = options;
    try {
      await mkdir(directory, { recursive: true });
    } catch (error) {
      throw new RealmStoreError(`cannot create the realm store directory ${directory}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const lock = await lockStore(directory);
    const file = join(directory, STORE_DATA_FILE);
    try {
      const mapSize = Math.max(options.maxsize, 1 << 20);
      // The header first (cheap, and the clearest message for a file that is not LMDB), then
      // every record, rebuilt into a new file in a child process (lmdb-rebuild.ts).
      if (await checkLmdbFile(file)) await rebuildLmdbFile(file, { mapSize });
      let env: RootDatabase;
      try {
        env = open({
          path: file,
          maxDbs: 8,
          mapSize,
        });
      } catch (error) {
        throw new RealmStoreError(`cannot open the realm store file ${file}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      try {
        const names = [...env.getKeys({ limit: 100 })].map(String);
        if (names.length > 0 && !names.includes(META_DB)) {
          throw new RealmStoreError(
            `realm store file ${file} is an LMDB file of another program (it holds ${names.slice(0, 3).join(', ')}); ` +
              'point the realm store "path" elsewhere',
          );
        }
        const store = new LmdbRealmStore(env, lock, file, options);
        await store.#load(options);
        return store;
      } catch (error) {
        await env.close();
        if (error instanceof RealmStoreError) throw error;
        throw new RealmStoreError(
          `realm store file ${file} is damaged: ${(error as Error).message}; ${DAMAGED_FILE_ADVICE}`,
          { cause: error },
        );
      }
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  history(entry: EventHistoryEntry): StoredHistory {
    const key = historyKey(entry.uri, entry.match);
    let log = this.#histories.get(key);
    if (log === undefined) {
      // An entry the store was not opened with (a realm added later): empty, persisted from now.
      log = new PersistentHistory(key, entry.limit, (history, event) => this.#append(history, event));
      this.#histories.set(key, log);
    }
    return { log, subscriptionId: this.#subscriptionIds.get(key) };
  }

  rememberSubscription(entry: EventHistoryEntry, id: Id): void {
    if (this.#refuseClosed()) return;
    const key = historyKey(entry.uri, entry.match);
    this.#subscriptionIds.set(key, id);
    this.#write(() => this.#meta.put(['subscription', key], id));
  }

  durable(): Promise<void> | undefined {
    const failure = this.#failure;
    if (failure !== undefined) {
      this.#failure = undefined;
      return Promise.reject(failure);
    }
    return this.#pending;
  }

  /**
   * The replay-protection state of signed HTTP requests to bridge paths of this realm
   * (web/request-signature.ts), kept across restarts.
   */
  get nonces(): NonceStore {
    if (this.#nonces === undefined) throw new RealmStoreError('the realm store is not loaded');
    return this.#nonces;
  }

  /** Bytes the records are counted at, and the budget they must stay under. */
  get usage(): { used: number; budget: number; records: number } {
    return { used: this.#used, budget: this.#budget, records: this.#ages.size };
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      try {
        await this.#env.flushed;
        await this.#env.close();
      } finally {
        await this.#lock.release();
      }
    })();
    return this.#closed;
  }

  async #load(options: LmdbRealmStoreOptions): Promise<void> {
    const format = this.#meta.get('format') as { format?: unknown; version?: unknown; realm?: unknown } | undefined;
    if (format === undefined) {
      await this.#meta.put('format', { format: FORMAT, version: FORMAT_VERSION, realm: options.realm });
    } else if (format.format !== FORMAT || format.version !== FORMAT_VERSION) {
      throw new RealmStoreError(
        `realm store file ${this.file} has format ${String(format.format)} version ${String(format.version)}; this node reads ${FORMAT} version ${FORMAT_VERSION}`,
      );
    } else if (format.realm !== options.realm) {
      throw new RealmStoreError(
        `realm store file ${this.file} belongs to realm '${String(format.realm)}', not '${options.realm}'; give each realm its own "path"`,
      );
    }
    this.#nonces = new LmdbNonceStore({
      env: this.#env,
      db: this.#noncesDb,
      sync: options.sync,
      max: maxNoncesFor(options.maxsize),
      file: this.file,
      logger: this.#logger,
      now: Date.now(),
    });
    for (const entry of options.histories) this.history(entry);
    for (const { key, value } of this.#meta.getRange({ start: ['subscription'], end: ['subscription', '\uffff'] })) {
      const [, historyName] = key as [string, string];
      if (typeof value === 'number') this.#subscriptionIds.set(historyName, value);
    }

    // Histories and retained topics, merged in sequence order so that eviction takes the oldest.
    const loaded: { seq: number; apply: () => void }[] = [];
    const stale: number[] = [];
    for (const { key: seq, value } of this.#events.getRange()) {
      const record = decodeOrRefuse(() => decodeHistoryRecord(value), `history record ${seq}`, this.file);
      const history = this.#histories.get(record.history);
      if (history === undefined) {
        stale.push(seq);
        continue;
      }
      const cost = costOf(value.length + 8, this.#pageSize());
      loaded.push({ seq, apply: () => this.#place(history, { seq, cost, event: record.event }) });
    }
    for (const { key: topic, value } of this.#retainedDb.getRange()) {
      const record = decodeOrRefuse(() => decodeRetainedRecord(topic, value), `retained topic '${topic}'`, this.file);
      const cost = costOf(value.length + Buffer.byteLength(topic), this.#pageSize());
      loaded.push({
        seq: record.seq,
        apply: () => {
          this.#memoryRetained.restore(topic, record.events);
          this.#retainedSeq.set(topic, record.seq);
          this.#ages.set(record.seq, { topic, cost });
          this.#used += cost;
        },
      });
    }
    loaded.sort((a, b) => a.seq - b.seq);
    for (const item of loaded) item.apply();
    this.#seq = loaded.length === 0 ? 0 : (loaded[loaded.length - 1] as { seq: number }).seq;
    for (const seq of stale) this.#write(() => this.#events.remove(seq));
    // The maxsize may have shrunk since the last run.
    this.#evict();
    await this.#pending;
    this.#logger.info(
      {
        file: this.file,
        realm: options.realm,
        histories: this.#histories.size,
        historyEvents: [...this.#histories.values()].reduce((n, h) => n + h.size, 0),
        retainedTopics: this.#memoryRetained.topicCount,
        signedRequestNonces: this.#nonces.size,
        dropped: stale.length,
      },
      'realm store opened',
    );
  }

  /** Puts a numbered event at the end of its history; one that falls out is deleted. */
  #place(history: PersistentHistory, numbered: NumberedEvent): void {
    const dropped = history.push(numbered);
    this.#ages.set(numbered.seq, { history, cost: numbered.cost });
    this.#used += numbered.cost;
    if (dropped !== undefined) {
      this.#ages.delete(dropped.seq);
      this.#used -= dropped.cost;
      this.#write(() => this.#events.remove(dropped.seq));
    }
  }

  #append(history: PersistentHistory, event: StoredEvent): void {
    if (this.#refuseClosed()) return;
    let bytes: Uint8Array;
    try {
      bytes = encodeHistoryRecord(history.key, event);
    } catch (error) {
      this.#fail(error, `history event on '${event.topic}' cannot be stored`);
      return;
    }
    const cost = costOf(bytes.length + 8, this.#pageSize());
    if (cost > this.#budget) {
      this.#fail(
        undefined,
        `history event on '${event.topic}' (${bytes.length} bytes) exceeds the realm store's maxsize`,
      );
      return;
    }
    const seq = ++this.#seq;
    if (!this.#write(() => this.#events.put(seq, bytes))) return;
    this.#place(history, { seq, cost, event });
    this.#afterWrite();
  }

  #retain(event: RetainedEvent): void {
    if (this.#refuseClosed()) return;
    const memory = this.#memoryRetained;
    memory.retain(event);
    const { topic } = event;
    const events = memory.eventsOf(topic) ?? [];
    const seq = ++this.#seq;
    let bytes: Uint8Array;
    try {
      bytes = encodeRetainedRecord(seq, events);
    } catch (error) {
      // Memory and disk must agree: the topic falls back to what the disk has, nothing.
      this.#forgetTopic(topic);
      this.#fail(error, `retained event on '${topic}' cannot be stored`);
      return;
    }
    const cost = costOf(bytes.length + Buffer.byteLength(topic), this.#pageSize());
    if (cost > this.#budget) {
      this.#forgetTopic(topic);
      this.#fail(undefined, `retained event on '${topic}' (${bytes.length} bytes) exceeds the realm store's maxsize`);
      return;
    }
    const previous = this.#retainedSeq.get(topic);
    if (previous !== undefined) {
      this.#used -= this.#ages.get(previous)?.cost ?? 0;
      this.#ages.delete(previous);
    }
    this.#retainedSeq.set(topic, seq);
    this.#ages.set(seq, { topic, cost });
    this.#used += cost;
    if (!this.#write(() => this.#retainedDb.put(topic, bytes))) {
      // Memory and disk must agree: what the disk could not take is not served either.
      this.#forgetTopic(topic);
      return;
    }
    this.#afterWrite();
  }

  #forgetTopic(topic: string): void {
    this.#memoryRetained.forget(topic);
    const seq = this.#retainedSeq.get(topic);
    if (seq === undefined) return;
    this.#retainedSeq.delete(topic);
    this.#used -= this.#ages.get(seq)?.cost ?? 0;
    this.#ages.delete(seq);
    this.#write(() => this.#retainedDb.remove(topic));
  }

  /**
   * Queues a write. One that lmdb refuses at once (a topic longer than an LMDB key may be) fails
   * like a write that failed on disk: the publisher gets ERROR, the router goes on.
   * @returns whether it was queued.
   */
  #write(operation: () => Promise<unknown>): boolean {
    try {
      this.#track(operation());
      return true;
    } catch (error) {
      this.#fail(error, `realm store write refused: ${(error as Error).message}`);
      return false;
    }
  }

  /** A publication routed while the node stops, after the store closed, is not kept (and not acknowledged). */
  #refuseClosed(): boolean {
    if (this.#closed === undefined) return false;
    this.#fail(undefined, 'the realm store is closed (the node is stopping)');
    return true;
  }

  #fail(cause: unknown, message: string): void {
    const error = new RealmStoreError(message, { cause });
    this.#logger.warn({ file: this.file, err: cause }, message);
    this.#failure = error;
    // Only the publication being handled now may get this error (the broker asks right after
    // it); a publication that does not ask (a testament) must not leave it to the next one.
    queueMicrotask(() => {
      if (this.#failure === error) this.#failure = undefined;
    });
  }

  #afterWrite(): void {
    if (++this.#writes % HIGH_WATER_CHECK_EVERY === 0) this.#checkHighWater();
    this.#evict();
  }

  /**
   * The estimate of LMDB's overhead can be short (many deletions leave half-empty pages): when
   * the file's high-water mark nears `maxsize`, the budget shrinks to what is counted now, less
   * a tenth, so eviction frees pages for LMDB to reuse before the file has to grow.
   */
  #checkHighWater(): void {
    const stats = this.#env.getStats() as { lastPageNumber: number; pageSize: number };
    const fileBytes = (stats.lastPageNumber + 1) * stats.pageSize;
    if (fileBytes > this.#maxsize * 0.85 && this.#used > 0) {
      const budget = Math.floor(Math.min(this.#budget, this.#used) * 0.9);
      this.#logger.warn(
        { file: this.file, fileBytes, maxsize: this.#maxsize, budget },
        'realm store file near its maxsize; keeping less',
      );
      this.#budget = budget;
    }
  }

  /** Drops the oldest records, history events and retained topics alike, until under budget. */
  #evict(): void {
    if (this.#used <= this.#budget) return;
    for (const [seq, aged] of this.#ages) {
      if (this.#used <= this.#budget) break;
      if ('history' in aged) {
        // The oldest record of the store is the oldest of its history: sequence numbers grow.
        aged.history.shift();
        this.#ages.delete(seq);
        this.#used -= aged.cost;
        this.#write(() => this.#events.remove(seq));
        this.evicted.history++;
        this.#unlogged.history++;
      } else {
        this.#forgetTopic(aged.topic);
        this.evicted.retained++;
        this.#unlogged.retained++;
      }
    }
    const now = Date.now();
    if (now - this.#lastEvictionLog >= EVICTION_LOG_INTERVAL_MS) {
      this.#lastEvictionLog = now;
      this.#logger.warn(
        {
          file: this.file,
          maxsize: this.#maxsize,
          evictedHistoryEvents: this.#unlogged.history,
          evictedRetainedTopics: this.#unlogged.retained,
          totalEvicted: { ...this.evicted },
        },
        'realm store full: oldest history events and retained events evicted',
      );
      this.#unlogged = { history: 0, retained: 0 };
    }
  }

  #pageSize(): number {
    this.#pageBytes ??= (this.#env.getStats() as { pageSize: number }).pageSize;
    return this.#pageBytes;
  }

  /** Makes `write` the commit that {@link durable} answers with until it settles. */
  #track(write: Promise<unknown>): void {
    // lmdb returns one promise for all writes of a turn: wrap each batch once.
    if (write === this.#lastRaw) return;
    this.#lastRaw = write;
    // lmdb resolves a write on its commit (lmdb then restores that transaction after a killed
    // process); with `sync`, the flush to disk is awaited as well (`flushed` follows the commit).
    const done = this.#sync ? write.then(() => this.#env.flushed) : write;
    const pending: Promise<void> = done.then(
      () => {
        if (this.#pending === pending) this.#pending = undefined;
      },
      (error: unknown) => {
        if (this.#pending === pending) this.#pending = undefined;
        this.#logger.error({ file: this.file, err: error }, 'realm store write failed');
        throw new RealmStoreError(`realm store write to ${this.file} failed: ${(error as Error).message}`, {
          cause: error,
        });
      },
    );
    // Whoever awaits it handles the error; the store itself has logged it.
    pending.catch(() => {});
    this.#pending = pending;
  }
}

/** What a record takes in LMDB: inline in a leaf page, or its own overflow pages when large. */
function costOf(bytes: number, pageSize: number): number {
  const inlineMax = pageSize / 2 - 64;
  if (bytes <= inlineMax) return bytes + RECORD_OVERHEAD;
  return Math.ceil((bytes + RECORD_OVERHEAD) / pageSize) * pageSize;
}

function decodeOrRefuse<T>(decode: () => T, what: string, file: string): T {
  try {
    return decode();
  } catch (error) {
    throw new RealmStoreError(
      `realm store file ${file} is damaged: cannot read ${what}: ${(error as Error).message}; ${DAMAGED_FILE_ADVICE}`,
      {
        cause: error,
      },
    );
  }
}
