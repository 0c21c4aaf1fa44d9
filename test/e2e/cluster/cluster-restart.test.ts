/**
 * A NATS server restart: the nodes reconnect, write their registrations back into the
 * registration table (which NATS kept in memory and lost), and calls and events cross nodes
 * again, from the sessions that were connected all along.
 */
import { connect, type Session } from '@interchange/client';
import { afterAll, expect, it } from 'vitest';
import { eventually, leaveAll } from '../support/advanced-sessions.js';
import {
  type ClusterNode,
  type NatsServer,
  registeredEverywhere,
  startClusterNode,
  startNats,
} from './cluster-support.js';

let nats: NatsServer | undefined;
const nodes: ClusterNode[] = [];
const sessions: Session[] = [];

afterAll(async () => {
  await leaveAll(sessions);
  for (const node of nodes) await node.stop();
  await nats?.stop();
});

/** Retries `attempt` until it resolves (every 100 ms, at most `timeoutMs`). */
async function retry<T>(attempt: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
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

it('keeps registrations and subscriptions working across a NATS restart', async () => {
  nats = await startNats();
  const port = nats.port;
  nodes.push(await startClusterNode(nats.url, 'a'), await startClusterNode(nats.url, 'b'));
  const [a, b] = nodes as [ClusterNode, ClusterNode];
  const callee = await connect({ url: b.url(), realm: 'realm1' });
  const subscriber = await connect({ url: b.url(), realm: 'realm1' });
  const caller = await connect({ url: a.url(), realm: 'realm1' });
  sessions.push(callee, subscriber, caller);
  await callee.register('com.restart.add', ({ args }) => (args[0] as number) + (args[1] as number));
  const events: unknown[] = [];
  await subscriber.subscribe('com.restart.t', (e) => void events.push(e.args[0]));
  await registeredEverywhere(nodes, 'com.restart.add', 1);
  expect((await caller.call('com.restart.add', [1, 2])).args).toEqual([3]);

  await nats.stop();
  nats = await startNats({ port });

  expect((await retry(() => caller.call('com.restart.add', [2, 3], { timeout: 1000 }))).args).toEqual([5]);
  await retry(async () => {
    await caller.publish('com.restart.t', ['after'], { acknowledge: true });
    await eventually(() => events.includes('after'), 200);
  });
  // The table holds the callee again, once.
  await registeredEverywhere(nodes, 'com.restart.add', 1);
});
