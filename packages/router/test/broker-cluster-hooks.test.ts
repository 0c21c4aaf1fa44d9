/**
 * The broker's cluster hooks (cluster-backend.ts) with a fake backend: a SUBSCRIBE waits until
 * the backend says the subscription reaches the other nodes (SUBSCRIBED only after, every check
 * again, the backend's hold released after), a session that leaves meanwhile gets nothing and
 * the hold is released; without the hook, or when the backend answers at once, SUBSCRIBED comes
 * in the same turn. A realm asks the backend for its store before its broker exists.
 */
import type { MatchPolicyValue } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import type { BrokerClusterHooks, ClusterBackend } from '../src/cluster-backend.js';
import { MemoryRealmStore, type RealmStore } from '../src/realm/realm-store.js';
import { Router } from '../src/router.js';
import { client } from './dealer-fixtures.js';

const flush = () => new Promise((resolve) => setImmediate(resolve));

class FakeCluster implements ClusterBackend {
  readonly waiting: { topic: string; match: string; ready: () => void }[] = [];
  readonly released: string[] = [];
  /** Topics whose subscription reaches the other nodes already (answered at once). */
  readonly effective = new Set<string>();
  readonly stores: string[] = [];

  realmStore(config: { name: string }, store: RealmStore): RealmStore | undefined {
    this.stores.push(config.name);
    return store;
  }

  attachRealm(realm: Parameters<ClusterBackend['attachRealm']>[0]) {
    const hooks: BrokerClusterHooks = {
      published: () => undefined,
      metaEvent: () => undefined,
      subscriptionCreated: () => undefined,
      subscriptionDeleted: () => undefined,
      subscribing: (topic: string, match: MatchPolicyValue) => {
        if (this.effective.has(topic)) return undefined;
        return new Promise<() => void>((resolve) => {
          this.waiting.push({ topic, match, ready: () => resolve(() => void this.released.push(topic)) });
        });
      },
    };
    realm.broker.setClusterHooks(hooks);
    return { sessionLeft: () => undefined };
  }
}

function setup() {
  const cluster = new FakeCluster();
  const router = new Router({ realms: [{ name: 'realm1' }], cluster });
  return { cluster, router };
}

describe('a SUBSCRIBE on a cluster node', () => {
  it('is answered SUBSCRIBED only once the cluster is ready, then the hold is released', async () => {
    const { cluster, router } = setup();
    const subscriber = client(router);
    subscriber.receive({ type: 'SUBSCRIBE', requestId: 1, options: { match: 'prefix' }, topic: 'com.x.' });
    expect(subscriber.take()).toEqual([]);
    expect(cluster.waiting.map(({ topic, match }) => [topic, match])).toEqual([['com.x.', 'prefix']]);
    cluster.waiting[0]?.ready();
    await flush();
    expect(subscriber.take()).toEqual([expect.objectContaining({ type: 'SUBSCRIBED', requestId: 1 })]);
    expect(cluster.released).toEqual(['com.x.']);
    expect(router.realm('realm1')?.broker.lookup('com.x.', 'prefix')?.subscribers.size).toBe(1);
  });

  it('is answered at once when the cluster says the subscription is effective already', () => {
    const { cluster, router } = setup();
    cluster.effective.add('com.x.t');
    const subscriber = client(router);
    subscriber.receive({ type: 'SUBSCRIBE', requestId: 1, options: {}, topic: 'com.x.t' });
    expect(subscriber.take()).toEqual([expect.objectContaining({ type: 'SUBSCRIBED', requestId: 1 })]);
  });

  it('refuses without asking the cluster when this node refuses', () => {
    const { cluster, router } = setup();
    const subscriber = client(router);
    subscriber.receive({ type: 'SUBSCRIBE', requestId: 1, options: {}, topic: 'com..bad' });
    expect(subscriber.take()).toEqual([expect.objectContaining({ type: 'ERROR', error: 'wamp.error.invalid_uri' })]);
    expect(cluster.waiting).toEqual([]);
  });

  it('drops the SUBSCRIBE of a session that left meanwhile, and releases the hold', async () => {
    const { cluster, router } = setup();
    const subscriber = client(router);
    subscriber.receive({ type: 'SUBSCRIBE', requestId: 1, options: {}, topic: 'com.x.t' });
    subscriber.connection.transportClosed();
    cluster.waiting[0]?.ready();
    await flush();
    expect(cluster.released).toEqual(['com.x.t']);
    expect(router.realm('realm1')?.broker.lookup('com.x.t', 'exact')).toBeUndefined();
  });
});

describe('a realm on a cluster node', () => {
  it('asks the backend for its store before its broker exists', () => {
    const { cluster } = setup();
    expect(cluster.stores).toEqual(['realm1']);
  });

  it('uses the store the backend answers', () => {
    const store = new MemoryRealmStore();
    const backend: ClusterBackend = {
      attachRealm: () => undefined,
      realmStore: () => ({
        persistent: store.persistent,
        retained: store.retained,
        history: (entry) => ({ log: store.history(entry).log, subscriptionId: 4242 }),
        rememberSubscription: () => undefined,
        durable: () => undefined,
        close: async () => undefined,
      }),
    };
    const router = new Router({
      realms: [{ name: 'realm1', store: { type: 'memory', 'event-history': [{ uri: 'com.x.log' }] } }],
      cluster: backend,
    });
    expect(router.realm('realm1')?.broker.lookup('com.x.log', 'exact')?.id).toBe(4242);
  });
});

describe('the history entry of a publication from another node', () => {
  it('carries what a receiver of that subscription gets, and leaves out publications naming sessions', () => {
    const router = new Router({
      realms: [{ name: 'realm1', store: { type: 'memory', 'event-history': [{ uri: 'com.x.', match: 'prefix' }] } }],
    });
    const broker = router.realm('realm1')?.broker;
    const id = broker?.lookup('com.x.', 'prefix')?.id as number;
    const publisher = { id: 7, authid: 'joe', authrole: 'anonymous' };
    const entry = broker?.historyEventFromCluster(
      id,
      publisher,
      'com.x.y',
      { disclose_me: true },
      { args: [1] },
      99,
      5,
    );
    expect(entry).toMatchObject({
      time: 5,
      publication: 99,
      topic: 'com.x.y',
      details: { topic: 'com.x.y', publisher: 7, publisher_authid: 'joe' },
      payload: { args: [1] },
    });
    expect(broker?.historyEventFromCluster(id, publisher, 'com.x.y', { exclude: [3] }, {}, 100, 5)).toBeUndefined();
    expect(broker?.historyEventFromCluster(id, undefined, 'com.x.z', {}, { args: ['meta'] }, 101, 5)).toMatchObject({
      details: { topic: 'com.x.z' },
      payload: { args: ['meta'] },
    });
  });
});
