/**
 * Event history on a cluster (docs/scaling.md, "Event history"): kept in a JetStream stream per
 * realm, so every node answers `wamp.subscription.get_events` the same, right after PUBLISHED,
 * under one subscription ID, also a node that joined after the events; each history keeps its
 * configured `limit`. Router nodes in this process, on a real nats-server.
 */
import { connect, type Session } from '@interchange/client';
import type { RealmConfig } from '@interchange/router';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { NatsCluster } from '../../../packages/server/src/cluster/nats-cluster.js';
import { leaveAll } from '../support/advanced-sessions.js';
import { useCluster } from './cluster-fixture.js';
import { type ClusterNode, startClusterNode, startNats } from './cluster-support.js';

const LOG = 'com.history.log';
const FEED = 'com.history.feed.';

const realms: RealmConfig[] = [
  {
    name: 'realm1',
    store: {
      type: 'memory',
      'event-history': [
        { uri: LOG, limit: 10 },
        { uri: FEED, match: 'prefix', limit: 3 },
      ],
    },
  },
];

interface HistoryEvent {
  timestamp: string;
  publication: number;
  details: { topic?: string };
  args: unknown[];
}

const cluster = useCluster(['a', 'b'], { realms });
const nodes = cluster.nodes;
const sessions: Session[] = [];

afterEach(async () => {
  await leaveAll(sessions.splice(0));
});

/** A session on `node` (one of the cluster's or one a test started), left after the test. */
async function on(node: ClusterNode): Promise<Session> {
  const session = await connect({ url: node.url(), realm: 'realm1' });
  sessions.push(session);
  return session;
}

async function lookup(session: Session, uri: string, match = 'exact'): Promise<number> {
  return (await session.call('wamp.subscription.lookup', [uri, { match }])).args[0] as number;
}

async function history(session: Session, id: number): Promise<HistoryEvent[]> {
  return (await session.call('wamp.subscription.get_events', [id])).args[0] as HistoryEvent[];
}

describe('event history in a JetStream stream', () => {
  it('answers the same on every node right after PUBLISHED, under one subscription ID', async () => {
    const [onA, onB] = [await on(nodes[0] as ClusterNode), await on(nodes[1] as ClusterNode)];
    for (const n of [1, 2, 3]) await onB.publish(LOG, [`b${n}`], { acknowledge: true });
    await onA.publish(LOG, ['a1'], { acknowledge: true });

    const id = await lookup(onA, LOG);
    expect(await lookup(onB, LOG)).toBe(id);
    // No waiting: PUBLISHED came once JetStream had the event, and get_events catches up first.
    const fromA = await history(onA, id);
    const fromB = await history(onB, id);
    expect(fromA.map((event) => event.args[0])).toEqual(['b1', 'b2', 'b3', 'a1']);
    expect(fromB).toEqual(fromA);
    // One subscription, listed once although both nodes hold it.
    const list = (await onA.call('wamp.subscription.list')).args[0] as { exact: number[] };
    expect(list.exact.filter((listed) => listed === id)).toHaveLength(1);
  });

  it('keeps each history to its limit, a prefix history over all its topics, in a bounded stream', async () => {
    const [onA, onB] = [await on(nodes[0] as ClusterNode), await on(nodes[1] as ClusterNode)];
    for (let n = 1; n <= 12; n++) await (n % 2 === 0 ? onA : onB).publish(LOG, [n], { acknowledge: true });
    for (let n = 1; n <= 5; n++) await (n % 2 === 0 ? onA : onB).publish(`${FEED}t${n}`, [n], { acknowledge: true });

    const log = await lookup(onB, LOG);
    const feed = await lookup(onB, FEED, 'prefix');
    for (const session of [onA, onB]) {
      expect((await history(session, log)).map((event) => event.args[0])).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      const feedEvents = await history(session, feed);
      expect(feedEvents.map((event) => [event.details.topic, event.args[0]])).toEqual([
        [`${FEED}t3`, 3],
        [`${FEED}t4`, 4],
        [`${FEED}t5`, 5],
      ]);
    }

    // The stream keeps at most the largest limit (10) per history.
    const nc = await connectNats({ servers: cluster.natsUrl });
    try {
      const info = await (await jetstreamManager(nc)).streams.info('interchange_history_realm1');
      expect(info.config.max_msgs_per_subject).toBe(10);
      expect(info.state.messages).toBeLessThanOrEqual(20);
    } finally {
      await nc.close();
    }
  });

  it('hands a node started after the events the whole history', async () => {
    const onA = await on(nodes[0] as ClusterNode);
    const id = await lookup(onA, LOG);
    const expected = await history(onA, id);
    expect(expected.length).toBeGreaterThan(0);

    const late = await startClusterNode(cluster.natsUrl, 'c', { realms });
    try {
      const onC = await on(late);
      expect(await history(onC, id)).toEqual(expected);
    } finally {
      await leaveAll(sessions.splice(-1));
      await late.stop();
    }
  });

  it('refuses to start a node whose realm keeps a history when NATS has no JetStream', async () => {
    const plain = await startNats({ jetstream: false });
    try {
      await expect(NatsCluster.start({ servers: [plain.url], node: 'x', realms })).rejects.toThrow(
        /no JetStream.*start nats-server with -js/,
      );
    } finally {
      await plain.stop();
    }
  });
});
