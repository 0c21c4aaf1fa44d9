import { InvalidArgumentError, messageToArray, SessionClosedError } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import type { Event } from '../src/index.js';
import { subscribed } from './helpers/acknowledge.js';
import { flush } from './helpers/fake-clock.js';
import { joinedSession } from './helpers/fake-router.js';

function event(subscription: number, publication: number, args?: unknown[], details: Record<string, unknown> = {}) {
  return { type: 'EVENT' as const, subscription, publication, details, ...(args === undefined ? {} : { args }) };
}

describe('Session.subscribe with a handler', () => {
  it('sends SUBSCRIBE and hands each EVENT to the handler as an Event', async () => {
    const { session, router } = await joinedSession();
    const events: Event[] = [];
    const pending = session.subscribe('com.example.on_vote', (e) => void events.push(e));
    const subscribe = await router.next('SUBSCRIBE');
    expect(messageToArray(subscribe)).toEqual([32, 1, {}, 'com.example.on_vote']);
    router.send({ type: 'SUBSCRIBED', requestId: subscribe.requestId, subscription: 500 });
    const subscription = await pending;
    expect(subscription).toMatchObject({ id: 500, topic: 'com.example.on_vote', active: true });
    router.send({
      type: 'EVENT',
      subscription: 500,
      publication: 1,
      details: { publisher: 9 },
      args: [{ subject: 'banana', votes: 3 }],
      kwargs: { round: 1 },
    });
    router.send(event(500, 2));
    await flush();
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      args: [{ subject: 'banana', votes: 3 }],
      kwargs: { round: 1 },
      topic: 'com.example.on_vote',
      publication: 1,
      subscription: 500,
      publisher: 9,
    });
    expect(events[1]).toMatchObject({ args: [], kwargs: {} });
  });

  it('reports the concrete topic of pattern subscriptions from details.topic', async () => {
    const { session, router } = await joinedSession();
    const topics: string[] = [];
    const pending = session.subscribe('com..on_vote', (e) => void topics.push(e.topic), { match: 'wildcard' });
    const subscribe = await router.next('SUBSCRIBE');
    expect(subscribe.options).toEqual({ match: 'wildcard' });
    router.send({ type: 'SUBSCRIBED', requestId: subscribe.requestId, subscription: 501 });
    await pending;
    router.send(event(501, 1, [], { topic: 'com.lemon.on_vote' }));
    await flush();
    expect(topics).toEqual(['com.lemon.on_vote']);
  });

  it('keeps delivering after a handler throws', async () => {
    const { session, router } = await joinedSession();
    let calls = 0;
    await subscribed(
      router,
      session.subscribe('com.example.t', () => {
        calls += 1;
        throw new Error('handler bug');
      }),
    );
    router.send(event(500, 1));
    router.send(event(500, 2));
    await flush();
    expect(calls).toBe(2);
    expect(session.isOpen).toBe(true);
  });

  it('shares one broker subscription between local subscriptions; UNSUBSCRIBE goes out with the last', async () => {
    const { session, router } = await joinedSession();
    const a: unknown[] = [];
    const b: unknown[] = [];
    const first = await subscribed(
      router,
      session.subscribe('com.example.t', (e) => void a.push(e.publication)),
    );
    const second = await subscribed(
      router,
      session.subscribe('com.example.t', (e) => void b.push(e.publication)),
    );
    router.send(event(500, 1));
    await flush();
    expect([a, b]).toEqual([[1], [1]]);
    await first.unsubscribe();
    expect(first.active).toBe(false);
    await flush();
    expect(router.unread()).toEqual([]);
    router.send(event(500, 2));
    await flush();
    expect([a, b]).toEqual([[1], [1, 2]]);
    const done = second.unsubscribe();
    const unsubscribe = await router.next('UNSUBSCRIBE');
    expect(unsubscribe.subscription).toBe(500);
    router.send({ type: 'UNSUBSCRIBED', requestId: unsubscribe.requestId });
    await done;
    router.send(event(500, 3)); // crossed the UNSUBSCRIBE on the wire: dropped
    await flush();
    expect(b).toEqual([1, 2]);
    expect(session.isOpen).toBe(true);
  });

  it('rejects with ApplicationError when the broker refuses', async () => {
    const { session, router } = await joinedSession();
    const pending = session.subscribe('com.example.secret', () => {});
    const subscribe = await router.next('SUBSCRIBE');
    router.send({
      type: 'ERROR',
      requestType: 32,
      requestId: subscribe.requestId,
      details: {},
      error: 'wamp.error.not_authorized',
    });
    await expect(pending).rejects.toMatchObject({ uri: 'wamp.error.not_authorized' });
  });

  it('throws InvalidArgumentError at once for a bad topic or handler', async () => {
    const { session } = await joinedSession();
    expect(() => session.subscribe('', () => {})).toThrow(InvalidArgumentError);
    expect(() => session.subscribe('com.example.t', 5 as never)).toThrow(InvalidArgumentError);
    expect(() => session.subscribe('com.example.t', undefined, { match: 'fuzzy' as never })).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('Session.subscribe as an async iterable', () => {
  it('buffers events for a for-await loop, which ends on unsubscribe', async () => {
    const { session, router } = await joinedSession();
    const subscription = await subscribed(router, session.subscribe('com.example.t'));
    router.send(event(500, 1, ['a']));
    router.send(event(500, 2, ['b']));
    await flush();
    const seen: unknown[] = [];
    const loop = (async () => {
      for await (const e of subscription) {
        seen.push(e.args[0]);
        if (seen.length === 3) {
          const done = subscription.unsubscribe();
          const unsubscribe = await router.next('UNSUBSCRIBE');
          router.send({ type: 'UNSUBSCRIBED', requestId: unsubscribe.requestId });
          await done;
        }
      }
    })();
    await flush();
    router.send(event(500, 3, ['c']));
    await loop;
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('drops the oldest events beyond bufferSize and counts them', async () => {
    const { session, router } = await joinedSession();
    const subscription = await subscribed(router, session.subscribe('com.example.t', undefined, { bufferSize: 2 }));
    for (let p = 1; p <= 5; p++) router.send(event(500, p));
    await flush();
    expect(subscription.dropped).toBe(3);
    const iterator = subscription[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.publication).toBe(4);
    expect((await iterator.next()).value?.publication).toBe(5);
  });

  it('unsubscribes when the loop is left early', async () => {
    const { session, router } = await joinedSession();
    const subscription = await subscribed(router, session.subscribe('com.example.t'));
    router.send(event(500, 1));
    for await (const e of subscription) {
      expect(e.publication).toBe(1);
      break;
    }
    expect((await router.next('UNSUBSCRIBE')).subscription).toBe(500);
    expect(subscription.active).toBe(false);
  });

  it('throws SessionClosedError from the loop after the buffered events when the session is lost', async () => {
    const { session, router } = await joinedSession();
    const subscription = await subscribed(router, session.subscribe('com.example.t'));
    router.send(event(500, 1));
    await flush();
    router.end.close(1006, 'network');
    await session.closed;
    const seen: number[] = [];
    const consume = async (): Promise<void> => {
      for await (const e of subscription) seen.push(e.publication);
    };
    await expect(consume()).rejects.toBeInstanceOf(SessionClosedError);
    expect(seen).toEqual([1]);
  });

  it('ends the loop normally when the application leaves', async () => {
    const { session, router } = await joinedSession();
    const subscription = await subscribed(router, session.subscribe('com.example.t'));
    const loop = (async () => {
      for await (const _ of subscription) {
        // no events
      }
      return 'ended';
    })();
    const left = session.leave();
    await router.next('GOODBYE');
    router.send({ type: 'GOODBYE', details: {}, reason: 'wamp.close.goodbye_and_out' });
    await left;
    expect(await loop).toBe('ended');
  });

  it('ends when the router revokes the subscription', async () => {
    const { session, router } = await joinedSession();
    const subscription = await subscribed(router, session.subscribe('com.example.t'));
    router.send({
      type: 'UNSUBSCRIBED',
      requestId: 0,
      details: { subscription: 500, reason: 'wamp.error.not_authorized' },
    });
    const seen: unknown[] = [];
    for await (const e of subscription) seen.push(e);
    expect(seen).toEqual([]);
    expect(subscription.revocationReason).toBe('wamp.error.not_authorized');
  });

  it('refuses iteration when the subscription has a handler', async () => {
    const { session, router } = await joinedSession();
    const subscription = await subscribed(
      router,
      session.subscribe('com.example.t', () => {}),
    );
    expect(() => subscription[Symbol.asyncIterator]()).toThrow(InvalidArgumentError);
  });
});
