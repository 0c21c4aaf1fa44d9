/**
 * Publish and subscribe across three router nodes joined through a real nats-server: sessions on
 * different nodes, WAMP's matching (exact, prefix by characters, wildcard), black- and
 * whitelisting, publisher exclusion and disclosure, acknowledgement, per-publisher ordering, no
 * event twice to one subscription, and the NATS max_payload limit.
 */
import { ApplicationError, connect, type Event, type Session } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, leaveAll } from '../support/advanced-sessions.js';
import { type ClusterNode, type NatsServer, startClusterNode, startNats } from './cluster-support.js';

let nats: NatsServer;
let nodes: ClusterNode[] = [];
let alice: Session; // node b, user
let bob: Session; // node c, user
let carol: Session; // node a, admin (the publisher's node)
let pat: Session; // node a, sensor: the publisher
const received = new Map<string, Event[]>();

async function flushAll(): Promise<void> {
  await Promise.all(nodes.map((node) => node.cluster.flush()));
}

beforeAll(async () => {
  nats = await startNats();
  nodes = [
    await startClusterNode(nats.url, 'a'),
    await startClusterNode(nats.url, 'b'),
    await startClusterNode(nats.url, 'c'),
  ];
  const [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
  const join = (node: ClusterNode, authid: string, authrole: string) =>
    connect({ url: node.url({ authid, authrole }), realm: 'realm1' });
  alice = await join(b, 'alice', 'user');
  bob = await join(c, 'bob', 'user');
  carol = await join(a, 'carol', 'admin');
  pat = await join(a, 'pat', 'sensor');
  for (const [name, session] of [
    ['alice', alice],
    ['bob', bob],
    ['carol', carol],
    ['pat', pat],
  ] as const) {
    received.set(name, []);
    await session.subscribe('com.e2e.cl.', (event) => void received.get(name)?.push(event), { match: 'prefix' });
  }
  await flushAll();
});
afterAll(async () => {
  await leaveAll([alice, bob, carol, pat].filter((s) => s !== undefined));
  for (const node of nodes) await node.stop();
  await nats?.stop();
});

/** Publishes one event with `options`; returns who got it, once a later marker reached everyone. */
async function receivers(options: Parameters<Session['publish']>[2]): Promise<string[]> {
  const topic = `com.e2e.cl.t${Math.random().toString(36).slice(2)}`;
  await pat.publish(topic, ['payload'], { ...options, acknowledge: true });
  const marker = `${topic}.marker`;
  await pat.publish(marker, [], { acknowledge: true, exclude_me: false });
  await eventually(() => [...received.values()].every((events) => events.some((e) => e.topic === marker)));
  return [...received.entries()]
    .filter(([, events]) => events.some((e) => e.topic === topic))
    .map(([name]) => name)
    .sort();
}

describe('black- and whitelisting and publisher exclusion, applied on every node', () => {
  it('reaches every subscriber on every node, never the publisher by default', async () => {
    expect(await receivers({})).toEqual(['alice', 'bob', 'carol']);
    expect(await receivers({ exclude_me: false })).toEqual(['alice', 'bob', 'carol', 'pat']);
  });

  it('excludes by session ID, authid and authrole of sessions on other nodes', async () => {
    expect(await receivers({ exclude: [alice.id as number] })).toEqual(['bob', 'carol']);
    expect(await receivers({ exclude_authid: ['bob'] })).toEqual(['alice', 'carol']);
    expect(await receivers({ exclude_authrole: ['user'] })).toEqual(['carol']);
  });

  it('whitelists by session ID, authid and authrole, and combines the lists', async () => {
    expect(await receivers({ eligible: [bob.id as number] })).toEqual(['bob']);
    expect(await receivers({ eligible_authid: ['alice', 'carol'] })).toEqual(['alice', 'carol']);
    expect(await receivers({ eligible_authrole: ['user'] })).toEqual(['alice', 'bob']);
    expect(await receivers({ eligible_authrole: ['user'], exclude_authid: ['alice'] })).toEqual(['bob']);
  });

  it('discloses the publisher to a subscriber on another node with disclose_me, and not without', async () => {
    for (const disclose of [true, false]) {
      const topic = `com.e2e.cl.who${disclose}`;
      await pat.publish(topic, [], { disclose_me: disclose, acknowledge: true, eligible: [alice.id as number] });
      const event = await eventually(() => received.get('alice')?.find((e) => e.topic === topic));
      if (disclose) {
        expect(event.details).toMatchObject({
          publisher: pat.id,
          publisher_authid: 'pat',
          publisher_authrole: 'sensor',
        });
      } else {
        expect(event.details.publisher).toBeUndefined();
      }
    }
  });
});

describe('matching across nodes', () => {
  it('exact, prefix by characters (not by NATS tokens) and wildcard subscriptions, each event once', async () => {
    const got: Record<string, string[]> = { exact: [], prefix: [], wildcard: [] };
    const session = await connect({ url: nodes[1]?.url() ?? '', realm: 'realm1' });
    await session.subscribe('com.match.example.x', (e) => void got.exact?.push(e.topic ?? 'com.match.example.x'));
    // WAMP prefix matching is by characters: "com.match.ex" matches "com.match.example.x".
    await session.subscribe('com.match.ex', (e) => void got.prefix?.push(e.topic ?? ''), { match: 'prefix' });
    await session.subscribe('com.match..x', (e) => void got.wildcard?.push(e.topic ?? ''), { match: 'wildcard' });
    await nodes[1]?.cluster.flush();
    const publisher = await connect({ url: nodes[0]?.url() ?? '', realm: 'realm1' });
    for (const topic of ['com.match.example.x', 'com.match.exit', 'com.match.other.x', 'com.match.e', 'com.matchex.x'])
      await publisher.publish(topic, [], { acknowledge: true });
    await publisher.publish('com.match.ex.done', [], { acknowledge: true });
    await eventually(() => got.prefix?.includes('com.match.ex.done'));
    expect(got.exact).toEqual(['com.match.example.x']);
    expect(got.prefix).toEqual(['com.match.example.x', 'com.match.exit', 'com.match.ex.done']);
    expect(got.wildcard).toEqual(['com.match.example.x', 'com.match.other.x']);
    await leaveAll([session, publisher]);
  });

  it('delivers no event twice to one subscription, with overlapping subscriptions on several nodes', async () => {
    const counts = new Map<string, number>();
    const sessions: Session[] = [];
    for (const [n, node] of nodes.entries()) {
      const session = await connect({ url: node.url(), realm: 'realm1' });
      sessions.push(session);
      for (const [pattern, match] of [
        ['com.dup.topic', 'exact'],
        ['com.dup', 'prefix'],
        ['com.dup.to', 'prefix'],
        ['com..topic', 'wildcard'],
      ] as const) {
        const key = `${n}:${match}:${pattern}`;
        counts.set(key, 0);
        await session.subscribe(pattern, () => void counts.set(key, (counts.get(key) ?? 0) + 1), { match });
      }
    }
    await flushAll();
    const publisher = sessions[0] as Session;
    for (let i = 0; i < 10; i++)
      await publisher.publish('com.dup.topic', [i], { acknowledge: true, exclude_me: false });
    await eventually(() => [...counts.values()].every((count) => count >= 10));
    // Let any stray copy arrive: a marker after the events reaches every node after them.
    const marker = await sessions[2]?.subscribe('org.dup.marker');
    await flushAll();
    await publisher.publish('org.dup.marker', [], { acknowledge: true });
    for await (const _ of marker ?? []) break;
    expect([...counts.values()]).toEqual(new Array(counts.size).fill(10));
    await leaveAll(sessions);
  });

  it('keeps the order of one publisher for a subscriber on another node', async () => {
    const subscriber = await connect({ url: nodes[2]?.url() ?? '', realm: 'realm1' });
    const seen: number[] = [];
    await subscriber.subscribe('com.order.t', (e) => void seen.push(e.args[0] as number));
    await nodes[2]?.cluster.flush();
    const publisher = await connect({ url: nodes[0]?.url() ?? '', realm: 'realm1' });
    const count = 500;
    const sent: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) sent.push(publisher.publish('com.order.t', [i]));
    await Promise.all(sent);
    await eventually(() => seen.length === count, 10_000);
    expect(seen).toEqual([...Array(count).keys()]);
    await leaveAll([subscriber, publisher]);
  });
});

