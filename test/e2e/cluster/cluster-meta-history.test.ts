/**
 * Histories of meta events on a cluster (docs/scaling.md, "Event history"): a realm keeping
 * `wamp.registration.` and `wamp.subscription.` events in its JetStream stream holds each event
 * once, on every node, as a subscriber to those topics receives them live: registration events
 * of callees on two nodes (raised by every node as it mirrors the others' callees, written by
 * the callee's node alone), subscription events of subscribers on two nodes.
 */
import type { Session } from '@interchange/client';
import type { RealmConfig } from '@interchange/router';
import { describe, expect, it } from 'vitest';
import { useCluster } from './cluster-fixture.js';
import { registeredEverywhere } from './cluster-support.js';

const realms: RealmConfig[] = [
  {
    name: 'realm1',
    store: {
      type: 'memory',
      'event-history': [
        { uri: 'wamp.registration.', match: 'prefix', limit: 100 },
        { uri: 'wamp.subscription.', match: 'prefix', limit: 100 },
      ],
    },
  },
];

interface HistoryEvent {
  details: { topic?: string };
  args: unknown[];
}

const cluster = useCluster(['a', 'b'], { realms, allAlive: true });
const nodes = cluster.nodes;

function on(n: number, authrole?: string): Promise<Session> {
  return cluster.on(n, authrole === undefined ? {} : { authid: 'ops', authrole });
}

/**
 * The history of `prefix` as `session`'s node answers it, in order of occurrence: `topic
 * session-id` per event about one of `sessions`.
 */
async function history(session: Session, prefix: string, sessions: (number | undefined)[]): Promise<string[]> {
  const id = (await session.call('wamp.subscription.lookup', [prefix, { match: 'prefix' }])).args[0] as number;
  const events = (await session.call('wamp.subscription.get_events', [id], { kwargs: { limit: 100 } }))
    .args[0] as HistoryEvent[];
  return events
    .filter((e) => sessions.includes(e.args[0] as number))
    .map((e) => `${e.details.topic} ${String(e.args[0])}`);
}

/**
 * Resolves once `entry` (`topic session-id`) is in the history `reader` reads. Each node writes
 * the events of its own sessions to the stream, so the events of two nodes are in the order the
 * stream got them: a test step that must come after another's event waits for it to be stored.
 */
async function untilStored(reader: Session, entry: string): Promise<void> {
  const [topic, session] = entry.split(' ') as [string, string];
  const prefix = topic.slice(0, topic.lastIndexOf('.') + 1);
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if ((await history(reader, prefix, [Number(session)])).includes(entry)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${entry} was never stored`);
}

describe('meta event histories on a cluster', () => {
  it('hold every registration event once, the same on both nodes', async () => {
    const [calleeA, calleeB] = [await on(0), await on(1)];
    // Taken now: a session that left has no ID.
    const [a, b] = [calleeA.id, calleeB.id];
    const stored = await on(0, 'trusted');
    const onA = await calleeA.register('com.mh.proc', () => 'a', { invoke: 'roundrobin' });
    await registeredEverywhere(nodes, 'com.mh.proc', 1);
    await untilStored(stored, `wamp.registration.on_register ${a}`);
    await calleeB.register('com.mh.proc', () => 'b', { invoke: 'roundrobin' });
    await registeredEverywhere(nodes, 'com.mh.proc', 2);
    await untilStored(stored, `wamp.registration.on_register ${b}`);
    await onA.unregister();
    await untilStored(stored, `wamp.registration.on_unregister ${a}`);
    await calleeB.leave();
    await registeredEverywhere(nodes, 'com.mh.proc', 0);

    const expected = [
      `wamp.registration.on_create ${a}`,
      `wamp.registration.on_register ${a}`,
      `wamp.registration.on_register ${b}`,
      `wamp.registration.on_unregister ${a}`,
      `wamp.registration.on_unregister ${b}`,
      `wamp.registration.on_delete ${b}`,
    ];
    for (const n of [0, 1]) {
      // Only the trusted role sees the meta API's own subscriptions (meta-arguments.ts).
      const reader = await on(n, 'trusted');
      expect(await history(reader, 'wamp.registration.', [a, b]), `node ${n}`).toEqual(expected);
    }
  });

  it('hold every subscription event once, the same on both nodes', async () => {
    const [subA, subB] = [await on(0), await on(1)];
    const stored = await on(0, 'trusted');
    const subscription = await subA.subscribe('com.mh.topic', () => undefined);
    await untilStored(stored, `wamp.subscription.on_subscribe ${subA.id}`);
    await subB.subscribe('com.mh.topic', () => undefined);
    await untilStored(stored, `wamp.subscription.on_subscribe ${subB.id}`);
    await subscription.unsubscribe();
    // Each node has its own subscription to the topic (docs/scaling.md, "Meta API IDs").
    const expected = [
      `wamp.subscription.on_create ${subA.id}`,
      `wamp.subscription.on_subscribe ${subA.id}`,
      `wamp.subscription.on_create ${subB.id}`,
      `wamp.subscription.on_subscribe ${subB.id}`,
      `wamp.subscription.on_unsubscribe ${subA.id}`,
      `wamp.subscription.on_delete ${subA.id}`,
    ];
    for (const n of [0, 1]) {
      // Only the trusted role sees the meta API's own subscriptions (meta-arguments.ts).
      const reader = await on(n, 'trusted');
      expect(await history(reader, 'wamp.subscription.', [subA.id, subB.id]), `node ${n}`).toEqual(expected);
    }
  });
});
