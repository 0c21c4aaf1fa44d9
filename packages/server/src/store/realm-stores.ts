/**
 * The persistent realm stores of a node: one {@link LmdbRealmStore} per realm whose `store` is
 * of type `lmdb`, opened before the routers (which read them at start) and closed after them.
 */
import { eventHistoryEntries, type RealmConfig, type RealmStore } from '@interchange/router';
import type { NodeConfig } from '../config/config-schema.js';
import { storeOf } from '../config/router-config.js';
import { DEFAULT_STORE_MAXSIZE, isPersistentStore } from '../config/store-keys.js';
import { resolveInCbdir } from '../config/validate-config.js';
import type { Logger } from '../logger.js';
import type { NonceStore } from '../web/nonce-store.js';
import { LmdbRealmStore } from './lmdb-realm-store.js';

/** The open stores, by router worker index and realm name. */
export class RealmStores {
  readonly #stores = new Map<string, LmdbRealmStore>();

  private constructor() {}

  /**
   * Opens the store of every realm that configures one; if one fails, those opened are closed.
   * @throws RealmStoreError naming the file or directory that cannot be used.
   */
  static async open(config: NodeConfig, cbdir: string, logger: Logger): Promise<RealmStores> {
    const stores = new RealmStores();
    try {
      for (const [w, worker] of config.workers.entries()) {
        if (worker.type !== 'router') continue;
        for (const realm of worker.realms) {
          const { store } = realm;
          if (store === undefined || !isPersistentStore(store.type) || store.path === undefined) continue;
          const opened = await LmdbRealmStore.open({
            directory: resolveInCbdir(cbdir, store.path),
            maxsize: store.maxsize ?? DEFAULT_STORE_MAXSIZE,
            sync: store.sync ?? true,
            realm: realm.name,
            histories: eventHistoryEntries(storeOf(store)),
            logger,
          });
          stores.#stores.set(key(w, realm.name), opened);
        }
      }
    } catch (error) {
      await stores.close();
      throw error;
    }
    return stores;
  }

  /** The `realmStore` option of the router of worker `w`. */
  forWorker(w: number): (realm: RealmConfig) => RealmStore | undefined {
    return (realm) => this.#stores.get(key(w, realm.name));
  }

  /** The nonce store of signed bridge requests to realm `realm` of worker `w`, if its store is persistent. */
  noncesOf(w: number, realm: string): NonceStore | undefined {
    return this.#stores.get(key(w, realm))?.nonces;
  }

  /** Flushes and closes every store, releasing their locks. */
  async close(): Promise<void> {
    const stores = [...this.#stores.values()];
    this.#stores.clear();
    await Promise.all(stores.map((store) => store.close()));
  }
}

function key(worker: number, realm: string): string {
  return `${worker}\u0000${realm}`;
}
