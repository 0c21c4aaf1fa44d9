/**
 * Event histories across restarts (docs/scaling.md, "Event history"): a node that was down while
 * events were published reads them in its history after its restart, since the history lives in
 * the realm's JetStream stream, not in the node (its realm store is the memory store, so nothing
 * of it survives the SIGKILL; real node processes, `interchange start`, built dist/); and a NATS
 * server restarted on its store directory keeps the histories, which grow on after it.
 */
import { join } from 'node:path';
import { connect, type Session } from '@interchange/client';
import { afterAll, afterEach, expect, it } from 'vitest';
import { tempDir } from '../../../packages/server/test/helpers.js';
import { type NodeProcess, startNode, writeNodeConfig } from '../../../packages/server/test/store/node-process.js';
import { leaveAll } from '../support/advanced-sessions.js';
import { retry } from './cluster-fixture.js';
import { type ClusterNode, type NatsServer, startClusterNode, startNats } from './cluster-support.js';

const LOG = 'com.example.log';

let nats: NatsServer | undefined;
const running: NodeProcess[] = [];
const sessions: Session[] = [];

afterEach(async () => {
  await leaveAll(sessions.splice(0));
  await Promise.all(running.splice(0).map((node) => node.kill()));
});

afterAll(async () => {
  await nats?.stop();
});

function nodeConfig(node: string, servers: string): Record<string, unknown> {
  return {
    version: 2,
    cluster: { type: 'nats', servers: [servers], node, name: 'histtest' },
    workers: [
      {
        type: 'router',
        realms: [{ name: 'realm1', store: { type: 'memory', 'event-history': [{ uri: LOG, limit: 50 }] } }],
        transports: [{ type: 'websocket', endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' } }],
      },
    ],
  };
}

async function start(cbdir: string): Promise<{ node: NodeProcess; session: Session }> {
  const node = startNode(cbdir);
  running.push(node);
  const session = await connect({ url: await node.url, realm: 'realm1' });
  sessions.push(session);
  return { node, session };
}

it('gives a node killed with SIGKILL the events published while it was down', async () => {
  nats = await startNats();
  const root = await tempDir();
  await writeNodeConfig(join(root, 'a'), nodeConfig('a', nats.url));
  await writeNodeConfig(join(root, 'b'), nodeConfig('b', nats.url));
  const a = await start(join(root, 'a'));
  const b = await start(join(root, 'b'));

  for (let i = 1; i <= 3; i++) await a.session.publish(LOG, [i], { acknowledge: true });
  await b.node.kill();
  // Node b is down: these reach no process of it.
  for (let i = 4; i <= 6; i++) await a.session.publish(LOG, [i], { acknowledge: true });

  const again = await start(join(root, 'b'));
  // A subscriber on the restarted node: its subscription is the history's, and holds all six.
  const subscription = await again.session.subscribe(LOG, () => undefined);
  const history = (await again.session.call('wamp.subscription.get_events', [subscription.id])).args[0] as {
    args: number[];
  }[];
  expect(history.map((event) => event.args[0])).toEqual([1, 2, 3, 4, 5, 6]);
}, 90_000);

it('keeps the histories across a NATS restart on the same store directory', async () => {
  const dir = await tempDir();
  let server = await startNats({ dir });
  const realms = [{ name: 'realm1', store: { type: 'memory' as const, 'event-history': [{ uri: LOG, limit: 50 }] } }];
  const nodes: ClusterNode[] = [];
  try {
    for (const name of ['a', 'b']) nodes.push(await startClusterNode(server.url, name, { realms }));
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    const onA = await connect({ url: a.url(), realm: 'realm1' });
    const onB = await connect({ url: b.url(), realm: 'realm1' });
    sessions.push(onA, onB);
    for (const n of [1, 2]) await onA.publish(LOG, [n], { acknowledge: true });

    await server.stop();
    server = await startNats({ dir, port: server.port });

    // Accepted once the nodes have reconnected and JetStream answers again.
    await retry(() => onB.publish(LOG, [3], { acknowledge: true }), 20_000);
    const id = (await onA.call('wamp.subscription.lookup', [LOG])).args[0] as number;
    for (const session of [onA, onB]) {
      const history = (await session.call('wamp.subscription.get_events', [id])).args[0] as { args: number[] }[];
      expect(history.map((event) => event.args[0])).toEqual([1, 2, 3]);
    }
  } finally {
    await leaveAll(sessions.splice(0));
    for (const node of nodes) await node.stop();
    await server.stop();
  }
}, 90_000);

it('starts the histories again when a restarted NATS server lost the stream', async () => {
  // A server without its store directory after the restart: the stream is gone, the nodes
  // create it again and read the new one from its start.
  let server = await startNats();
  const realms = [{ name: 'realm1', store: { type: 'memory' as const, 'event-history': [{ uri: LOG, limit: 50 }] } }];
  const nodes: ClusterNode[] = [];
  try {
    for (const name of ['a', 'b']) nodes.push(await startClusterNode(server.url, name, { realms }));
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    const onA = await connect({ url: a.url(), realm: 'realm1' });
    const onB = await connect({ url: b.url(), realm: 'realm1' });
    sessions.push(onA, onB);
    for (const n of [1, 2]) await onA.publish(LOG, [n], { acknowledge: true });

    const port = server.port;
    await server.stop();
    server = await startNats({ port });

    await retry(() => onB.publish(LOG, [3], { acknowledge: true }), 20_000);
    await onA.publish(LOG, [4], { acknowledge: true });
    const id = (await onA.call('wamp.subscription.lookup', [LOG])).args[0] as number;
    for (const session of [onA, onB]) {
      const history = (await session.call('wamp.subscription.get_events', [id])).args[0] as { args: number[] }[];
      expect(history.map((event) => event.args[0])).toEqual([3, 4]);
    }
  } finally {
    await leaveAll(sessions.splice(0));
    for (const node of nodes) await node.stop();
    await server.stop();
  }
}, 90_000);
