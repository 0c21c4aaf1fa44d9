/**
 * Interchange on a NATS cluster: three nats-server processes joined by cluster routes, each
 * with JetStream, and two router nodes. The server one router node is connected to is killed
 * (SIGKILL): that node fails over to another server, the cluster's buckets live on (three
 * replicas), and calls and events keep crossing nodes, also for registrations made after.
 */
import { connect, type Session } from '@interchange/client';
import { afterAll, expect, it } from 'vitest';
import { eventually, leaveAll } from '../support/advanced-sessions.js';
import {
  type ClusterNode,
  type NatsServer,
  registeredEverywhere,
  startClusterNode,
  startNatsCluster,
} from './cluster-support.js';

let servers: (NatsServer & { kill(): Promise<void> })[] = [];
const nodes: ClusterNode[] = [];
const sessions: Session[] = [];

afterAll(async () => {
  await leaveAll(sessions);
  for (const node of nodes) await node.stop();
  for (const server of servers) await server.stop();
});

/** Retries `attempt` until it resolves (every 100 ms, at most `timeoutMs`). */
// Generous: after a server dies, its JetStream replicas elect new leaders, which takes seconds,
// and many more on a loaded machine. This is a correctness test, not a timing one.
async function retry<T>(attempt: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

it('keeps routing when the NATS server a node is connected to dies', { timeout: 180_000 }, async () => {
  servers = await startNatsCluster(3);
  const urls = servers.map((s) => s.url);
  nodes.push(await startClusterNode(urls, 'a'), await startClusterNode([...urls].reverse(), 'b'));
  const [a, b] = nodes as [ClusterNode, ClusterNode];
  const callee = await connect({ url: b.url(), realm: 'realm1' });
  const subscriber = await connect({ url: b.url(), realm: 'realm1' });
  const caller = await connect({ url: a.url(), realm: 'realm1' });
  sessions.push(callee, subscriber, caller);
  await callee.register('com.natscluster.add', ({ args }) => (args[0] as number) + (args[1] as number));
  const events: unknown[] = [];
  await subscriber.subscribe('com.natscluster.t', (e) => void events.push(e.args[0]));
  await registeredEverywhere(nodes, 'com.natscluster.add', 1);
  expect((await caller.call('com.natscluster.add', [1, 2])).args).toEqual([3]);

  // Kill the server node a is connected to.
  const victim = servers.find((s) => s.url.endsWith(`:${a.cluster.server.split(':').pop()}`));
  expect(victim).toBeDefined();
  await victim?.kill();

  expect((await retry(() => caller.call('com.natscluster.add', [2, 3], { timeout: 1000 }))).args).toEqual([5]);
  expect(a.cluster.server).not.toBe(victim?.url.replace('nats://', ''));
  await retry(async () => {
    await caller.publish('com.natscluster.t', ['after'], { acknowledge: true });
    await eventually(() => events.includes('after'), 200);
  });
  // The registration table still takes new entries (two of its three replicas are left).
  await callee.register('com.natscluster.mul', ({ args }) => (args[0] as number) * (args[1] as number));
  expect((await caller.call('com.natscluster.mul', [3, 4])).args).toEqual([12]);
  await registeredEverywhere(nodes, 'com.natscluster.add', 1);
});
