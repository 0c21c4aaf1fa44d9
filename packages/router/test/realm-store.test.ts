import { type Id, MessageCode } from '@interchange/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventHistoryEntry } from '../src/broker/event-history.js';
import { MemoryRealmStore, type RealmStore, type StoredHistory } from '../src/realm/realm-store.js';
import { Router } from '../src/router.js';
import { expectCleanTraffic, expectError, join } from './harness.js';

afterEach(expectCleanTraffic);

/** A store whose writes become durable when the test says so, and that remembers history IDs. */
class SlowStore implements RealmStore {
  readonly persistent = true;
  readonly memory = new MemoryRealmStore();
  readonly retained = this.memory.retained;
  readonly remembered = new Map<string, Id>();
  pending: { resolve: () => void; reject: (error: Error) => void; promise: Promise<void> } | undefined;
  known = new Map<string, Id>();

  history(entry: EventHistoryEntry): StoredHistory {
    const log = this.memory.history(entry).log;
    return { log, subscriptionId: this.known.get(entry.uri) };
  }

  rememberSubscription(entry: EventHistoryEntry, id: Id): void {
    this.remembered.set(entry.uri, id);
  }

  /** Every write of the test is pending until {@link commit}. */
  durable(): Promise<void> {
    if (this.pending === undefined) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.pending = { resolve, reject, promise };
    }
    return this.pending.promise;
  }

  async commit(): Promise<void> {
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve();
    await pending?.promise;
  }

  async fail(): Promise<void> {
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(new Error('disk full'));
    await pending?.promise.catch(() => {});
  }

  async close(): Promise<void> {}
}

const STORE = { type: 'memory' as const, 'event-history': [{ uri: 'com.example.log' }] };

describe('realm store seam', () => {
  it('sends PUBLISHED only once the store says the publication is durable, in order', async () => {
    const store = new SlowStore();
    const router = new Router({ realms: [{ name: 'realm1', store: STORE }], realmStore: () => store });
    const publisher = join(router);
    const subscriber = join(router);
    subscriber.subscribe('com.example.log');
    const first = publisher.publish('com.example.log', { options: { acknowledge: true, retain: true }, args: [1] });
    const second = publisher.publish('com.example.log', { options: { acknowledge: true }, args: [2] });
    // Delivered at once; acknowledged only after the commit.
    expect(subscriber.take().map((m) => m.type)).toEqual(['EVENT', 'EVENT']);
    expect(publisher.take()).toEqual([]);
    await store.commit();
    expect(publisher.take()).toMatchObject([
      { type: 'PUBLISHED', requestId: first },
      { type: 'PUBLISHED', requestId: second },
    ]);
  });

  it('answers ERROR wamp.error.unavailable when the store fails to keep the publication', async () => {
    const store = new SlowStore();
    const router = new Router({ realms: [{ name: 'realm1', store: STORE }], realmStore: () => store });
    const publisher = join(router);
    const requestId = publisher.publish('com.example.log', { options: { acknowledge: true }, args: [1] });
    await store.fail();
    expectError(publisher.take()[0], {
      requestType: MessageCode.PUBLISH,
      requestId,
      error: 'wamp.error.unavailable',
    });
  });

  it('gives a configured history the subscription ID the store remembers, and tells it a new one', () => {
    const store = new SlowStore();
    store.known.set('com.example.log', 4242);
    const router = new Router({
      realms: [
        {
          name: 'realm1',
          store: { ...STORE, 'event-history': [{ uri: 'com.example.log' }, { uri: 'com.example.new' }] },
        },
      ],
      realmStore: () => store,
    });
    const broker = router.realm('realm1')?.broker;
    expect(broker?.lookup('com.example.log', 'exact')?.id).toBe(4242);
    const fresh = broker?.lookup('com.example.new', 'exact')?.id;
    expect(fresh).toBeTypeOf('number');
    expect(store.remembered).toEqual(new Map([['com.example.new', fresh]]));
  });

  it('refuses an lmdb store the host did not open', () => {
    expect(() => new Router({ realms: [{ name: 'realm1', store: { type: 'lmdb', path: 'store' } }] })).toThrow(
      /an lmdb store must be opened by the host/,
    );
  });

  it('acknowledges at once with the memory store', () => {
    const router = new Router({ realms: [{ name: 'realm1', store: STORE }] });
    const publisher = join(router);
    const requestId = publisher.publish('com.example.log', { options: { acknowledge: true }, args: [1] });
    expect(publisher.takeOne('PUBLISHED').requestId).toBe(requestId);
  });
});
