import { type EventMessage, MessageCode } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import { EventTap, patternKey } from '../../src/mqtt/event-tap.js';

const event = (subscription: number): EventMessage => ({
  type: 'EVENT',
  subscription,
  publication: 9,
  details: {},
  args: [1],
});

function tapWithSink(): { tap: EventTap; taken: [string, string, EventMessage][] } {
  const tap = new EventTap();
  const taken: [string, string, EventMessage][] = [];
  tap.setSink((key, topic, message) => taken.push([key, topic, message]));
  return { tap, taken };
}

describe('EventTap', () => {
  it('takes the EVENTs of a subscription from its SUBSCRIBED on, with the pattern the session asked for', () => {
    const { tap, taken } = tapWithSink();
    tap.fromClient({ type: 'SUBSCRIBE', requestId: 1, options: { match: 'wildcard' }, topic: 'a..c' });
    tap.fromClient({ type: 'SUBSCRIBE', requestId: 2, options: {}, topic: 'a.b' });
    expect(tap.toClient(event(100))).toBe(false);
    expect(tap.toClient({ type: 'SUBSCRIBED', requestId: 1, subscription: 100 })).toBe(false);
    expect(tap.toClient({ type: 'SUBSCRIBED', requestId: 2, subscription: 200 })).toBe(false);
    const first = event(100);
    expect(tap.toClient(first)).toBe(true);
    expect(tap.toClient(event(200))).toBe(true);
    expect(taken.map(([key, topic]) => [key, topic])).toEqual([
      [patternKey('a..c', 'wildcard'), 'a..c'],
      [patternKey('a.b', 'exact'), 'a.b'],
    ]);
    expect(taken[0]?.[2]).toBe(first);
    // Everything else goes on to the client session.
    expect(tap.toClient({ type: 'PUBLISHED', requestId: 3, publication: 5 })).toBe(false);
  });

  it('lets EVENTs through to the client session until a sink is installed', () => {
    const tap = new EventTap();
    tap.fromClient({ type: 'SUBSCRIBE', requestId: 1, options: {}, topic: 'a' });
    tap.toClient({ type: 'SUBSCRIBED', requestId: 1, subscription: 100 });
    expect(tap.toClient(event(100))).toBe(false);
  });

  it('forgets a subscription once unsubscribed or revoked, and a refused SUBSCRIBE', () => {
    const { tap, taken } = tapWithSink();
    tap.fromClient({ type: 'SUBSCRIBE', requestId: 1, options: {}, topic: 'a' });
    tap.fromClient({ type: 'SUBSCRIBE', requestId: 2, options: {}, topic: 'b' });
    tap.fromClient({ type: 'SUBSCRIBE', requestId: 3, options: {}, topic: 'c' });
    tap.toClient({ type: 'SUBSCRIBED', requestId: 1, subscription: 100 });
    tap.toClient({ type: 'SUBSCRIBED', requestId: 2, subscription: 200 });
    tap.toClient({
      type: 'ERROR',
      requestType: MessageCode.SUBSCRIBE,
      requestId: 3,
      details: {},
      error: 'wamp.error.not_authorized',
    });
    tap.fromClient({ type: 'UNSUBSCRIBE', requestId: 4, subscription: 100 });
    tap.toClient({ type: 'UNSUBSCRIBED', requestId: 4 });
    tap.toClient({ type: 'UNSUBSCRIBED', requestId: 0, details: { subscription: 200, reason: 'gone' } });
    expect(tap.toClient(event(100))).toBe(false);
    expect(tap.toClient(event(200))).toBe(false);
    expect(taken).toEqual([]);
  });

  it('never throws into the router when the sink does', () => {
    const tap = new EventTap();
    const errors: unknown[] = [];
    tap.setSink(
      () => {
        throw new Error('boom');
      },
      (error) => errors.push(error),
    );
    tap.fromClient({ type: 'SUBSCRIBE', requestId: 1, options: {}, topic: 'a' });
    tap.toClient({ type: 'SUBSCRIBED', requestId: 1, subscription: 100 });
    expect(tap.toClient(event(100))).toBe(true);
    expect(errors).toHaveLength(1);
  });
});
