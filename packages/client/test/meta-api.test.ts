import { type Dict, InvalidArgumentError, messageToArray, ProtocolViolationError } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import type { Session } from '../src/index.js';
import { flush } from './helpers/fake-clock.js';
import { type FakeRouter, joinedSession } from './helpers/fake-router.js';

/** Runs one meta call: checks the CALL the client sent, answers with `result`, returns what the helper resolved to. */
async function metaCall<T>(
  router: FakeRouter,
  pending: Promise<T>,
  expected: unknown[],
  result: { args?: unknown[]; kwargs?: Dict },
): Promise<T> {
  const call = await router.next('CALL');
  expect(messageToArray(call).slice(2)).toEqual(expected);
  router.send({ type: 'RESULT', requestId: call.requestId, details: {}, ...result });
  return pending;
}

describe('session.meta.sessions', () => {
  it('calls the session meta procedures with the spec arguments and types their results', async () => {
    const { session, router } = await joinedSession();
    const { sessions } = session.meta;
    expect(await metaCall(router, sessions.count(), [{}, 'wamp.session.count'], { args: [3] })).toBe(3);
    expect(
      await metaCall(router, sessions.count(['user']), [{}, 'wamp.session.count', [['user']]], { args: [1] }),
    ).toBe(1);
    expect(await metaCall(router, sessions.list(), [{}, 'wamp.session.list'], { args: [[1, 2]] })).toEqual([1, 2]);
    const info = {
      session: 2,
      authid: 'alice',
      authrole: 'user',
      authmethod: 'ticket',
      transport: { type: 'websocket' },
    };
    expect(await metaCall(router, sessions.get(2), [{}, 'wamp.session.get', [2]], { args: [info] })).toEqual(info);
    await metaCall(
      router,
      sessions.kill(2, { reason: 'com.example.bye', message: 'go' }),
      [{}, 'wamp.session.kill', [2], { reason: 'com.example.bye', message: 'go' }],
      {},
    );
    expect(
      await metaCall(router, sessions.killByAuthid('alice'), [{}, 'wamp.session.kill_by_authid', ['alice']], {
        args: [[5, 6]],
      }),
    ).toEqual([5, 6]);
    expect(
      await metaCall(router, sessions.killByAuthrole('guest'), [{}, 'wamp.session.kill_by_authrole', ['guest']], {
        args: [4],
      }),
    ).toBe(4);
    expect(
      await metaCall(
        router,
        sessions.killAll({ message: 'maintenance' }),
        [{}, 'wamp.session.kill_all', [], { message: 'maintenance' }],
        { args: [7] },
      ),
    ).toBe(7);
  });

  it("rejects with the router's ApplicationError, e.g. an unknown session", async () => {
    const { session, router } = await joinedSession();
    const pending = session.meta.sessions.get(999);
    const call = await router.next('CALL');
    router.send({
      type: 'ERROR',
      requestType: 48,
      requestId: call.requestId,
      details: {},
      error: 'wamp.error.no_such_session',
    });
    await expect(pending).rejects.toMatchObject({ uri: 'wamp.error.no_such_session' });
  });

  it('rejects with ProtocolViolationError when a result does not have the spec shape', async () => {
    const { session, router } = await joinedSession();
    const pending = session.meta.sessions.count();
    const call = await router.next('CALL');
    router.send({ type: 'RESULT', requestId: call.requestId, details: {}, args: ['three'] });
    await expect(pending).rejects.toBeInstanceOf(ProtocolViolationError);
  });
});

