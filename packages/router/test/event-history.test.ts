import { ErrorUri, InvalidArgumentError } from '@interchange/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RealmConfig, StoreConfig } from '../src/realm/realm-config.js';
import { Router } from '../src/router.js';
import { expectCleanTraffic, FakeClock, join, type TestClient } from './harness.js';
import { metaErrorUri, metaResult } from './meta-helpers.js';

const START = Date.UTC(2025, 5, 1, 12, 0, 0, 0);
const store: StoreConfig = {
  type: 'memory',
  limit: 5,
  'event-history': [
    { uri: 'com.example.log', limit: 3 },
    { uri: 'com.example.audit.', match: 'prefix' },
  ],
};

let router: Router;
let clock: FakeClock;

beforeEach(() => {
  clock = new FakeClock();
  clock.advance(START);
  router = new Router({
    clock,
    realms: [
      { name: 'realm1', store },
      {
        name: 'guarded',
        store: { type: 'memory', 'event-history': [{ uri: 'com.secret.log' }, { uri: 'com.public.log' }] },
        roles: [
          {
            name: 'anonymous',
            permissions: [
              { uri: 'com.', match: 'prefix', allow: { publish: true } },
              { uri: 'com.public.', match: 'prefix', allow: { publish: true, subscribe: true } },
              { uri: 'wamp.subscription.', match: 'prefix', allow: { call: true } },
            ],
          },
        ],
      },
    ],
  });
});
afterEach(expectCleanTraffic);

/** The ID of the history subscription of a topic, found through the meta API. */
async function historyId(caller: TestClient, topic: string, match = 'exact'): Promise<number> {
  const [id] = await metaResult(caller, 'wamp.subscription.lookup', [topic, { match }]);
  expect(id).toEqual(expect.any(Number));
  return id as number;
}

/** Publishes `n` events to `topic`, one second apart, args [0], [1], ... */
function publishSeries(publisher: TestClient, topic: string, n: number): void {
  for (let i = 0; i < n; i++) {
    publisher.publish(topic, { args: [i] });
    clock.advance(1000);
  }
}

const argsOf = (events: unknown[]) => (events[0] as { args: unknown[] }[]).map((event) => event.args[0]);

