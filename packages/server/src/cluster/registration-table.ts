import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { Logger } from '../logger.js';
import { type BucketWatch, watchBucket } from './bucket-watch.js';
import type { ClusterRealmConnection } from './cluster-realm-link.js';
import type { NodeLiveness } from './node-liveness.js';
import { isClaimKey, type RegistrationClaims } from './registration-claims.js';
import { nodeOfKey, type RegistrationEntry, readEntry } from './registration-entry.js';

/** What {@link RegistrationTable} needs of the cluster it belongs to. */
export interface RegistrationTableOptions {
  /** The `<name>_registrations` bucket. */
  kv: KV;
  /** This node's ID. */
  node: string;
  logger: Logger;
  liveness: NodeLiveness;
  claims: RegistrationClaims;
  /** The attached realms' links, by realm name (read, never changed here). */
  links: ReadonlyMap<string, ClusterRealmConnection>;
  /** Keeps a NATS operation in flight until close, and logs its failure. */
  track(operation: Promise<unknown>): void;
  /** Whether the table can be reached now (not closed, connected to NATS). */
  reachable(): boolean;
  /** How long {@link RegistrationTable.caughtUp} waits at the most (ms). */
  waitMs: number;
}

/**
 * The cluster's registration table as this node sees it (docs/scaling.md): the JetStream
 * key-value bucket every node watches. Keeps the other nodes' entries (replayed to realms
 * attached later) and this node's own (written back if another node deleted them), applies the
 * watched changes to the realms' dealers, and tells when this node has caught up with a revision.
 */
export class RegistrationTable {
  readonly #options: RegistrationTableOptions;
  /** Other nodes' table entries, by key (replayed to realms attached later). */
  readonly #entries = new Map<string, RegistrationEntry>();
  /** This node's own table entries, by key (written back if another node deleted them). */
  readonly #own = new Map<string, object>();
  /** The newest registration-table revision this node has applied. */
  #revision = 0;
  /** Waiting for the table watch to reach a revision ({@link caughtUp}). */
  readonly #revisionWaiters = new Set<{ revision: number; resolve: () => void }>();
  #watcher: BucketWatch | undefined;

  constructor(options: RegistrationTableOptions) {
    this.#options = options;
  }

