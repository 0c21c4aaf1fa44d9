import type { MessageOf } from '@interchange/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_LIMITED_RETAINED_EVENTS } from '../src/broker/retained-events.js';
import { Router } from '../src/router.js';
import { expectCleanTraffic, join, type TestClient } from './harness.js';

let router: Router;

beforeEach(() => {
  router = new Router({
    realms: [
      { name: 'realm1' },
      {
        name: 'guarded',
        roles: [
          {
            name: 'anonymous',
            permissions: [
              { uri: 'com.open.', match: 'prefix', allow: { publish: true, subscribe: true } },
              { uri: 'com.closed.', match: 'prefix', allow: { subscribe: true } },
            ],
          },
        ],
      },
    ],
  });
});
afterEach(expectCleanTraffic);

/** Subscribes and returns what came after SUBSCRIBED. */
function subscribeRetained(
  client: TestClient,
  topic: string,
  options: Record<string, unknown> = {},
): { id: number; events: MessageOf<'EVENT'>[] } {
  const requestId = client.nextId();
  client.receive({ type: 'SUBSCRIBE', requestId, options: { get_retained: true, ...options }, topic });
  const [subscribed, ...rest] = client.take();
  expect(subscribed).toMatchObject({ type: 'SUBSCRIBED', requestId });
  expect(rest.every((m) => m.type === 'EVENT')).toBe(true);
  return { id: (subscribed as MessageOf<'SUBSCRIBED'>).subscription, events: rest as MessageOf<'EVENT'>[] };
}

