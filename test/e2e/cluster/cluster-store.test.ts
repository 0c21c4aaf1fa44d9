/**
 * A node with both an `lmdb` realm store and a cluster (docs/durability.md, "With a cluster"):
 * retained events are the cluster's (the JetStream bucket is the source of truth, so a node
 * killed while another node retained a newer event serves that one after its restart), and so are
 * histories (the realm's JetStream stream: after its SIGKILL the node answers the same history
 * under the same subscription ID). Real node processes
 * (`interchange start`, built dist/) and a real nats-server.
 */
import { join } from 'node:path';
import { connect, type Event, type Session } from '@interchange/client';
import { afterAll, afterEach, expect, it } from 'vitest';
import { tempDir } from '../../../packages/server/test/helpers.js';
import { type NodeProcess, startNode, writeNodeConfig } from '../../../packages/server/test/store/node-process.js';
import { leaveAll } from '../support/advanced-sessions.js';
import { type NatsServer, startNats } from './cluster-support.js';

const LOG = 'com.example.log';
const STATE = 'com.example.state';

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

function nodeConfig(node: string, servers: string, store: boolean): Record<string, unknown> {
  return {
    version: 2,
    cluster: { type: 'nats', servers: [servers], node, name: 'storetest' },
    workers: [
      {
        type: 'router',
        realms: [
          {
            name: 'realm1',
            // Every node keeps the same histories (checked at join); only node a has them on disk.
            store: store
              ? { type: 'lmdb', path: 'store', 'event-history': [{ uri: LOG, limit: 100 }] }
              : { type: 'memory', 'event-history': [{ uri: LOG, limit: 100 }] },
          },
        ],
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

/** The retained event of STATE that a new subscriber on `session`'s node gets. */
async function retainedState(session: Session): Promise<unknown> {
  const events: Event[] = [];
  const subscription = await session.subscribe(STATE, (event) => void events.push(event), { get_retained: true });
  // The retained event, if any, is sent right after SUBSCRIBED: a call afterwards is answered after it.
  await session.call('wamp.session.count');
  await subscription.unsubscribe();
  return events[0]?.args?.[0];
}

/** Asks `read` until it answers `expected` (every 100 ms, at most 20 s); answers the last answer. */
async function until(read: () => Promise<unknown>, expected: unknown): Promise<unknown> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answer = await read();
    if (answer === expected || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('serves the cluster-wide newest retained event and its own history after a SIGKILL', async () => {
  nats = await startNats();
  const root = await tempDir();
  await writeNodeConfig(join(root, 'a'), nodeConfig('a', nats.url, true));
  await writeNodeConfig(join(root, 'b'), nodeConfig('b', nats.url, false));
  const a = await start(join(root, 'a'));
  const b = await start(join(root, 'b'));

  await a.session.publish(STATE, ['v1'], { acknowledge: true, retain: true });
  for (let i = 1; i <= 3; i++) await a.session.publish(LOG, [i], { acknowledge: true });
  expect(await until(() => retainedState(b.session), 'v1')).toBe('v1');
  const subscription = (await a.session.call('wamp.subscription.lookup', [LOG])).args[0] as number;

  await a.node.kill();
  // While node a is down, node b retains a newer event: the cluster's bucket has it, a's store does not.
  await b.session.publish(STATE, ['v2'], { acknowledge: true, retain: true });

  const again = await start(join(root, 'a'));
  const history = (await again.session.call('wamp.subscription.get_events', [subscription])).args[0] as {
    args: number[];
  }[];
  expect(history.map((event) => event.args[0])).toEqual([1, 2, 3]);
  // Once the node has read the bucket, the cluster's newest event replaces its own copy.
  expect(await until(() => retainedState(again.session), 'v2')).toBe('v2');
}, 90_000);