  /** Hands a newly attached realm the other nodes' entries of that realm. */
  replay(realm: string, link: ClusterRealmConnection): void {
    for (const [key, entry] of this.#entries) if (entry.realm === realm) link.tablePut(key, entry);
  }

  /**
   * Watches the registration table; resolves once the entries present at start are read, with
   * the keys that were present.
   */
  async watch(): Promise<Set<string>> {
    const present = new Set<string>();
    this.#watcher = await watchBucket(
      this.#options.kv,
      (entry, initial) => {
        if (initial && entry.operation === 'PUT') present.add(entry.key);
        this.#event(entry);
        this.#applied(entry.revision);
      },
      { logger: this.#options.logger, what: 'registration table' },
    );
    return present;
  }

  /** Stops watching. */
  stop(): void {
    this.#watcher?.stop();
  }

  /**
   * After a reconnect: writes this node's entries again, and reads the table afresh, forgetting
   * entries that are gone (the links dropped their mirrors when the connection was lost).
   */
  async resync(settled: () => Promise<unknown>): Promise<void> {
    const { kv, claims, links, track } = this.#options;
    for (const [key, value] of this.#own) track(kv.put(key, JSON.stringify(value)));
    await settled();
    await claims.rewriteAll();
    this.#watcher?.stop();
    // A restarted NATS numbers the table's revisions from 1 again.
    this.#revision = 0;
    const before = [...this.#entries.keys()];
    this.#entries.clear();
    const present = await this.watch();
    for (const key of before) {
      if (!present.has(key)) for (const link of links.values()) link.tableDelete(key);
    }
  }

  /** Deletes this node's own entries (leaving the cluster). */
  deleteOwn(): Promise<unknown>[] {
    const own = [...this.#own.keys()];
    this.#own.clear();
    return own.map((key) => this.#options.kv.delete(key));
  }

  /** Writes one of this node's entries; resolves once written (or failed: it is tracked). */
  put(key: string, value: object): Promise<void> {
    const json = JSON.stringify(value);
    const own = this.#own.get(key);
    // Written already when the REGISTER was admitted (see registration-admission.ts).
    if (own !== undefined && JSON.stringify(own) === json) return Promise.resolve();
    this.#own.set(key, value);
    const put = this.#options.kv.put(key, json);
    this.#options.track(put);
    return put.then(
      () => undefined,
      () => undefined,
    );
  }

  /** Deletes one of this node's entries; resolves once deleted (or failed: it is tracked). */
  delete(key: string): Promise<void> | undefined {
    if (!this.#own.delete(key)) return undefined;
    const deleted = this.#options.kv.delete(key);
    this.#options.track(deleted);
    return deleted.then(
      () => undefined,
      () => undefined,
    );
  }

  /** Forgets a dead node's entries, deleting them from the table unless `closed`. */
  nodeDead(node: string, closed: boolean): void {
    for (const [key, entry] of [...this.#entries]) {
      if (entry.node !== node) continue;
      this.#entries.delete(key);
      // Every node that notices deletes; deleting twice is harmless.
      if (!closed) this.#options.track(this.#options.kv.delete(key));
    }
  }

  /**
   * Resolves once this node has applied every registration-table change NATS had stored when it
   * was called (or after `waitMs`): a registration whose REGISTERED went out before is then in
   * this node's dealer. One JetStream request; nothing more when already caught up.
   */
  async caughtUp(): Promise<void> {
    // Cut off from NATS, the other nodes' registrations are not reachable anyway: answer now.
    if (!this.#options.reachable()) return;
    const status = await this.#options.kv.status();
    const revision = status.streamInfo.state.last_seq;
    if (revision <= this.#revision) return;
    await new Promise<void>((resolve) => {
      const waiter = {
        revision,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#revisionWaiters.delete(waiter);
        resolve();
      }, this.#options.waitMs);
      this.#revisionWaiters.add(waiter);
    });
  }

  /** The table watch applied `revision`: wakes whoever waits for it. */
  #applied(revision: number): void {
    if (revision > this.#revision) this.#revision = revision;
    for (const waiter of this.#revisionWaiters) {
      if (waiter.revision > this.#revision) continue;
      this.#revisionWaiters.delete(waiter);
      waiter.resolve();
    }
  }

  #event(entry: KvWatchEntry): void {
    const { kv, node: self, claims, links, liveness, logger, track } = this.#options;
    if (isClaimKey(entry.key)) {
      claims.watched(entry);
      return;
    }
    const node = nodeOfKey(entry.key);
    if (node === undefined) return;
    if (entry.operation !== 'PUT') {
      if (node === self) {
        // Another node took this node for dead while it was not: write back what still exists.
        const own = this.#own.get(entry.key);
        if (own !== undefined) track(kv.put(entry.key, JSON.stringify(own)));
        return;
      }
      const known = this.#entries.get(entry.key);
      if (known === undefined) return;
      this.#entries.delete(entry.key);
      links.get(known.realm)?.tableDelete(entry.key);
      return;
    }
    if (node === self) {
      // Left over from an earlier process with this node ID.
      if (!this.#own.has(entry.key)) track(kv.delete(entry.key));
      return;
    }
    let value: RegistrationEntry | undefined;
    try {
      value = readEntry(entry.json());
    } catch {
      value = undefined;
    }
    if (value === undefined || value.node !== node) {
      logger.warn({ key: entry.key }, 'malformed registration table entry ignored');
      return;
    }
    liveness.seen(node);
    this.#entries.set(entry.key, value);
    links.get(value.realm)?.tablePut(entry.key, value);
  }
}
