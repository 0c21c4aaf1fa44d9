/**
 * A NATS server restart: the nodes reconnect, write their registrations back into the
 * registration table (which NATS kept in memory and lost), and calls and events cross nodes
 * again, from the sessions that were connected all along.
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

const retry = <T>(attempt: () => Promise<T>): Promise<T> => retryFor(attempt, 20_000);

it('keeps registrations and subscriptions working across a NATS restart', async () => {
  nats = await startNats();
  const port = nats.port;
  nodes.push(await startClusterNode(nats.url, 'a'), await startClusterNode(nats.url, 'b'));
  const { caller, events } = await crossNodeTraffic(nodes, 'com.restart', sessions);

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
