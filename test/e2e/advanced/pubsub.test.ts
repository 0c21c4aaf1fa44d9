/**
 * Publish and subscribe of the advanced profile through the real node, with our typed client:
 * pattern-based subscriptions, event retention, and subscription revocation.
 */
import { type Event, InvalidArgumentError, type Session } from '@interchange/client';
import { describe, expect, it } from 'vitest';
import { eventually, useNodeWithSessions } from '../support/advanced-sessions.js';

const { open } = useNodeWithSessions();

describe('pattern-based subscriptions (advanced "Pattern-based Subscription")', () => {
  it('delivers to exact, prefix and wildcard subscriptions, each event carrying the topic published to', async () => {
    const [subscriber, publisher] = (await open(2)) as [Session, Session];
    const seen: string[] = [];
    await subscriber.subscribe('com.e2e.ps.room.temp', (e) => void seen.push(`exact ${e.topic}`));
    await subscriber.subscribe('com.e2e.ps.room', (e) => void seen.push(`prefix ${e.topic}`), { match: 'prefix' });
    await subscriber.subscribe('com.e2e.ps..temp', (e) => void seen.push(`wildcard ${e.topic}`), { match: 'wildcard' });
    await publisher.publish('com.e2e.ps.room.temp', [], { acknowledge: true });
    await publisher.publish('com.e2e.ps.hall.temp', [], { acknowledge: true });
    await publisher.publish('com.e2e.ps.roomy', [], { acknowledge: true });
    // Events from one publisher reach a subscriber in publication order (spec "Publish & Subscribe
    // Ordering"): once the marker is in, any event the three publications caused has arrived.
    let marked = false;
    await subscriber.subscribe('com.e2e.ps.marker', () => {
      marked = true;
    });
    await publisher.publish('com.e2e.ps.marker', [], { acknowledge: true });
    await eventually(() => marked);
    expect(seen.sort()).toEqual([
      'exact com.e2e.ps.room.temp',
      'prefix com.e2e.ps.room.temp',
      'prefix com.e2e.ps.roomy',
      'wildcard com.e2e.ps.hall.temp',
      'wildcard com.e2e.ps.room.temp',
    ]);
  });

  it('refuses an unknown match policy at once; sent anyway, the router aborts the session', async () => {
    const [subscriber, bystander] = (await open(2)) as [Session, Session];
    expect(() => subscriber.subscribe('com.e2e.ps', undefined, { match: 'glob' as never })).toThrow(
      InvalidArgumentError,
    );
    await expect(subscriber.subscribe('com.e2e.ps', undefined, { extra: { match: 'glob' } })).rejects.toMatchObject({
      name: 'SessionClosedError',
    });
    expect((await subscriber.closed).reason).toBe('wamp.error.protocol_violation');
    expect(bystander.isOpen).toBe(true);
  });
});

describe('event retention (advanced "Event Retention")', () => {
  it('gives a late subscriber that asks with get_retained the last retained event, marked retained', async () => {
    const [publisher, late, plainSession] = (await open(3)) as [Session, Session, Session];
    await publisher.publish('com.e2e.retained.status', ['old'], { retain: true, acknowledge: true });
    await publisher.publish('com.e2e.retained.status', ['current'], { retain: true, acknowledge: true });
    await publisher.publish('com.e2e.retained.status', ['not kept'], { acknowledge: true });
    const events: Event[] = [];
    await late.subscribe('com.e2e.retained.status', (e) => void events.push(e), { get_retained: true });
    await eventually(() => events.length === 1);
    expect(events[0]).toMatchObject({ args: ['current'], retained: true });
    // A subscriber to the same topic that does not ask gets nothing retained, only the live event,
    // which is not marked. The marker is published last, so once it is in, every event for
    // `plainSession` has arrived (spec "Publish & Subscribe Ordering").
    const plain: Event[] = [];
    let marked = false;
    await plainSession.subscribe('com.e2e.retained.status', (e) => void plain.push(e));
    await plainSession.subscribe('com.e2e.retained.marker', () => {
      marked = true;
    });
    await publisher.publish('com.e2e.retained.status', ['live'], { acknowledge: true });
    await publisher.publish('com.e2e.retained.marker', [], { acknowledge: true });
    await eventually(() => marked);
    expect(plain.map((e) => [e.args, e.retained])).toEqual([[['live'], false]]);
    await eventually(() => events.length === 2);
    expect(events[1]).toMatchObject({ args: ['live'], retained: false });
  });

  it('sends the retained event of each topic a pattern subscription covers, with its topic', async () => {
    const [publisher, late] = (await open(2)) as [Session, Session];
    await publisher.publish('com.e2e.keep.a', ['A'], { retain: true, acknowledge: true });
    await publisher.publish('com.e2e.keep.b', ['B'], { retain: true, acknowledge: true });
    const events: Event[] = [];
    await late.subscribe('com.e2e.keep.', (e) => void events.push(e), { match: 'prefix', get_retained: true });
    await eventually(() => events.length === 2);
    expect(events.map((e) => [e.topic, e.args[0], e.retained]).sort()).toEqual([
      ['com.e2e.keep.a', 'A', true],
      ['com.e2e.keep.b', 'B', true],
    ]);
  });

  it('honours the whitelist of a retained event', async () => {
    const [publisher, allowed, other] = (await open(3)) as [Session, Session, Session];
    await publisher.publish('com.e2e.retained.private', ['secret'], {
      retain: true,
      acknowledge: true,
      eligible: [allowed.id as number],
    });
    const got: Event[] = [];
    const missed: Event[] = [];
    await other.subscribe('com.e2e.retained.private', (e) => void missed.push(e), { get_retained: true });
    await allowed.subscribe('com.e2e.retained.private', (e) => void got.push(e), { get_retained: true });
    await eventually(() => got.length === 1);
    // `other` gets a marker published afterwards; a retained event for it would have come first.
    let marked = false;
    await other.subscribe('com.e2e.retained.private.marker', () => {
      marked = true;
    });
    await publisher.publish('com.e2e.retained.private.marker', [], { acknowledge: true });
    await eventually(() => marked);
    expect(missed).toEqual([]);
  });
});

describe('subscription revocation (advanced "Subscription Revocation")', () => {
  it('ends a subscription the router revokes: ended says revoked with the reason, the loop finishes', async () => {
    const [subscriber, admin] = (await open(2)) as [Session, Session];
    const subscription = await subscriber.subscribe('com.e2e.revoke.me');
    const loop = (async () => {
      const seen: unknown[] = [];
      for await (const event of subscription) seen.push(event.args[0]);
      return seen;
    })();
    await admin.publish('com.e2e.revoke.me', ['before'], { acknowledge: true });
    await admin.meta.subscriptions.removeSubscriber(subscription.id, subscriber.id as number, 'com.e2e.maintenance');
    expect(await subscription.ended).toEqual({ how: 'revoked', reason: 'com.e2e.maintenance' });
    expect(await loop).toEqual(['before']);
    expect(subscription.revocationReason).toBe('com.e2e.maintenance');
    expect(subscriber.isOpen).toBe(true);
  });
});
