import type { KV } from '@nats-io/kv';
import type { Logger } from '../logger.js';
import { type BucketWatch, watchBucket } from './bucket-watch.js';
import type { ClusterRealmConnection } from './cluster-realm-link.js';
import { subjectToken } from './subject-tokens.js';

/**
 * The cluster's retained events as this node reads them: the `<name>_retained` bucket holds the
 * newest retained publication of each topic, keyed by realm token first. Each one read goes to
 * its realm's broker, or waits for the realm to be attached.
 */
export class RetainedSync {
  readonly #kv: KV;
  readonly #links: ReadonlyMap<string, ClusterRealmConnection>;
  /** The realms given at start, by name; any realm may come when empty. */
  readonly #realms: readonly string[];
  readonly #logger: Logger;
  /** Retained publications read before their realm was attached, by key. */
  readonly #pending = new Map<string, Uint8Array>();
  #watcher: BucketWatch | undefined;

  constructor(kv: KV, links: ReadonlyMap<string, ClusterRealmConnection>, realms: readonly string[], logger: Logger) {
    this.#kv = kv;
    this.#links = links;
    this.#realms = realms;
    this.#logger = logger;
  }

  /** Hands a newly attached realm the retained events read for it meanwhile. */
  replay(realm: string, link: ClusterRealmConnection): void {
    const prefix = `${subjectToken(realm)}.`;
    for (const [key, data] of this.#pending) {
      if (!key.startsWith(prefix)) continue;
      this.#pending.delete(key);
      link.pubsub.retained(data);
    }
  }

  /** Keeps `envelope` as the retained event under `key` (a NATS operation, to be tracked). */
  put(key: string, envelope: Uint8Array): Promise<unknown> {
    return this.#kv.put(key, envelope);
  }

  /** Watches the bucket (again); resolves once the retained events present at start are read. */
  async watch(): Promise<void> {
    this.#watcher?.stop();
    this.#watcher = await watchBucket(
      this.#kv,
      (entry) => {
        if (entry.operation !== 'PUT') return;
        const realmToken = entry.key.slice(0, entry.key.indexOf('.'));
        const link = [...this.#links.entries()].find(([name]) => subjectToken(name) === realmToken)?.[1];
        if (link !== undefined) link.pubsub.retained(entry.value);
        else if (this.#expects(realmToken)) this.#pending.set(entry.key, entry.value);
      },
      { logger: this.#logger, what: 'retained events' },
    );
  }

  /** Stops watching. */
  stop(): void {
    this.#watcher?.stop();
  }

  /**
   * Whether a realm not attached yet may still be: one of the realms given at start, or any
   * when none were given. Retained events of realms this node does not serve are not kept.
   */
  #expects(realmToken: string): boolean {
    return this.#realms.length === 0 || this.#realms.some((name) => subjectToken(name) === realmToken);
  }
}
