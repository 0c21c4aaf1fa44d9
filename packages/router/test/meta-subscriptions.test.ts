import { ErrorUri, type MessageOf } from '@interchange/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Router } from '../src/router.js';
import { expectCleanTraffic, FakeClock, join, type TestClient } from './harness.js';
import { callMeta, eventArgs, metaErrorUri, metaResult } from './meta-helpers.js';

let router: Router;
let clock: FakeClock;

beforeEach(() => {
  clock = new FakeClock();
  clock.advance(Date.UTC(2025, 0, 2, 3, 4, 5, 678));
  router = new Router({ clock, realms: [{ name: 'realm1' }] });
});
afterEach(expectCleanTraffic);

/** A session subscribed to the four subscription meta events. */
function metaWatcher(watcher: TestClient = join(router)): TestClient {
  for (const event of ['on_create', 'on_subscribe', 'on_unsubscribe', 'on_delete'])
    watcher.subscribe(`wamp.subscription.${event}`);
  return watcher;
}

/** The meta events a watcher got, as `[event name, args]`, named through the subscription IDs of `ids`. */
function metaEvents(watcher: TestClient, ids: Map<number, string>): [string | undefined, unknown[]][] {
  return (watcher.take() as MessageOf<'EVENT'>[]).map((event) => [ids.get(event.subscription), event.args ?? []]);
}

/** Subscription ID to meta event name, for the subscriptions {@link metaWatcher} made. */
function metaTopicIds(): Map<number, string> {
  const realm = router.realm('realm1');
  const ids = new Map<number, string>();
  for (const event of ['on_create', 'on_subscribe', 'on_unsubscribe', 'on_delete']) {
    const subscription = realm?.broker.lookup(`wamp.subscription.${event}`, 'exact');
    if (subscription !== undefined) ids.set(subscription.id, event);
  }
  return ids;
}

describe('subscription meta events', () => {
  it('fires on_create then on_subscribe for the first subscriber, on_subscribe for the next, after SUBSCRIBED', () => {
    const watcher = metaWatcher();
    const ids = metaTopicIds();
    const first = join(router);
    const requestId = first.nextId();
    first.receive({ type: 'SUBSCRIBE', requestId, options: { match: 'prefix' }, topic: 'com.example.' });
    const subscription = first.takeOne('SUBSCRIBED').subscription;
    expect(metaEvents(watcher, ids)).toEqual([
      [
        'on_create',
        [
          first.sessionId,
          { id: subscription, created: '2025-01-02T03:04:05.678Z', uri: 'com.example.', match: 'prefix' },
        ],
      ],
      ['on_subscribe', [first.sessionId, subscription]],
    ]);
    const second = join(router);
    second.subscribe('com.example.', { match: 'prefix' });
    second.subscribe('com.example.', { match: 'prefix' });
    expect(metaEvents(watcher, ids)).toEqual([['on_subscribe', [second.sessionId, subscription]]]);
  });

  it('fires on_unsubscribe, and on_delete after the last one, on UNSUBSCRIBE and on leaving', () => {
    const a = join(router);
    const b = join(router);
    const subscription = a.subscribe('com.example.topic');
    b.subscribe('com.example.topic');
    const watcher = metaWatcher();
    const ids = metaTopicIds();
    a.receive({ type: 'UNSUBSCRIBE', requestId: a.nextId(), subscription });
    expect(a.takeOne('UNSUBSCRIBED').type).toBe('UNSUBSCRIBED');
    expect(metaEvents(watcher, ids)).toEqual([['on_unsubscribe', [a.sessionId, subscription]]]);
    b.connection.transportClosed();
    expect(metaEvents(watcher, ids)).toEqual([
      ['on_unsubscribe', [b.sessionId, subscription]],
      ['on_delete', [b.sessionId, subscription]],
    ]);
  });

  it('raises no meta events for subscriptions to the meta topics themselves', () => {
    const watcher = metaWatcher();
    join(router).subscribe('wamp.session.on_join');
    expect(watcher.take()).toEqual([]);
  });

  it('does not send a leaving session the meta events of its own departure', () => {
    const leaving = join(router);
    leaving.subscribe('com.example.topic');
    metaWatcher(leaving);
    const other = metaWatcher();
    const ids = metaTopicIds();
    leaving.receive({ type: 'GOODBYE', details: {}, reason: 'wamp.close.close_realm' });
    expect(leaving.take().map((m) => m.type)).toEqual(['GOODBYE']);
    expect(metaEvents(other, ids).map(([name]) => name)).toEqual(['on_unsubscribe', 'on_delete']);
  });
});

