import { ErrorUri, MessageCode, type MessageOf, type WampMessage } from '@interchange/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Router } from '../src/router.js';
import { ALL_ROLES, expectAbort, expectCleanTraffic, expectError, join } from './harness.js';

let router: Router;

beforeEach(() => {
  router = new Router({ realms: [{ name: 'realm1' }, { name: 'realm2' }] });
});
afterEach(expectCleanTraffic);

describe('publish and subscribe', () => {
  it('delivers an event from one session to another, payload untouched', () => {
    const subscriber = join(router);
    const subscription = subscriber.subscribe('com.example.topic');
    const publisher = join(router);
    const kwargs = { color: 'orange', sizes: [23, 42, 7], nested: { deep: [null, true] } };
    publisher.publish('com.example.topic', { args: ['Hello, world!', 1.5], kwargs });
    const event = subscriber.takeOne('EVENT');
    expect(event).toEqual({
      type: 'EVENT',
      subscription,
      publication: expect.any(Number),
      details: {},
      args: ['Hello, world!', 1.5],
      kwargs,
    });
    expect(event.kwargs).toBe(kwargs);
    expect(publisher.take()).toEqual([]);
  });

  it('omits args and kwargs from the EVENT when the PUBLISH had none', () => {
    const subscriber = join(router);
    subscriber.subscribe('com.example.topic');
    join(router).publish('com.example.topic');
    const event = subscriber.takeOne('EVENT');
    expect('args' in event).toBe(false);
    expect('kwargs' in event).toBe(false);
  });

  it('never forwards args or kwargs keys that hold undefined or null', () => {
    const subscriber = join(router);
    subscriber.subscribe('com.example.topic');
    const publish = {
      type: 'PUBLISH',
      requestId: 1,
      options: {},
      topic: 'com.example.topic',
      args: null,
      kwargs: undefined,
    };
    join(router).receive(publish as unknown as WampMessage);
    expect(Object.keys(subscriber.takeOne('EVENT')).sort()).toEqual(['details', 'publication', 'subscription', 'type']);
  });

  it('shares one subscription ID, and one EVENT object, among all subscribers of a topic', () => {
    const a = join(router);
    const b = join(router);
    const idA = a.subscribe('com.example.topic');
    const idB = b.subscribe('com.example.topic');
    expect(idA).toBe(idB);
    join(router).publish('com.example.topic', { args: [1] });
    const eventA = a.takeOne('EVENT');
    const eventB = b.takeOne('EVENT');
    expect(eventA).toBe(eventB);
  });

  it('answers a repeated SUBSCRIBE of the same session with the existing subscription ID, and delivers once', () => {
    const subscriber = join(router);
    const first = subscriber.subscribe('com.example.topic');
    expect(subscriber.subscribe('com.example.topic')).toBe(first);
    join(router).publish('com.example.topic');
    expect(subscriber.take()).toHaveLength(1);
  });

  it('gives different topics different subscription IDs', () => {
    const subscriber = join(router);
    expect(subscriber.subscribe('com.example.a')).not.toBe(subscriber.subscribe('com.example.b'));
  });

  it('does not deliver events across realms', () => {
    const subscriber = join(router, 'realm2');
    subscriber.subscribe('com.example.topic');
    join(router, 'realm1').publish('com.example.topic');
    expect(subscriber.take()).toEqual([]);
  });

  it('may subscribe to wamp. topics (meta events live there)', () => {
    const subscriber = join(router);
    expect(subscriber.subscribe('wamp.session.on_join')).toEqual(expect.any(Number));
  });
});

describe('publisher exclusion', () => {
  it('leaves the publisher out by default, even when it is subscribed', () => {
    const publisher = join(router);
    publisher.subscribe('com.example.topic');
    const other = join(router);
    other.subscribe('com.example.topic');
    publisher.publish('com.example.topic', { args: [1] });
    expect(publisher.take()).toEqual([]);
    expect(other.takeOne('EVENT').args).toEqual([1]);
  });

  it('delivers to the publisher too with exclude_me: false', () => {
    const publisher = join(router);
    const subscription = publisher.subscribe('com.example.topic');
    publisher.publish('com.example.topic', { options: { exclude_me: false }, args: ['Hello, world!'] });
    expect(publisher.takeOne('EVENT')).toMatchObject({ subscription, args: ['Hello, world!'] });
  });
});