describe('retained events', () => {
  it('reach a get_retained subscriber on a node that started after the publication', async () => {
    const publisher = await connect({ url: nodes[0]?.url() ?? '', realm: 'realm1' });
    await publisher.publish('com.ret.status', ['old'], { acknowledge: true, retain: true });
    await publisher.publish('com.ret.status', ['current'], { acknowledge: true, retain: true, disclose_me: true });
    await nodes[0]?.cluster.flush();
    const late = await startClusterNode(nats.url, 'late');
    try {
      const subscriber = await connect({ url: late.url(), realm: 'realm1' });
      const events: Event[] = [];
      await subscriber.subscribe('com.ret.', (e) => void events.push(e), { match: 'prefix', get_retained: true });
      await eventually(() => events.length === 1);
      expect(events[0]?.args).toEqual(['current']);
      expect(events[0]?.details).toMatchObject({ retained: true, topic: 'com.ret.status', publisher: publisher.id });
      await subscriber.leave();
    } finally {
      await late.stop();
      await publisher.leave();
    }
  });
});

describe('testaments', () => {
  it("publishes a leaving session's testaments to subscribers on other nodes, under the announced IDs", async () => {
    const watcher = await connect({ url: nodes[2]?.url() ?? '', realm: 'realm1' });
    const events: Event[] = [];
    await watcher.subscribe('com.will.', (e) => void events.push(e), { match: 'prefix' });
    await nodes[2]?.cluster.flush();
    const dying = await connect({ url: nodes[0]?.url() ?? '', realm: 'realm1' });
    const destroyed = await dying.meta.addTestament('com.will.gone', ['destroyed'], { who: 'dying' });
    const detached = await dying.meta.addTestament('com.will.gone', ['detached'], {}, { scope: 'detached' });
    await dying.leave();
    await eventually(() => events.length === 2);
    expect(events.map((e) => [e.args[0], e.publication])).toEqual([
      ['detached', detached],
      ['destroyed', destroyed],
    ]);
    await watcher.leave();
  });
});

describe('limits', () => {
  it('refuses a publication larger than NATS max_payload with an error, when acknowledged', async () => {
    const subscriber = await connect({ url: nodes[1]?.url() ?? '', realm: 'realm1' });
    let events = 0;
    await subscriber.subscribe('com.big.t', () => void events++);
    await nodes[1]?.cluster.flush();
    const publisher = await connect({ url: nodes[0]?.url() ?? '', realm: 'realm1' });
    const big = 'x'.repeat(1024 * 1024 + 10); // nats-server's default max_payload is 1 MiB
    const error = await publisher.publish('com.big.t', [big], { acknowledge: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationError);
    expect((error as ApplicationError).uri).toBe('wamp.error.payload_size_exceeded');
    await publisher.publish('com.big.t', ['small'], { acknowledge: true });
    await eventually(() => events === 1);
    await leaveAll([subscriber, publisher]);
  });
});
