/**
 * SUBSCRIBED on a NATS cluster of three servers (docs/scaling.md, "Subscribing"): the two router
 * nodes are connected to different NATS servers, so a new subscription of node a reaches node
 * b's server over a cluster route, after a's server has it. SUBSCRIBED goes out once every live
 * node answered a probe sent after the subscription: a publication node b makes right after it
 * reaches the subscriber, in every round of subscribe-on-a then publish-on-b, each on a topic
 * no node listened to before.
 */
import type { Session } from '@interchange/client';
import { connect } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, leaveAll, signal } from '../support/advanced-sessions.js';
import { firstEvent } from './cluster-fixture.js';
import { type ClusterNode, type NatsServer, startClusterNode, startNatsCluster } from './cluster-support.js';

let servers: NatsServer[] = [];
const nodes: ClusterNode[] = [];
const sessions: Session[] = [];

beforeAll(async () => {
  servers = await startNatsCluster(3);
  // One server each: a on the first, b on the second.
  nodes.push(
    await startClusterNode([(servers[0] as NatsServer).url], 'a'),
    await startClusterNode([(servers[1] as NatsServer).url], 'b'),
  );
  await eventually(() => nodes[0]?.cluster.isAlive('b') === true && nodes[1]?.cluster.isAlive('a') === true, 20_000);
}, 120_000);
afterAll(async () => {
  await leaveAll(sessions);
  for (const node of nodes) await node.stop();
  for (const server of servers) await server.stop();
});

describe('subscribing across nodes on different NATS servers', () => {
  it('delivers a publication made on the other node right after SUBSCRIBED, in every round', async () => {
    expect(nodes[0]?.cluster.server).not.toBe(nodes[1]?.cluster.server);
    const subscriber = await connect({ url: (nodes[0] as ClusterNode).url(), realm: 'realm1' });
    const publisher = await connect({ url: (nodes[1] as ClusterNode).url(), realm: 'realm1' });
    sessions.push(subscriber, publisher);
    const rounds = [
      ...Array.from({ length: 60 }, (_, i) => ({ topic: `com.routes.e${i}`, match: 'exact', at: `com.routes.e${i}` })),
      ...Array.from({ length: 20 }, (_, i) => ({ topic: `com.routes${i}.`, match: 'prefix', at: `com.routes${i}.x` })),
      ...Array.from({ length: 20 }, (_, i) => ({ topic: `com.rw${i}..z`, match: 'wildcard', at: `com.rw${i}.y.z` })),
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
  }, 180_000);
});