describe('acknowledgement', () => {
  it('answers PUBLISHED with the publication ID of the events when acknowledge is true', () => {
    const subscriber = join(router);
    subscriber.subscribe('com.example.topic');
    const publisher = join(router);
    const requestId = publisher.publish('com.example.topic', { options: { acknowledge: true } });
    const published = publisher.takeOne('PUBLISHED');
    expect(published.requestId).toBe(requestId);
    expect(subscriber.takeOne('EVENT').publication).toBe(published.publication);
  });

  it('sends PUBLISHED before the EVENT to a publisher that receives its own event, as Crossbar does', () => {
    const publisher = join(router);
    publisher.subscribe('com.example.topic');
    publisher.publish('com.example.topic', { options: { acknowledge: true, exclude_me: false } });
    expect(publisher.take().map((m) => m.type)).toEqual(['PUBLISHED', 'EVENT']);
  });

  it('answers nothing without acknowledge', () => {
    const publisher = join(router);
    publisher.publish('com.example.topic');
    expect(publisher.take()).toEqual([]);
  });

  it('draws a fresh publication ID for each publication', () => {
    const publisher = join(router);
    publisher.publish('com.example.topic', { options: { acknowledge: true } });
    publisher.publish('com.example.topic', { options: { acknowledge: true } });
    const [a, b] = publisher.take() as MessageOf<'PUBLISHED'>[];
    expect(a?.publication).not.toBe(b?.publication);
  });
});

describe('unsubscribe', () => {
  it('answers UNSUBSCRIBED and stops the events for that session only', () => {
    const leaving = join(router);
    const staying = join(router);
    const subscription = leaving.subscribe('com.example.topic');
    staying.subscribe('com.example.topic');
    const requestId = leaving.nextId();
    leaving.receive({ type: 'UNSUBSCRIBE', requestId, subscription });
    expect(leaving.takeOne('UNSUBSCRIBED')).toEqual({ type: 'UNSUBSCRIBED', requestId });
    join(router).publish('com.example.topic');
    expect(leaving.take()).toEqual([]);
    expect(staying.take()).toHaveLength(1);
  });

  it('removes the subscription once its last subscriber is gone', () => {
    const subscriber = join(router);
    const subscription = subscriber.subscribe('com.example.topic');
    subscriber.receive({ type: 'UNSUBSCRIBE', requestId: subscriber.nextId(), subscription });
    expect(router.realm('realm1')?.broker.subscriptionCount).toBe(0);
    expect(router.realm('realm1')?.broker.subscription(subscription)).toBeUndefined();
  });

  it('answers no_such_subscription for an unknown subscription ID', () => {
    const subscriber = join(router);
    const requestId = subscriber.nextId();
    subscriber.receive({ type: 'UNSUBSCRIBE', requestId, subscription: 12345 });
    expectError(subscriber.take()[0], {
      requestType: MessageCode.UNSUBSCRIBE,
      requestId,
      error: ErrorUri.NO_SUCH_SUBSCRIPTION,
    });
  });

  it("answers no_such_subscription for another session's subscription, leaving it intact", () => {
    const owner = join(router);
    const subscription = owner.subscribe('com.example.topic');
    const intruder = join(router);
    const requestId = intruder.nextId();
    intruder.receive({ type: 'UNSUBSCRIBE', requestId, subscription });
    expectError(intruder.take()[0], {
      requestType: MessageCode.UNSUBSCRIBE,
      requestId,
      error: ErrorUri.NO_SUCH_SUBSCRIPTION,
    });
    join(router).publish('com.example.topic');
    expect(owner.take()).toHaveLength(1);
  });

  it('answers no_such_subscription for a second UNSUBSCRIBE', () => {
    const subscriber = join(router);
    const subscription = subscriber.subscribe('com.example.topic');
    subscriber.receive({ type: 'UNSUBSCRIBE', requestId: subscriber.nextId(), subscription });
    subscriber.take();
    const requestId = subscriber.nextId();
    subscriber.receive({ type: 'UNSUBSCRIBE', requestId, subscription });
    expectError(subscriber.take()[0], {
      requestType: MessageCode.UNSUBSCRIBE,
      requestId,
      error: ErrorUri.NO_SUCH_SUBSCRIPTION,
    });
  });
});

