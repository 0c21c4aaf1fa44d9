import { InvalidArgumentError, messageToArray } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import type { Event } from '../src/index.js';
import { subscribed } from './helpers/acknowledge.js';
import { flush } from './helpers/fake-clock.js';
import { FULL_ROUTER_ROLES, joinedSession } from './helpers/fake-router.js';

describe('subscribe options of the advanced profile', () => {
  it('sends match and get_retained, and marks retained events', async () => {
    const { session, router } = await joinedSession();
    const events: Event[] = [];
    const pending = session.subscribe('com.example.sensor..temp', (e) => void events.push(e), {
      match: 'wildcard',
      get_retained: true,
    });
    const subscribe = await router.next('SUBSCRIBE');
    expect(messageToArray(subscribe)).toEqual([
      32,
      1,
      { match: 'wildcard', get_retained: true },
      'com.example.sensor..temp',
    ]);
    router.send({ type: 'SUBSCRIBED', requestId: subscribe.requestId, subscription: 500 });
    await pending;
    router.send({
      type: 'EVENT',
      subscription: 500,
      publication: 1,
      details: { topic: 'com.example.sensor.kitchen.temp', retained: true },
      args: [21.5],
    });
    router.send({
      type: 'EVENT',
      subscription: 500,
      publication: 2,
      details: { topic: 'com.example.sensor.hall.temp' },
      args: [19],
    });
    await flush();
    expect(events.map((e) => [e.topic, e.retained, e.args[0]])).toEqual([
      ['com.example.sensor.kitchen.temp', true, 21.5],
      ['com.example.sensor.hall.temp', false, 19],
    ]);
  });

  it('exposes the disclosed publisher session, authid and authrole', async () => {
    const { session, router } = await joinedSession();
    const events: Event[] = [];
    await subscribed(
      router,
      session.subscribe('com.example.t', (e) => void events.push(e)),
    );
    router.send({
      type: 'EVENT',
      subscription: 500,
      publication: 1,
      details: { publisher: 31, publisher_authid: 'bob', publisher_authrole: 'sensor' },
    });
    await flush();
    expect(events[0]).toMatchObject({ publisher: 31, publisherAuthid: 'bob', publisherAuthrole: 'sensor' });
  });

  it('resolves ended with revoked and the reason when the broker revokes the subscription', async () => {
    const { session, router } = await joinedSession();
    const subscription = await subscribed(
      router,
      session.subscribe('com.example.t', () => {}),
    );
    router.send({ type: 'UNSUBSCRIBED', requestId: 0, details: { subscription: 500, reason: 'com.example.kicked' } });
    expect(await subscription.ended).toEqual({ how: 'revoked', reason: 'com.example.kicked' });
    expect(subscription.active).toBe(false);
  });

  it('resolves ended with local on unsubscribe, and session-closed when the session ends', async () => {
    const { session, router } = await joinedSession();
    const local = await subscribed(
      router,
      session.subscribe('com.example.a', () => {}),
      500,
    );
    const other = await subscribed(
      router,
      session.subscribe('com.example.b', () => {}),
      501,
    );
    const done = local.unsubscribe();
    const unsubscribe = await router.next('UNSUBSCRIBE');
    router.send({ type: 'UNSUBSCRIBED', requestId: unsubscribe.requestId });
    await done;
    expect(await local.ended).toEqual({ how: 'local', reason: undefined });
    router.end.close();
    expect(await other.ended).toEqual({ how: 'session-closed', reason: undefined });
  });
});

describe('publish options of the advanced profile', () => {
  it('sends black- and whitelists, disclose_me and retain as PUBLISH.Options', async () => {
    const { session, router } = await joinedSession();
    await session.publish('com.example.t', ['x'], {
      exclude: [11],
      exclude_authid: ['mallory'],
      exclude_authrole: ['guest'],
      eligible: [12, 13],
      eligible_authid: ['alice'],
      eligible_authrole: ['user'],
      disclose_me: true,
      retain: true,
      exclude_me: false,
    });
    const publish = await router.next('PUBLISH');
    expect(publish.options).toEqual({
      exclude: [11],
      exclude_authid: ['mallory'],
      exclude_authrole: ['guest'],
      eligible: [12, 13],
      eligible_authid: ['alice'],
      eligible_authrole: ['user'],
      disclose_me: true,
      retain: true,
      exclude_me: false,
    });
  });

  it('refuses malformed lists at once', async () => {
    const { session, router } = await joinedSession();
    expect(() => session.publish('com.example.t', [], { exclude: ['11'] as never })).toThrow(InvalidArgumentError);
    expect(() => session.publish('com.example.t', [], { eligible: [0] })).toThrow(InvalidArgumentError);
    expect(() => session.publish('com.example.t', [], { eligible_authid: 'alice' as never })).toThrow(
      InvalidArgumentError,
    );
    await flush();
    expect(router.unread()).toEqual([]);
  });
});

describe('payload passthru on publish and events (advanced "Payload Passthru Mode")', () => {
  const payload = new Uint8Array([1, 2, 3, 4]);

  it('publishes the payload with the ppt_* options, and delivers a passthru event untouched', async () => {
    const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    await session.publish('com.example.mqtt', [payload], { ppt_scheme: 'mqtt', ppt_serializer: 'mqtt' });
    const publish = await router.next('PUBLISH');
    expect(publish.options).toEqual({ ppt_scheme: 'mqtt', ppt_serializer: 'mqtt' });
    expect(publish.args).toEqual([payload]);

    const events: Event[] = [];
    await subscribed(
      router,
      session.subscribe('com.example.mqtt', (e) => void events.push(e)),
    );
    router.send({
      type: 'EVENT',
      subscription: 500,
      publication: 1,
      details: { ppt_scheme: 'mqtt', ppt_serializer: 'mqtt' },
      payload,
    });
    await flush();
    expect(events[0]?.args).toEqual([payload]);
    expect(events[0]?.passthru).toEqual({ ppt_scheme: 'mqtt', ppt_serializer: 'mqtt' });
  });

  it('rejects with feature_not_supported, sending nothing, when the broker did not announce passthru', async () => {
    const { session, router } = await joinedSession({}, { roles: { dealer: {}, broker: { features: {} } } });
    await expect(session.publish('com.example.mqtt', [payload], { ppt_scheme: 'mqtt' })).rejects.toMatchObject({
      uri: 'wamp.error.feature_not_supported',
    });
    await flush();
    expect(router.unread()).toEqual([]);
  });

  it('refuses a passthru publication that is not one binary argument', async () => {
    const { session } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    expect(() => session.publish('com.example.mqtt', [payload, payload], { ppt_scheme: 'mqtt' })).toThrow(
      InvalidArgumentError,
    );
    expect(() => session.publish('com.example.mqtt', [payload], { ppt_scheme: 'mqtt', kwargs: { a: 1 } })).toThrow(
      InvalidArgumentError,
    );
  });
});
