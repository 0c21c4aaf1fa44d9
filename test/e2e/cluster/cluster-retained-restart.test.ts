/**
 * Retained events outlive a NATS restart: they are kept in a JetStream key-value bucket in file
 * storage, so a nats-server restarted on its store directory still has them, and a router node
 * that joins after the restart hands them to its `get_retained` subscribers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Event, type Session } from '@interchange/client';
import { afterAll, expect, it } from 'vitest';
import { eventually, leaveAll } from '../support/advanced-sessions.js';
import { type ClusterNode, type NatsServer, startClusterNode, startNats } from './cluster-support.js';

let nats: NatsServer | undefined;
let dir: string | undefined;
const nodes: ClusterNode[] = [];
const sessions: Session[] = [];

afterAll(async () => {
  await leaveAll(sessions);
  for (const node of nodes) await node.stop();
  await nats?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

it('hands a retained event published before a NATS restart to a node started after it', {
  timeout: 60_000,
}, async () => {
  dir = await mkdtemp(join(tmpdir(), 'interchange-nats-store-'));
  nats = await startNats({ dir });
  const { port } = nats;
  const a = await startClusterNode(nats.url, 'a');
  nodes.push(a);
  const publisher = await connect({ url: a.url(), realm: 'realm1' });
  sessions.push(publisher);
  await publisher.publish('com.kept.status', ['before the restart'], { acknowledge: true, retain: true });
  await a.cluster.flush();

  await nats.stop();
  nats = await startNats({ port, dir });

  const b = await startClusterNode(nats.url, 'b');
  nodes.push(b);
  const subscriber = await connect({ url: b.url(), realm: 'realm1' });
  sessions.push(subscriber);
  const events: Event[] = [];
  await subscriber.subscribe('com.kept.status', (e) => void events.push(e), { get_retained: true });
  await eventually(() => events.length > 0);
  expect(events[0]).toMatchObject({ args: ['before the restart'], details: { retained: true } });
});