describe('invalid URIs', () => {
  it.each(['com.example..topic', 'com.example topic', 'com.#.topic', '.com', 'com.'])(
    'answers SUBSCRIBE to %j with invalid_uri',
    (topic) => {
      const subscriber = join(router);
      const requestId = subscriber.nextId();
      subscriber.receive({ type: 'SUBSCRIBE', requestId, options: {}, topic });
      expectError(subscriber.take()[0], { requestType: MessageCode.SUBSCRIBE, requestId, error: ErrorUri.INVALID_URI });
    },
  );

  it('answers an acknowledged PUBLISH to an invalid topic with invalid_uri', () => {
    const publisher = join(router);
    const requestId = publisher.publish('com..topic', { options: { acknowledge: true } });
    expectError(publisher.take()[0], { requestType: MessageCode.PUBLISH, requestId, error: ErrorUri.INVALID_URI });
  });

  it('drops an unacknowledged PUBLISH to an invalid topic silently', () => {
    const publisher = join(router);
    publisher.publish('com..topic');
    expect(publisher.take()).toEqual([]);
    expect(publisher.peer.closed).toBe(false);
  });

  it.each(['wamp.session.on_join', 'wamp'])(
    'refuses a publication to the reserved topic %j with invalid_uri',
    (topic) => {
      // The publisher joins first: its own joining is a wamp.session.on_join meta event.
      const publisher = join(router);
      const subscriber = join(router);
      subscriber.subscribe('wamp.session.on_join');
      const requestId = publisher.publish(topic, { options: { acknowledge: true } });
      expectError(publisher.take()[0], { requestType: MessageCode.PUBLISH, requestId, error: ErrorUri.INVALID_URI });
      expect(subscriber.take()).toEqual([]);
    },
  );

  it('lets a session of the trusted role publish to a wamp. topic, as Crossbar does', () => {
    const subscriber = join(router);
    subscriber.subscribe('wamp.example.heartbeat');
    subscriber.take();
    const publisher = join(router, 'realm1', { authrole: 'trusted' });
    publisher.publish('wamp.example.heartbeat', { options: { acknowledge: true } });
    expect(publisher.takeOne('PUBLISHED').type).toBe('PUBLISHED');
    expect(subscriber.takeOne('EVENT').type).toBe('EVENT');
  });

  it('accepts topics that merely start with the letters wamp', () => {
    const publisher = join(router);
    publisher.publish('wampum.topic', { options: { acknowledge: true } });
    expect(publisher.takeOne('PUBLISHED').type).toBe('PUBLISHED');
  });
});