describe('subscription meta procedures', () => {
  it('lists, looks up, matches and describes subscriptions, hiding the meta topics', async () => {
    const subscriber = join(router);
    const exact = subscriber.subscribe('com.a.b');
    const prefix = subscriber.subscribe('com.a', { match: 'prefix' });
    const wildcard = subscriber.subscribe('com..b', { match: 'wildcard' });
    subscriber.subscribe('wamp.session.on_join');
    const caller = join(router);
    expect(await metaResult(caller, 'wamp.subscription.list')).toEqual([
      { exact: [exact], prefix: [prefix], wildcard: [wildcard] },
    ]);
    expect(await metaResult(caller, 'wamp.subscription.lookup', ['com.a.b'])).toEqual([exact]);
    expect(await metaResult(caller, 'wamp.subscription.lookup', ['com.a', { match: 'prefix' }])).toEqual([prefix]);
    expect(await metaResult(caller, 'wamp.subscription.lookup', ['com.a'])).toEqual([null]);
    expect(await metaResult(caller, 'wamp.subscription.lookup', ['wamp.session.on_join'])).toEqual([null]);
    expect(((await metaResult(caller, 'wamp.subscription.match', ['com.a.b']))[0] as number[]).sort()).toEqual(
      [exact, prefix, wildcard].sort(),
    );
    expect(await metaResult(caller, 'wamp.subscription.match', ['org.none'])).toEqual([null]);
    expect(await metaResult(caller, 'wamp.subscription.get', [wildcard])).toEqual([
      { id: wildcard, created: '2025-01-02T03:04:05.678Z', uri: 'com..b', match: 'wildcard' },
    ]);
  });

  it("lists the subscriptions of one session with Crossbar's session_id argument", async () => {
    const a = join(router);
    const b = join(router);
    const mine = a.subscribe('com.a');
    b.subscribe('com.b');
    expect(await metaResult(b, 'wamp.subscription.list', [a.sessionId])).toEqual([
      { exact: [mine], prefix: [], wildcard: [] },
    ]);
    expect(await metaErrorUri(b, 'wamp.subscription.list', [424242])).toBe('wamp.error.no_such_session');
  });

  it('lists and counts subscribers', async () => {
    const a = join(router);
    const b = join(router);
    const subscription = a.subscribe('com.example.topic');
    b.subscribe('com.example.topic');
    const caller = join(router);
    expect(
      ((await metaResult(caller, 'wamp.subscription.list_subscribers', [subscription]))[0] as number[]).sort(),
    ).toEqual([a.sessionId, b.sessionId].sort());
    expect(await metaResult(caller, 'wamp.subscription.count_subscribers', [subscription])).toEqual([2]);
  });

  it.each([
    'wamp.subscription.get',
    'wamp.subscription.list_subscribers',
    'wamp.subscription.count_subscribers',
    'wamp.subscription.get_events',
  ])('%s answers no_such_subscription for an unknown ID and invalid_argument for a non-ID', async (procedure) => {
    const caller = join(router);
    expect(await metaErrorUri(caller, procedure, [12345])).toBe(ErrorUri.NO_SUCH_SUBSCRIPTION);
    expect(await metaErrorUri(caller, procedure, ['12345'])).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await metaErrorUri(caller, procedure, [])).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await metaErrorUri(caller, procedure, [1.5])).toBe(ErrorUri.INVALID_ARGUMENT);
  });

  it("refuses to describe the subscriptions of the meta topics, except to Crossbar's trusted role", async () => {
    const subscriber = join(router);
    const meta = subscriber.subscribe('wamp.session.on_leave');
    expect(await metaErrorUri(join(router), 'wamp.subscription.get', [meta])).toBe(ErrorUri.NOT_AUTHORIZED);
    const trusted = join(router, 'realm1', { authrole: 'trusted' });
    expect(await metaResult(trusted, 'wamp.subscription.get', [meta])).toEqual([
      expect.objectContaining({ uri: 'wamp.session.on_leave' }),
    ]);
    expect(await metaResult(trusted, 'wamp.subscription.list')).toEqual([{ exact: [meta], prefix: [], wildcard: [] }]);
  });

  it("answers bad arguments with the spec's errors and leaves the subscriptions alone", async () => {
    const subscriber = join(router);
    const subscription = subscriber.subscribe('com.a');
    const caller = join(router);
    expect(await metaErrorUri(caller, 'wamp.subscription.lookup', [42])).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await metaErrorUri(caller, 'wamp.subscription.lookup', ['com.a', { match: 'regex' }])).toBe(
      ErrorUri.INVALID_ARGUMENT,
    );
    expect(await metaErrorUri(caller, 'wamp.subscription.lookup', ['com.a', 'exact'])).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await metaErrorUri(caller, 'wamp.subscription.match', ['com..a'])).toBe(ErrorUri.INVALID_URI);
    expect(await metaErrorUri(caller, 'wamp.subscription.get', [subscription, 2])).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await metaErrorUri(caller, 'wamp.subscription.get', [], { subscription_id: subscription, extra: 1 })).toBe(
      ErrorUri.INVALID_ARGUMENT,
    );
    expect(await metaResult(caller, 'wamp.subscription.get', [], { subscription_id: subscription })).toHaveLength(1);
    join(router).publish('com.a', { args: ['still here'] });
    expect(eventArgs(subscriber.take())).toEqual([['still here']]);
  });

  it('refuses a caller whose role may not call the meta procedures', async () => {
    const guarded = new Router({
      realms: [
        {
          name: 'realm1',
          roles: [
            { name: 'anonymous', permissions: [{ uri: 'com.', match: 'prefix', allow: { subscribe: true } }] },
            { name: 'admin', permissions: [{ uri: 'wamp.subscription.', match: 'prefix', allow: { call: true } }] },
          ],
        },
      ],
    });
    const user = join(guarded);
    user.subscribe('com.a');
    expect(await metaErrorUri(user, 'wamp.subscription.list')).toBe(ErrorUri.NOT_AUTHORIZED);
    const admin = join(guarded, 'realm1', { authrole: 'admin' });
    expect((await metaResult(admin, 'wamp.subscription.list'))[0]).toMatchObject({ exact: [expect.any(Number)] });
  });
});

