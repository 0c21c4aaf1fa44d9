/**
 * Event history with two router nodes on a real nats-server: each node keeps its own history of
 * a topic (docs/scaling.md), and since every node listens for the topic from its start, events
 * published on any node while it is a member are in the history on every node.
 */
import type { RealmConfig } from '@interchange/router';
import { describe, expect, it } from 'vitest';
import { useCluster } from './cluster-fixture.js';

const realms: RealmConfig[] = [
  { name: 'realm1', store: { type: 'memory', 'event-history': [{ uri: 'com.history.log', limit: 10 }] } },
];

const { nodes, on } = useCluster(['a', 'b'], { realms, flush: true });

describe('event history across nodes', () => {
  it('holds the events published on either node, on both nodes, in publication order per publisher', async () => {
    const [onA, onB] = [await on(0), await on(1)];
    for (const n of [1, 2, 3]) await onB.publish('com.history.log', [`b${n}`], { acknowledge: true });
    await onA.publish('com.history.log', ['a1'], { acknowledge: true });
    for (const [n, reader] of [onA, onB].entries()) {
      // This node's own history subscription (lookup prefers the asking node's).
      const id = (await reader.call('wamp.subscription.lookup', ['com.history.log'])).args?.[0] as number;
      const history = nodes[n]?.router.realm('realm1')?.broker.subscription(id)?.history;
      expect(history).toBeDefined();
      // An event from the other node arrives a NATS hop after PUBLISHED.
      let events: { args: unknown[] }[] = [];
      const deadline = Date.now() + 5000;
      while (events.length < 4 && Date.now() < deadline) {
        events = (await reader.call('wamp.subscription.get_events', [id])).args?.[0] as { args: unknown[] }[];
      }
      const published = events.map((e) => e.args[0]);
      expect(published.filter((p) => String(p).startsWith('b'))).toEqual(['b1', 'b2', 'b3']);
      expect(published).toContain('a1');
    }
  });
});