describe('pattern-based subscriptions', () => {
  it('delivers to prefix subscribers, by characters, with the concrete topic in details', () => {
    const subscriber = join(router);
    const subscription = subscriber.subscribe('com.myapp.topic.emergency', { match: 'prefix' });
    const publisher = join(router);
    for (const topic of [
      'com.myapp.topic.emergency.11',
      'com.myapp.topic.emergency-low',
      'com.myapp.topic.emergency',
      'com.myapp.topic.emerge',
    ]) {
      publisher.publish(topic, { args: [topic] });
    }
    const events = subscriber.take() as MessageOf<'EVENT'>[];
    expect(events.map((e) => e.details.topic)).toEqual([
      'com.myapp.topic.emergency.11',
      'com.myapp.topic.emergency-low',
      'com.myapp.topic.emergency',
    ]);
    expect(events.every((e) => e.subscription === subscription)).toBe(true);
  });

  it('delivers to wildcard subscribers whose components match', () => {
    const subscriber = join(router);
    subscriber.subscribe('com.myapp..userevent', { match: 'wildcard' });
    const publisher = join(router);
    for (const topic of [
      'com.myapp.foo.userevent',
      'com.myapp.bar.userevent',
      'com.myapp.foo.userevent.bar',
      'com.myapp.foo.user',
      'com.myapp2.foo.userevent',
    ]) {
      publisher.publish(topic);
    }
    const topics = (subscriber.take() as MessageOf<'EVENT'>[]).map((e) => e.details.topic);
    expect(topics).toEqual(['com.myapp.foo.userevent', 'com.myapp.bar.userevent']);
  });

  it('delivers the same publication once per matching subscription', () => {
    const subscriber = join(router);
    const exact = subscriber.subscribe('com.a.b');
    const prefix = subscriber.subscribe('com.a', { match: 'prefix' });
    const wildcard = subscriber.subscribe('com..b', { match: 'wildcard' });
    expect(new Set([exact, prefix, wildcard]).size).toBe(3);
    join(router).publish('com.a.b');
    const events = subscriber.take() as MessageOf<'EVENT'>[];
    expect(events.map((e) => e.subscription).sort()).toEqual([exact, prefix, wildcard].sort());
    expect(new Set(events.map((e) => e.publication)).size).toBe(1);
    expect(events.find((e) => e.subscription === exact)?.details).toEqual({});
  });

  it('finishes a delivery during which a receiver leaves and meta events go out', () => {
    const watcher = join(router);
    watcher.subscribe('wamp.subscription.on_unsubscribe');
    const leaving = join(router);
    leaving.subscribe('com.a.b');
    const stays = join(router);
    const exact = stays.subscribe('com.a.b');
    const prefix = stays.subscribe('com.a', { match: 'prefix' });
    const wildcard = stays.subscribe('com..b', { match: 'wildcard' });
    // The first receiver's transport closes as the event reaches it: the session leaves, and its
    // on_unsubscribe meta event is published in the middle of this publication's delivery.
    const send = leaving.peer.send.bind(leaving.peer);
    leaving.peer.send = (message) => {
      send(message);
      if (message.type === 'EVENT') leaving.connection.transportClosed();
    };
    join(router).publish('com.a.b', { args: [1] });
    expect(leaving.take().map((m) => m.type)).toEqual(['EVENT']);
    const events = stays.take() as MessageOf<'EVENT'>[];
    expect(events.map((e) => e.subscription)).toEqual([exact, prefix, wildcard]);
    expect(events.map((e) => e.details)).toEqual([{}, { topic: 'com.a.b' }, { topic: 'com.a.b' }]);
    expect(watcher.takeOne('EVENT').args?.[0]).toBe(leaving.sessionId);
    // The next publication finds everything in order.
    join(router).publish('com.a.b');
    expect(stays.take()).toHaveLength(3);
    expect(leaving.take()).toEqual([]);
  });

  it('keeps exact and prefix subscriptions to the same URI apart', () => {
    const subscriber = join(router);
    expect(subscriber.subscribe('com.a')).not.toBe(subscriber.subscribe('com.a', { match: 'prefix' }));
  });

  it('answers an unknown match policy with option_not_allowed', () => {
    const subscriber = join(router);
    const requestId = subscriber.nextId();
    subscriber.receive({ type: 'SUBSCRIBE', requestId, options: { match: 'regex' }, topic: 'com.a' });
    expectError(subscriber.take()[0], {
      requestType: MessageCode.SUBSCRIBE,
      requestId,
      error: ErrorUri.OPTION_NOT_ALLOWED,
    });
  });

  it('answers a malformed wildcard pattern with invalid_uri', () => {
    const subscriber = join(router);
    const requestId = subscriber.nextId();
    subscriber.receive({ type: 'SUBSCRIBE', requestId, options: { match: 'wildcard' }, topic: 'com. .b' });
    expectError(subscriber.take()[0], { requestType: MessageCode.SUBSCRIBE, requestId, error: ErrorUri.INVALID_URI });
  });
});

describe('publisher identification', () => {
  it('discloses the publisher when it asks with disclose_me', () => {
    const subscriber = join(router);
    subscriber.subscribe('com.example.topic');
    const publisher = join(router, 'realm1', { authid: 'alice' });
    publisher.publish('com.example.topic', { options: { disclose_me: true } });
    expect(subscriber.takeOne('EVENT').details).toEqual({
      publisher: publisher.sessionId,
      publisher_authid: 'alice',
      publisher_authrole: 'anonymous',
    });
  });

  it('does not disclose the publisher otherwise', () => {
    const subscriber = join(router);
    subscriber.subscribe('com.example.topic');
    join(router).publish('com.example.topic');
    expect(subscriber.takeOne('EVENT').details).toEqual({});
  });
});

