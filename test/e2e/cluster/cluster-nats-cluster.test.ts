/**
 * Interchange on a NATS cluster: three nats-server processes joined by cluster routes, each
 * with JetStream, and two router nodes. The server one router node is connected to is killed
 * (SIGKILL): that node fails over to another server, the cluster's buckets live on (three
 * replicas), and calls and events keep crossing nodes, also for registrations made after.
 */
import type { Session } from '@interchange/client';
import { afterAll, expect, it } from 'vitest';
import { eventually, leaveAll } from '../support/advanced-sessions.js';
import { crossNodeTraffic, retry as retryFor } from './cluster-fixture.js';
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

// Generous: after a server dies, its JetStream replicas elect new leaders, which takes seconds,
// and many more on a loaded machine. This is a correctness test, not a timing one.
const retry = <T>(attempt: () => Promise<T>): Promise<T> => retryFor(attempt, 60_000);

it('keeps routing when the NATS server a node is connected to dies', { timeout: 180_000 }, async () => {
  servers = await startNatsCluster(3);
  const urls = servers.map((s) => s.url);
  nodes.push(await startClusterNode(urls, 'a'), await startClusterNode([...urls].reverse(), 'b'));
  const a = nodes[0] as ClusterNode;
  const { callee, caller, events } = await crossNodeTraffic(nodes, 'com.natscluster', sessions);

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