describe('event retention', () => {
  it('announces event_retention in WELCOME', () => {
    expect(join(router).welcome?.details.roles).toMatchObject({ broker: { features: { event_retention: true } } });
  });

  it('delivers the retained event after SUBSCRIBED, marked retained, under a fresh publication ID', () => {
    const publisher = join(router);
    publisher.publish('com.example.temp', {
      options: { retain: true, acknowledge: true },
      args: [21.5],
      kwargs: { unit: 'C' },
    });
    const { publication } = publisher.takeOne('PUBLISHED');
    const late = join(router);
    const { id, events } = subscribeRetained(late, 'com.example.temp');
    expect(events).toEqual([
      {
        type: 'EVENT',
        subscription: id,
        publication: expect.any(Number),
        details: { retained: true },
        args: [21.5],
        kwargs: { unit: 'C' },
        // Router-internal (published with acknowledge; the MQTT bridge's QoS), never encoded.
        acknowledged: true,
      },
    ]);
    expect(events[0]?.publication).not.toBe(publication);
  });

  it('retains on a topic nobody subscribes to, and keeps it after the last subscriber left', () => {
    const first = join(router);
    const subscription = first.subscribe('com.example.temp');
    join(router).publish('com.example.temp', { options: { retain: true }, args: [1] });
    first.take();
    first.receive({ type: 'UNSUBSCRIBE', requestId: first.nextId(), subscription });
    first.take();
    expect(subscribeRetained(join(router), 'com.example.temp').events.map((e) => e.args)).toEqual([[1]]);
  });

  it('keeps only the last retained publication of a topic', () => {
    const publisher = join(router);
    publisher.publish('com.example.temp', { options: { retain: true }, args: [1] });
    publisher.publish('com.example.temp', { options: { retain: true }, args: [2] });
    publisher.publish('com.example.temp', { args: [3] });
    expect(subscribeRetained(join(router), 'com.example.temp').events.map((e) => e.args)).toEqual([[2]]);
  });

  it('sends nothing retained without get_retained, and retains nothing without retain', () => {
    const publisher = join(router);
    publisher.publish('com.example.a', { options: { retain: true }, args: [1] });
    publisher.publish('com.example.b', { args: [1] });
    const late = join(router);
    late.subscribe('com.example.a');
    expect(late.take()).toEqual([]);
    expect(subscribeRetained(late, 'com.example.b').events).toEqual([]);
  });

  it('honours eligibility: a restricted event goes only to those it was for, others get the general one', () => {
    const publisher = join(router);
    publisher.publish('com.example.state', { options: { retain: true }, args: ['for everybody'] });
    publisher.publish('com.example.state', {
      options: { retain: true, eligible_authrole: ['admin'] },
      args: ['for admins'],
    });
    const admin = join(router, 'realm1', { authrole: 'admin' });
    const user = join(router, 'realm1', { authrole: 'user' });
    expect(subscribeRetained(admin, 'com.example.state').events.map((e) => e.args)).toEqual([['for admins']]);
    expect(subscribeRetained(user, 'com.example.state').events.map((e) => e.args)).toEqual([['for everybody']]);
  });

  it('sends nothing to a subscriber excluded from the only retained event', () => {
    const excluded = join(router, 'realm1', { authid: 'mallory' });
    const other = join(router, 'realm1', { authid: 'bob' });
    const publisher = join(router);
    publisher.publish('com.example.state', {
      options: { retain: true, exclude_authid: ['mallory'], exclude: [other.sessionId] },
      args: [1],
    });
    expect(subscribeRetained(excluded, 'com.example.state').events).toEqual([]);
    expect(subscribeRetained(other, 'com.example.state').events).toEqual([]);
    expect(subscribeRetained(join(router), 'com.example.state').events).toHaveLength(1);
  });

  it('leaves the publisher out unless it published with exclude_me false', () => {
    const publisher = join(router);
    publisher.publish('com.example.a', { options: { retain: true }, args: [1] });
    publisher.publish('com.example.b', { options: { retain: true, exclude_me: false }, args: [2] });
    expect(subscribeRetained(publisher, 'com.example.a').events).toEqual([]);
    expect(subscribeRetained(publisher, 'com.example.b').events.map((e) => e.args)).toEqual([[2]]);
  });

  it('keeps the publisher disclosure of the original publication', () => {
    const publisher = join(router, 'realm1', { authid: 'sensor-7' });
    publisher.publish('com.example.temp', { options: { retain: true, disclose_me: true }, args: [20] });
    const [event] = subscribeRetained(join(router), 'com.example.temp').events;
    expect(event?.details).toEqual({
      retained: true,
      publisher: publisher.sessionId,
      publisher_authid: 'sensor-7',
      publisher_authrole: 'anonymous',
    });
  });

  it('gives a pattern subscription the retained event of each matching topic, with the topic', () => {
    const publisher = join(router);
    publisher.publish('com.example.room1.temp', { options: { retain: true }, args: [1] });
    publisher.publish('com.example.room2.temp', { options: { retain: true }, args: [2] });
    publisher.publish('com.example.room2.humidity', { options: { retain: true }, args: [3] });
    const late = join(router);
    const prefix = subscribeRetained(late, 'com.example.room2', { match: 'prefix' });
    expect(prefix.events.map((e) => [e.details.topic, e.args, e.subscription])).toEqual([
      ['com.example.room2.temp', [2], prefix.id],
      ['com.example.room2.humidity', [3], prefix.id],
    ]);
    const wildcard = subscribeRetained(late, 'com.example..temp', { match: 'wildcard' });
    expect(wildcard.events.map((e) => e.details)).toEqual([
      { retained: true, topic: 'com.example.room1.temp' },
      { retained: true, topic: 'com.example.room2.temp' },
    ]);
  });

  it('does not retain a publication that was refused', () => {
    const publisher = join(router, 'guarded');
    publisher.publish('com.closed.topic', { options: { retain: true }, args: [1] });
    publisher.publish('com.open.topic', { options: { retain: true, eligible: ['not-an-id'] }, args: [2] });
    const late = join(router, 'guarded');
    expect(subscribeRetained(late, 'com.open.topic').events).toEqual([]);
    expect(subscribeRetained(late, 'com.closed.topic').events).toEqual([]);
  });

  it('retains a passthru payload untouched with its ppt attributes', () => {
    const roles = {
      publisher: { features: { payload_passthru_mode: true } },
      subscriber: { features: { payload_passthru_mode: true } },
    };
    const publisher = join(router, 'realm1', { roles });
    const payload = new Uint8Array([9, 8, 7]);
    publisher.receive({
      type: 'PUBLISH',
      requestId: publisher.nextId(),
      options: { retain: true, ppt_scheme: 'x_custom', ppt_serializer: 'cbor' },
      topic: 'com.example.secret',
      payload,
    });
    const [event] = subscribeRetained(join(router, 'realm1', { roles }), 'com.example.secret').events;
    expect(event?.payload).toBe(payload);
    expect(event?.details).toEqual({ retained: true, ppt_scheme: 'x_custom', ppt_serializer: 'cbor' });
    expect(event !== undefined && 'args' in event).toBe(false);
  });

  it('bounds the restricted events kept per topic, keeping the general one', () => {
    const publisher = join(router);
    publisher.publish('com.example.state', { options: { retain: true }, args: ['general'] });
    for (let i = 0; i <= MAX_LIMITED_RETAINED_EVENTS; i++) {
      publisher.publish('com.example.state', { options: { retain: true, eligible_authid: [`user-${i}`] }, args: [i] });
    }
    // user-0's event was the oldest restricted one and is gone: user-0 falls back to the general event.
    expect(
      subscribeRetained(join(router, 'realm1', { authid: 'user-0' }), 'com.example.state').events.map((e) => e.args),
    ).toEqual([['general']]);
    expect(
      subscribeRetained(join(router, 'realm1', { authid: 'user-1' }), 'com.example.state').events.map((e) => e.args),
    ).toEqual([[1]]);
  });

  it('delivers retained events again on a repeated SUBSCRIBE, but live events once', () => {
    const publisher = join(router);
    publisher.publish('com.example.temp', { options: { retain: true }, args: [1] });
    const late = join(router);
    const first = subscribeRetained(late, 'com.example.temp');
    const second = subscribeRetained(late, 'com.example.temp');
    expect(second.id).toBe(first.id);
    expect(second.events).toHaveLength(1);
    publisher.publish('com.example.temp', { args: [2] });
    expect(late.take()).toHaveLength(1);
  });
});