describe('subscriber black- and whitelisting', () => {
  function threeSubscribers() {
    const a = join(router, 'realm1', { authid: 'a', authrole: 'staff' });
    const b = join(router, 'realm1', { authid: 'b', authrole: 'manager' });
    const c = join(router, 'realm1', { authid: 'c', authrole: 'staff' });
    for (const s of [a, b, c]) s.subscribe('com.example.topic');
    return { a, b, c };
  }
  const receivers = (clients: Record<string, { take(): unknown[] }>) =>
    Object.entries(clients)
      .filter(([, client]) => client.take().length > 0)
      .map(([name]) => name);

  it('honours exclude (session IDs)', () => {
    const clients = threeSubscribers();
    join(router).publish('com.example.topic', { options: { exclude: [clients.b.sessionId] } });
    expect(receivers(clients)).toEqual(['a', 'c']);
  });

  it('honours eligible (session IDs)', () => {
    const clients = threeSubscribers();
    join(router).publish('com.example.topic', { options: { eligible: [clients.b.sessionId, 42] } });
    expect(receivers(clients)).toEqual(['b']);
  });

  it('honours eligible_authrole combined with exclude_authid', () => {
    const clients = threeSubscribers();
    join(router).publish('com.example.topic', { options: { eligible_authrole: ['staff'], exclude_authid: ['c'] } });
    expect(receivers(clients)).toEqual(['a']);
  });

  it('honours eligible_authid and exclude_authrole', () => {
    const clients = threeSubscribers();
    join(router).publish('com.example.topic', {
      options: { eligible_authid: ['a', 'b'], exclude_authrole: ['manager'] },
    });
    expect(receivers(clients)).toEqual(['a']);
  });

  it('refuses malformed lists with invalid_argument when acknowledged, delivering nothing', () => {
    const clients = threeSubscribers();
    const publisher = join(router);
    const requestId = publisher.publish('com.example.topic', { options: { acknowledge: true, exclude: ['a'] } });
    expectError(publisher.take()[0], { requestType: MessageCode.PUBLISH, requestId, error: ErrorUri.INVALID_ARGUMENT });
    expect(receivers(clients)).toEqual([]);
  });
});

describe('payload passthru', () => {
  const pptRoles = {
    publisher: { features: { payload_passthru_mode: true } },
    subscriber: { features: { payload_passthru_mode: true } },
  };

  it('forwards the opaque payload and its ppt_* attributes untouched', () => {
    const subscriber = join(router, 'realm1', { roles: pptRoles });
    subscriber.subscribe('com.example.topic');
    const publisher = join(router, 'realm1', { roles: pptRoles });
    const payload = new Uint8Array([1, 2, 3]);
    const options = { ppt_scheme: 'x_custom', ppt_serializer: 'cbor', ppt_cipher: 'xsalsa20poly1305', ppt_keyid: 'k1' };
    publisher.receive({ type: 'PUBLISH', requestId: publisher.nextId(), options, topic: 'com.example.topic', payload });
    const event = subscriber.takeOne('EVENT');
    expect(event.payload).toBe(payload);
    expect(event.details).toEqual(options);
    expect('args' in event).toBe(false);
  });

  it('forwards the earlier enc_algo attributes Autobahn|Python uses', () => {
    const roles = { publisher: { features: { payload_transparency: true } }, subscriber: {} };
    const subscriber = join(router, 'realm1', { roles });
    subscriber.subscribe('com.example.topic');
    const publisher = join(router, 'realm1', { roles });
    const options = { enc_algo: 'cryptobox', enc_key: 'key', enc_serializer: 'json' };
    publisher.receive({ type: 'PUBLISH', requestId: 1, options, topic: 'com.example.topic', payload: 'opaque' });
    expect(subscriber.takeOne('EVENT')).toMatchObject({ details: options, payload: 'opaque' });
  });

  it('gives a subscriber of the earlier payload_transparency (Autobahn|Python 22) a spec-form payload bare, with enc_algo', () => {
    const older = join(router, 'realm1', { roles: { subscriber: { features: { payload_transparency: true } } } });
    older.subscribe('com.example.topic');
    const current = join(router, 'realm1', { roles: pptRoles });
    current.subscribe('com.example.topic');
    const publisher = join(router, 'realm1', { roles: pptRoles });
    const bytes = new Uint8Array([1, 2, 3]);
    // The spec's form: one binary item in Arguments|list (as the MQTT bridge publishes passthrough).
    publisher.receive({
      type: 'PUBLISH',
      requestId: publisher.nextId(),
      options: { ppt_scheme: 'mqtt' },
      topic: 'com.example.topic',
      args: [bytes],
    });
    const old = older.takeOne('EVENT');
    expect(old.payload).toBe(bytes);
    expect('args' in old).toBe(false);
    expect(old.details).toEqual({ ppt_scheme: 'mqtt', enc_algo: 'mqtt' });
    const spec = current.takeOne('EVENT');
    expect(spec.args).toEqual([bytes]);
    expect(spec.details).toEqual({ ppt_scheme: 'mqtt' });
  });

  it('aborts a publisher that uses passthru without announcing it', () => {
    const publisher = join(router, 'realm1', { roles: ALL_ROLES });
    publisher.receive({
      type: 'PUBLISH',
      requestId: 1,
      options: { ppt_scheme: 'x_custom' },
      topic: 'com.example.topic',
      payload: 'opaque',
    });
    expectAbort(publisher, ErrorUri.PROTOCOL_VIOLATION);
  });
});