describe('subscription revocation', () => {
  const revocable = { subscriber: { features: { subscription_revocation: true } }, caller: {} };

  it('removes a subscriber, telling it with UNSUBSCRIBED(0) when it announced subscription_revocation', async () => {
    const subscriber = join(router, 'realm1', { roles: revocable });
    const subscription = subscriber.subscribe('com.example.topic');
    const admin = metaWatcher();
    const ids = metaTopicIds();
    const { reply, others } = await callMeta(
      admin,
      'wamp.subscription.remove_subscriber',
      [subscription, subscriber.sessionId],
      {
        reason: 'no longer authorized',
      },
    );
    expect(reply).toMatchObject({ type: 'RESULT' });
    expect((others as MessageOf<'EVENT'>[]).map((e) => [ids.get(e.subscription), e.args])).toEqual([
      ['on_unsubscribe', [subscriber.sessionId, subscription]],
      ['on_delete', [subscriber.sessionId, subscription]],
    ]);
    expect(subscriber.take()).toEqual([
      { type: 'UNSUBSCRIBED', requestId: 0, details: { subscription, reason: 'no longer authorized' } },
    ]);
    join(router).publish('com.example.topic');
    expect(subscriber.take()).toEqual([]);
  });

  it('removes a subscriber that did not announce the feature without telling it', async () => {
    const subscriber = join(router);
    const subscription = subscriber.subscribe('com.example.topic');
    await metaResult(join(router), 'wamp.subscription.remove_subscriber', [subscription, subscriber.sessionId]);
    expect(subscriber.take()).toEqual([]);
    join(router).publish('com.example.topic');
    expect(subscriber.take()).toEqual([]);
  });

  it("answers unknown sessions, subscriptions and non-subscribers with Crossbar's errors", async () => {
    const subscriber = join(router, 'realm1', { roles: revocable });
    const subscription = subscriber.subscribe('com.example.topic');
    const bystander = join(router);
    const admin = join(router);
    expect(await metaErrorUri(admin, 'wamp.subscription.remove_subscriber', [subscription, 999])).toBe(
      'wamp.error.no_such_session',
    );
    expect(await metaErrorUri(admin, 'wamp.subscription.remove_subscriber', [999, subscriber.sessionId])).toBe(
      ErrorUri.NO_SUCH_SUBSCRIPTION,
    );
    expect(await metaErrorUri(admin, 'wamp.subscription.remove_subscriber', [subscription, bystander.sessionId])).toBe(
      ErrorUri.NO_SUCH_SUBSCRIPTION,
    );
    expect(
      await metaErrorUri(admin, 'wamp.subscription.remove_subscriber', [subscription, subscriber.sessionId], {
        reason: 5,
      }),
    ).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(subscriber.take()).toEqual([]);
    expect(await metaResult(admin, 'wamp.subscription.count_subscribers', [subscription])).toEqual([1]);
  });
});
