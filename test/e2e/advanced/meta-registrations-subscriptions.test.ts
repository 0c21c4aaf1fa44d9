/**
 * The registration and subscription meta APIs (advanced "Registration Meta API",
 * "Subscription Meta API") and registration revocation, through the real node, read with
 * `session.meta`.
 */
import type { Session } from '@interchange/client';
import { describe, expect, it } from 'vitest';
import { eventually, useNodeWithSessions } from '../support/advanced-sessions.js';

const { open } = useNodeWithSessions();

describe('registration meta API', () => {
  it('lists, looks up, matches and describes registrations and their callees', async () => {
    const [a, b, observer] = (await open(3)) as [Session, Session, Session];
    const exact = await a.register('com.e2e.meta.add', () => 1, { invoke: 'roundrobin' });
    await b.register('com.e2e.meta.add', () => 2, { invoke: 'roundrobin' });
    const prefix = await a.register('com.e2e.meta.', () => 3, { match: 'prefix' });
    const { registrations } = observer.meta;
    const lists = await registrations.list();
    expect(lists.exact).toContain(exact.id);
    expect(lists.prefix).toContain(prefix.id);
    expect(await registrations.list(a.id)).toMatchObject({ exact: [exact.id], prefix: [prefix.id], wildcard: [] });
    expect(await registrations.lookup('com.e2e.meta.add')).toBe(exact.id);
    expect(await registrations.lookup('com.e2e.meta.', { match: 'prefix' })).toBe(prefix.id);
    expect(await registrations.lookup('com.e2e.meta.nothing')).toBeUndefined();
    expect(await registrations.match('com.e2e.meta.sub')).toBe(prefix.id);
    expect(await registrations.match('com.e2e.other')).toBeUndefined();
    expect(await registrations.get(exact.id)).toMatchObject({
      id: exact.id,
      uri: 'com.e2e.meta.add',
      match: 'exact',
      invoke: 'roundrobin',
    });
    expect(await registrations.listCallees(exact.id)).toEqual([a.id, b.id]);
    expect(await registrations.countCallees(exact.id)).toBe(2);
  });

  it('answers wamp.error.no_such_registration for unknown IDs', async () => {
    const [observer] = (await open(1)) as [Session];
    for (const ask of [
      () => observer.meta.registrations.get(987654321),
      () => observer.meta.registrations.listCallees(987654321),
      () => observer.meta.registrations.countCallees(987654321),
    ]) {
      await expect(ask()).rejects.toMatchObject({ uri: 'wamp.error.no_such_registration' });
    }
    expect(observer.isOpen).toBe(true);
  });

  it('publishes on_create, on_register, on_unregister and on_delete', async () => {
    const [callee, observer] = (await open(2)) as [Session, Session];
    const seen: unknown[] = [];
    await observer.meta.on(
      'wamp.registration.on_create',
      ({ session, registration }) => void seen.push(['create', session, registration.uri]),
    );
    for (const topic of [
      'wamp.registration.on_register',
      'wamp.registration.on_unregister',
      'wamp.registration.on_delete',
    ] as const) {
      await observer.meta.on(topic, ({ session, id }) => void seen.push([topic.split('.on_')[1], session, id]));
    }
    const registration = await callee.register('com.e2e.meta.lifecycle', () => 1);
    await registration.unregister();
    await eventually(() => seen.length === 4);
    expect(seen).toEqual([
      ['create', callee.id, 'com.e2e.meta.lifecycle'],
      ['register', callee.id, registration.id],
      ['unregister', callee.id, registration.id],
      ['delete', callee.id, registration.id],
    ]);
  });

  it('revokes a callee with remove_callee: its registration ends as revoked, and calls stop reaching it', async () => {
    const [callee, admin] = (await open(2)) as [Session, Session];
    const registration = await callee.register('com.e2e.meta.revoked', () => 'here');
    await admin.meta.registrations.removeCallee(registration.id, callee.id as number, 'com.e2e.maintenance');
    expect(await registration.ended).toEqual({ how: 'revoked', reason: 'com.e2e.maintenance' });
    await expect(admin.call('com.e2e.meta.revoked')).rejects.toMatchObject({ uri: 'wamp.error.no_such_procedure' });
    expect(callee.isOpen).toBe(true);
  });
});

describe('subscription meta API', () => {
  it('lists, looks up, matches and describes subscriptions and their subscribers', async () => {
    const [a, b, observer] = (await open(3)) as [Session, Session, Session];
    const exact = await a.subscribe('com.e2e.meta.topic', () => {});
    await b.subscribe('com.e2e.meta.topic', () => {});
    const wildcard = await a.subscribe('com.e2e..topic', () => {}, { match: 'wildcard' });
    const { subscriptions } = observer.meta;
    expect(await subscriptions.list(a.id)).toMatchObject({ exact: [exact.id], prefix: [], wildcard: [wildcard.id] });
    expect(await subscriptions.lookup('com.e2e.meta.topic')).toBe(exact.id);
    expect(await subscriptions.lookup('com.e2e..topic', { match: 'wildcard' })).toBe(wildcard.id);
    expect(new Set(await subscriptions.match('com.e2e.meta.topic'))).toEqual(new Set([exact.id, wildcard.id]));
    expect(await subscriptions.match('com.e2e.nobody.listens')).toEqual([]);
    expect(await subscriptions.get(exact.id)).toMatchObject({
      id: exact.id,
      uri: 'com.e2e.meta.topic',
      match: 'exact',
    });
    expect(new Set(await subscriptions.listSubscribers(exact.id))).toEqual(new Set([a.id, b.id]));
    expect(await subscriptions.countSubscribers(exact.id)).toBe(2);
  });

  it('answers wamp.error.no_such_subscription for unknown IDs', async () => {
    const [observer] = (await open(1)) as [Session];
    await expect(observer.meta.subscriptions.get(987654321)).rejects.toMatchObject({
      uri: 'wamp.error.no_such_subscription',
    });
    await expect(observer.meta.subscriptions.countSubscribers(987654321)).rejects.toMatchObject({
      uri: 'wamp.error.no_such_subscription',
    });
  });

  it('publishes on_create, on_subscribe, on_unsubscribe and on_delete', async () => {
    const [subscriber, observer] = (await open(2)) as [Session, Session];
    const seen: unknown[] = [];
    await observer.meta.on(
      'wamp.subscription.on_create',
      ({ session, subscription }) => void seen.push(['create', session, subscription.uri]),
    );
    for (const topic of [
      'wamp.subscription.on_subscribe',
      'wamp.subscription.on_unsubscribe',
      'wamp.subscription.on_delete',
    ] as const) {
      await observer.meta.on(topic, ({ session, id }) => void seen.push([topic.split('.on_')[1], session, id]));
    }
    const subscription = await subscriber.subscribe('com.e2e.meta.watched', () => {});
    await subscription.unsubscribe();
    await eventually(() => seen.length === 4);
    expect(seen).toEqual([
      ['create', subscriber.id, 'com.e2e.meta.watched'],
      ['subscribe', subscriber.id, subscription.id],
      ['unsubscribe', subscriber.id, subscription.id],
      ['delete', subscriber.id, subscription.id],
    ]);
  });
});