describe('the empty prefix', () => {
  /** Subscribes to the empty prefix; returns the subscription ID and what else came. */
  function watchAll(session: ReturnType<typeof join>): { subscription: number; rest: WampMessage[] } {
    session.receive({ type: 'SUBSCRIBE', requestId: 1, options: { match: 'prefix' }, topic: '' });
    const [subscribed, ...rest] = session.take();
    expect(subscribed?.type).toBe('SUBSCRIBED');
    return { subscription: (subscribed as MessageOf<'SUBSCRIBED'>).subscription, rest };
  }
  const topics = (messages: WampMessage[]) => messages.map((m) => (m as MessageOf<'EVENT'>).details.topic);

  it('subscribes to every topic of the realm, meta events included, as in Crossbar', () => {
    const watcher = join(router);
    const { subscription, rest } = watchAll(watcher);
    // Its own subscription's meta events already match.
    expect(topics(rest)).toEqual(['wamp.subscription.on_create', 'wamp.subscription.on_subscribe']);
    const publisher = join(router);
    publisher.publish('com.example.anything', { args: [1] });
    publisher.publish('org.other', { args: [2] });
    const events = watcher.take() as MessageOf<'EVENT'>[];
    expect(topics(events)).toEqual(['wamp.session.on_join', 'com.example.anything', 'org.other']);
    expect(events.every((e) => e.subscription === subscription)).toBe(true);
    expect(events.slice(1).map((e) => e.args)).toEqual([[1], [2]]);
  });

  it('needs a permission covering the empty prefix itself', () => {
    const guarded = new Router({
      realms: [
        {
          name: 'realm1',
          roles: [
            { name: 'app', permissions: [{ uri: 'com.example.', match: 'prefix', allow: { subscribe: true } }] },
            { name: 'watcher', permissions: [{ uri: '', match: 'prefix', allow: { subscribe: true } }] },
          ],
        },
      ],
    });
    const app = join(guarded, 'realm1', { authrole: 'app' });
    app.receive({ type: 'SUBSCRIBE', requestId: 1, options: { match: 'prefix' }, topic: '' });
    expect(app.takeOne('ERROR').error).toBe(ErrorUri.NOT_AUTHORIZED);
    watchAll(join(guarded, 'realm1', { authrole: 'watcher' }));
  });

  it('is no valid exact or wildcard topic', () => {
    const session = join(router);
    session.receive({ type: 'SUBSCRIBE', requestId: 1, options: { match: 'wildcard' }, topic: '' });
    session.receive({ type: 'SUBSCRIBE', requestId: 2, options: {}, topic: '' });
    expect(session.take().map((m) => (m as MessageOf<'ERROR'>).error)).toEqual([
      ErrorUri.INVALID_URI,
      ErrorUri.INVALID_URI,
    ]);
  });
});