describe('event history', () => {
  it('announces event_history in WELCOME', () => {
    expect(join(router).welcome?.details.roles).toMatchObject({ broker: { features: { event_history: true } } });
  });

  it("keeps events of a configured topic before anyone subscribes, in the spec's result shape", async () => {
    const publisher = join(router);
    publisher.publish('com.example.log', { args: ['boot'], kwargs: { level: 'info' }, options: { acknowledge: true } });
    const { publication } = publisher.takeOne('PUBLISHED');
    const caller = join(router);
    const id = await historyId(caller, 'com.example.log');
    expect(await metaResult(caller, 'wamp.subscription.get_events', [id])).toEqual([
      [
        {
          timestamp: '2025-06-01T12:00:00.000Z',
          subscription: id,
          publication,
          details: {},
          args: ['boot'],
          kwargs: { level: 'info' },
        },
      ],
    ]);
  });

  it("answers Crossbar's get_events(subscription, limit) with the newest events, newest first", async () => {
    publishSeries(join(router), 'com.example.log', 3);
    const caller = join(router);
    const id = await historyId(caller, 'com.example.log');
    expect(argsOf(await metaResult(caller, 'wamp.subscription.get_events', [id, 2]))).toEqual([2, 1]);
  });

  it('keeps only the configured number of events per subscription', async () => {
    publishSeries(join(router), 'com.example.log', 7);
    const caller = join(router);
    const id = await historyId(caller, 'com.example.log');
    expect(argsOf(await metaResult(caller, 'wamp.subscription.get_events', [id]))).toEqual([4, 5, 6]);
    // The prefix entry has no limit of its own and takes the store's (5).
    publishSeries(join(router), 'com.example.audit.login', 7);
    const audit = await historyId(caller, 'com.example.audit.', 'prefix');
    expect(argsOf(await metaResult(caller, 'wamp.subscription.get_events', [audit]))).toEqual([2, 3, 4, 5, 6]);
  });

  it("answers the spec's keyword form in order of occurrence, or reversed, with limit", async () => {
    publishSeries(join(router), 'com.example.log', 3);
    const caller = join(router);
    const id = await historyId(caller, 'com.example.log');
    expect(argsOf(await metaResult(caller, 'wamp.subscription.get_events', [id], { limit: 2 }))).toEqual([0, 1]);
    expect(argsOf(await metaResult(caller, 'wamp.subscription.get_events', [id], { limit: 2, reverse: true }))).toEqual(
      [2, 1],
    );
  });

  it('filters by time, topic and publication, all conditions together', async () => {
    const publisher = join(router);
    for (const [i, topic] of [
      'com.example.audit.a',
      'com.example.audit.b',
      'com.example.audit.a',
      'com.example.audit.a',
    ].entries()) {
      publisher.publish(topic, { args: [i], options: { acknowledge: true } });
      clock.advance(1000);
    }
    const publications = publisher.take().map((m) => (m as { publication: number }).publication);
    const caller = join(router);
    const id = await historyId(caller, 'com.example.audit.', 'prefix');
    const at = (seconds: number) => new Date(START + seconds * 1000).toISOString();
    const query = async (kwargs: Record<string, unknown>) =>
      argsOf(await metaResult(caller, 'wamp.subscription.get_events', [id], kwargs));
    expect(await query({ from_time: at(1) })).toEqual([1, 2, 3]);
    expect(await query({ after_time: at(1) })).toEqual([2, 3]);
    expect(await query({ before_time: at(2) })).toEqual([0, 1]);
    expect(await query({ until_time: at(2), from_time: at(1) })).toEqual([1, 2]);
    expect(await query({ topic: 'com.example.audit.a' })).toEqual([0, 2, 3]);
    expect(await query({ from_publication: publications[1] })).toEqual([1, 2, 3]);
    expect(await query({ after_publication: publications[1], topic: 'com.example.audit.a' })).toEqual([2, 3]);
    expect(await query({ before_publication: publications[2] })).toEqual([0, 1]);
    expect(await query({ until_publication: publications[2], reverse: true, limit: 2 })).toEqual([2, 1]);
    expect(await query({ from_time: '2025-06-01T14:00:00+02:00' })).toEqual([0, 1, 2, 3]);
    const [events] = await metaResult(caller, 'wamp.subscription.get_events', [id], { limit: 1 });
    expect(events).toEqual([expect.objectContaining({ details: { topic: 'com.example.audit.a' } })]);
  });

  it('refuses malformed and oversize queries with invalid_argument, and stays usable', async () => {
    publishSeries(join(router), 'com.example.log', 2);
    const caller = join(router);
    const id = await historyId(caller, 'com.example.log');
    const refused = async (args: unknown[], kwargs?: Record<string, unknown>) =>
      metaErrorUri(caller, 'wamp.subscription.get_events', [id, ...args], kwargs);
    for (const limit of [4, 0, -1, 1.5, '2', true])
      expect(await refused([limit]), `limit ${String(limit)}`).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await refused([], { limit: 4 })).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await refused([2], { limit: 2 })).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await refused([2, 3])).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await refused([], { reverse: 'yes' })).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await refused([], { from_time: 'yesterday' })).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await refused([], { from_time: 1717243200000 })).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await refused([], { topic: 'com..x' })).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await refused([], { after_publication: 'x' })).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await refused([], { after_publication: 77 })).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await refused([], { page: 2 })).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(argsOf(await metaResult(caller, 'wamp.subscription.get_events', [id, 3]))).toEqual([1, 0]);
  });

  it('answers history_unavailable for a subscription without history', async () => {
    const subscriber = join(router);
    const subscription = subscriber.subscribe('com.example.other');
    expect(await metaErrorUri(join(router), 'wamp.subscription.get_events', [subscription])).toBe(
      'wamp.error.history_unavailable',
    );
  });

  it('keeps a history subscription, and its ID, when its subscribers come and go, without on_create or on_delete', async () => {
    const watcher = join(router);
    for (const event of ['on_create', 'on_delete']) watcher.subscribe(`wamp.subscription.${event}`);
    const caller = join(router);
    const id = await historyId(caller, 'com.example.log');
    const subscriber = join(router);
    expect(subscriber.subscribe('com.example.log')).toBe(id);
    subscriber.receive({ type: 'UNSUBSCRIBE', requestId: subscriber.nextId(), subscription: id });
    subscriber.take();
    expect(await historyId(caller, 'com.example.log')).toBe(id);
    expect(watcher.take()).toEqual([]);
    join(router).publish('com.example.log', { args: ['kept'] });
    expect(argsOf(await metaResult(caller, 'wamp.subscription.get_events', [id]))).toEqual(['kept']);
  });

  it('does not keep publications with session-based black- or whitelists', async () => {
    const publisher = join(router);
    const other = join(router);
    publisher.publish('com.example.log', { args: ['excluded'], options: { exclude: [other.sessionId] } });
    publisher.publish('com.example.log', { args: ['eligible'], options: { eligible: [other.sessionId] } });
    publisher.publish('com.example.log', { args: ['kept'] });
    const id = await historyId(other, 'com.example.log');
    expect(argsOf(await metaResult(other, 'wamp.subscription.get_events', [id]))).toEqual(['kept']);
  });

  it('applies authid and authrole black- and whitelists to whoever asks', async () => {
    const publisher = join(router);
    publisher.publish('com.example.log', { args: ['admins'], options: { eligible_authrole: ['admin'] } });
    publisher.publish('com.example.log', { args: ['not bob'], options: { exclude_authid: ['bob'] } });
    const admin = join(router, 'realm1', { authrole: 'admin', authid: 'bob' });
    const user = join(router, 'realm1', { authrole: 'user', authid: 'carol' });
    const id = await historyId(user, 'com.example.log');
    expect(argsOf(await metaResult(admin, 'wamp.subscription.get_events', [id]))).toEqual(['admins']);
    expect(argsOf(await metaResult(user, 'wamp.subscription.get_events', [id]))).toEqual(['not bob']);
  });

  it('refuses the history to a caller that may not subscribe to the topic', async () => {
    const publisher = join(router, 'guarded');
    publisher.publish('com.secret.log', { args: [1] });
    publisher.publish('com.public.log', { args: [2] });
    const caller = join(router, 'guarded');
    const secret = await historyId(caller, 'com.secret.log');
    const open = await historyId(caller, 'com.public.log');
    expect(await metaErrorUri(caller, 'wamp.subscription.get_events', [secret])).toBe(ErrorUri.NOT_AUTHORIZED);
    expect(argsOf(await metaResult(caller, 'wamp.subscription.get_events', [open]))).toEqual([2]);
  });

  it.each<[string, StoreConfig]>([
    ['an unknown store type', { type: 'lmdb' as 'memory' }],
    ['an unknown match policy', { type: 'memory', 'event-history': [{ uri: 'com.a', match: 'regex' as 'exact' }] }],
    ['an invalid URI', { type: 'memory', 'event-history': [{ uri: 'com..a' }] }],
    ['a zero limit', { type: 'memory', 'event-history': [{ uri: 'com.a', limit: 0 }] }],
    ['a fractional store limit', { type: 'memory', limit: 2.5 }],
  ])('refuses a store config with %s', (_name, bad) => {
    const realm: RealmConfig = { name: 'realm1', store: bad };
    expect(() => new Router({ realms: [realm] })).toThrow(InvalidArgumentError);
  });
});
