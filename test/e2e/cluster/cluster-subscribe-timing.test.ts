/**
 * SUBSCRIBED on a cluster node goes out only once NATS has the node's subscription (docs/scaling.md,
 * "Subscribing"): a publication made on another node right after SUBSCRIBED reaches the
 * subscriber, every time. Many rounds of subscribe-on-a then publish-on-b, each on a topic no
 * node listened to before, so each round needs a new NATS subscription.
 */
import { describe, expect, it } from 'vitest';
import { signal } from '../support/advanced-sessions.js';
import { firstEvent, useCluster } from './cluster-fixture.js';

const { on } = useCluster(['a', 'b']);

describe('subscribing across nodes', () => {
  it('delivers a publication made on another node right after SUBSCRIBED, in every round', async () => {
    const subscriber = await on(0);
    const publisher = await on(1);
    const rounds = [
      ...Array.from({ length: 100 }, (_, i) => ({
        topic: `com.race.exact${i}`,
        match: 'exact',
        at: `com.race.exact${i}`,
      })),
      ...Array.from({ length: 30 }, (_, i) => ({ topic: `com.race${i}.`, match: 'prefix', at: `com.race${i}.x.y` })),
      ...Array.from({ length: 30 }, (_, i) => ({
        topic: `com.wild${i}..z`,
        match: 'wildcard',
        at: `com.wild${i}.y.z`,
      })),
    ];
    const missed: string[] = [];
    for (const [n, round] of rounds.entries()) {
      const received = signal<unknown>();
      const subscription = await subscriber.subscribe(round.topic, (event) => received.resolve(event.args[0]), {
        match: round.match as 'exact' | 'prefix' | 'wildcard',
      });
      await publisher.publish(round.at, [n], { acknowledge: true });
      if ((await firstEvent(received.promise)) !== n) missed.push(`${round.match} ${round.topic}`);
      await subscription.unsubscribe();
    }
    expect(missed).toEqual([]);
  }, 120_000);
});