describe('session.meta.registrations and subscriptions', () => {
  it('calls the registration meta procedures', async () => {
    const { session, router } = await joinedSession();
    const r = session.meta.registrations;
    expect(
      await metaCall(router, r.list(), [{}, 'wamp.registration.list'], {
        args: [{ exact: [1], prefix: [], wildcard: [2] }],
      }),
    ).toEqual({
      exact: [1],
      prefix: [],
      wildcard: [2],
    });
    expect(
      await metaCall(
        router,
        r.lookup('com.example.', { match: 'prefix' }),
        [{}, 'wamp.registration.lookup', ['com.example.', { match: 'prefix' }]],
        { args: [8] },
      ),
    ).toBe(8);
    expect(
      await metaCall(router, r.lookup('com.example.none'), [{}, 'wamp.registration.lookup', ['com.example.none']], {
        args: [null],
      }),
    ).toBeUndefined();
    expect(
      await metaCall(router, r.match('com.example.add'), [{}, 'wamp.registration.match', ['com.example.add']], {
        args: [8],
      }),
    ).toBe(8);
    const details = {
      id: 8,
      created: '2026-01-01T00:00:00.000Z',
      uri: 'com.example.',
      match: 'prefix',
      invoke: 'single',
    };
    expect(await metaCall(router, r.get(8), [{}, 'wamp.registration.get', [8]], { args: [details] })).toEqual(details);
    expect(
      await metaCall(router, r.listCallees(8), [{}, 'wamp.registration.list_callees', [8]], { args: [[3]] }),
    ).toEqual([3]);
    expect(await metaCall(router, r.countCallees(8), [{}, 'wamp.registration.count_callees', [8]], { args: [1] })).toBe(
      1,
    );
    await metaCall(
      router,
      r.removeCallee(8, 3, 'com.example.maintenance'),
      [{}, 'wamp.registration.remove_callee', [8, 3, 'com.example.maintenance']],
      {},
    );
  });

  it('calls the subscription meta procedures and get_events in both forms', async () => {
    const { session, router } = await joinedSession();
    const s = session.meta.subscriptions;
    expect(
      await metaCall(router, s.list(42), [{}, 'wamp.subscription.list', [42]], {
        args: [{ exact: [5], prefix: [], wildcard: [] }],
      }),
    ).toEqual({
      exact: [5],
      prefix: [],
      wildcard: [],
    });
    expect(
      await metaCall(router, s.match('com.example.t'), [{}, 'wamp.subscription.match', ['com.example.t']], {
        args: [null],
      }),
    ).toEqual([]);
    expect(
      await metaCall(router, s.match('com.example.t'), [{}, 'wamp.subscription.match', ['com.example.t']], {
        args: [[5, 6]],
      }),
    ).toEqual([5, 6]);
    expect(
      await metaCall(router, s.listSubscribers(5), [{}, 'wamp.subscription.list_subscribers', [5]], { args: [[42]] }),
    ).toEqual([42]);
    expect(
      await metaCall(router, s.countSubscribers(5), [{}, 'wamp.subscription.count_subscribers', [5]], { args: [1] }),
    ).toBe(1);
    const stored = {
      timestamp: '2026-01-01T00:00:00.000Z',
      subscription: 5,
      publication: 77,
      details: { topic: 'com.example.t' },
      args: ['x'],
    };
    expect(
      await metaCall(router, s.getEvents(5, 10), [{}, 'wamp.subscription.get_events', [5, 10]], { args: [[stored]] }),
    ).toEqual([{ ...stored, kwargs: {} }]);
    expect(
      await metaCall(
        router,
        s.getEvents(5, { limit: 2, reverse: false }),
        [{}, 'wamp.subscription.get_events', [5], { limit: 2, reverse: false }],
        {
          args: [[]],
        },
      ),
    ).toEqual([]);
    await metaCall(router, s.removeSubscriber(5, 42), [{}, 'wamp.subscription.remove_subscriber', [5, 42]], {});
  });
});

describe('session.meta testaments and events', () => {
  it('adds and flushes testaments with the scope and publish options as keyword arguments', async () => {
    const { session, router } = await joinedSession();
    const added = session.meta.addTestament(
      'com.example.gone',
      ['bye'],
      { who: 'me' },
      { scope: 'detached', publishOptions: { retain: true } },
    );
    expect(
      await metaCall(
        router,
        added,
        [
          {},
          'wamp.session.add_testament',
          ['com.example.gone', ['bye'], { who: 'me' }],
          { scope: 'detached', publish_options: { retain: true } },
        ],
        { args: [123] },
      ),
    ).toBe(123);
    expect(
      await metaCall(
        router,
        session.meta.flushTestaments('detached'),
        [{}, 'wamp.session.flush_testaments', [], { scope: 'detached' }],
        { args: [1] },
      ),
    ).toBe(1);
  });

  it('decodes meta events for typed handlers', async () => {
    const { session, router } = await joinedSession();
    const seen: unknown[] = [];
    const subscribe = async (topic: Parameters<Session['meta']['on']>[0], id: number): Promise<void> => {
      const pending = session.meta.on(topic, (info) => void seen.push(info));
      const sent = await router.next('SUBSCRIBE');
      expect(sent.topic).toBe(topic);
      router.send({ type: 'SUBSCRIBED', requestId: sent.requestId, subscription: id });
      await pending;
    };
    await subscribe('wamp.session.on_join', 1);
    await subscribe('wamp.session.on_leave', 2);
    await subscribe('wamp.registration.on_create', 3);
    await subscribe('wamp.subscription.on_subscribe', 4);
    router.send({
      type: 'EVENT',
      subscription: 1,
      publication: 1,
      details: {},
      args: [{ session: 9, authid: 'alice' }],
    });
    router.send({ type: 'EVENT', subscription: 2, publication: 2, details: {}, args: [9, 'alice', 'user'] });
    router.send({
      type: 'EVENT',
      subscription: 3,
      publication: 3,
      details: {},
      args: [9, { id: 8, uri: 'com.example.add' }],
    });
    router.send({ type: 'EVENT', subscription: 4, publication: 4, details: {}, args: [9, 5] });
    router.send({ type: 'EVENT', subscription: 4, publication: 5, details: {}, args: ['malformed'] });
    await flush();
    expect(seen).toEqual([
      { session: 9, authid: 'alice' },
      { session: 9, authid: 'alice', authrole: 'user' },
      { session: 9, registration: { id: 8, uri: 'com.example.add' } },
      { session: 9, id: 5 },
    ]);
    expect(session.isOpen).toBe(true);
  });

  it('refuses an unknown meta topic at once', async () => {
    const { session } = await joinedSession();
    expect(() => session.meta.on('wamp.session.on_party' as never, () => {})).toThrow(InvalidArgumentError);
  });

  it('is one facade per session', async () => {
    const { session } = await joinedSession();
    expect(session.meta).toBe(session.meta);
  });
});
