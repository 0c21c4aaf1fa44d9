/**
 * Crossbar's router-to-router links (`rlinks`) between Interchange nodes on this machine, with
 * Autobahn|JS clients: events and calls cross the link both ways, a mesh of three nodes linked
 * as Crossbar's HA example links its nodes delivers each event once, the link comes back after
 * the other node restarts, and a link the other node refuses is logged and retried.
 */
import autobahn from 'autobahn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { recordingLogger } from '../support/recording.js';
import {
  autobahnSession,
  collect,
  hasRegistration,
  hasSubscription,
  type NodeDir,
  nodeConfig,
  nodeDir,
  rlinkTo,
  startNode,
  until,
} from './link-fixtures.js';

type Client = Awaited<ReturnType<typeof autobahnSession>>;

async function publish(session: autobahn.Session, topic: string, value: unknown): Promise<void> {
  await session.publish(topic, [value], {}, { acknowledge: true });
}

describe('a router link between two nodes (all forward_* flags at their default, true)', () => {
  let a: NodeDir;
  let b: NodeDir;
  let nodeA: InterchangeNode;
  let nodeB: InterchangeNode;
  const clients: Client[] = [];
  const client = async (node: InterchangeNode) => {
    const c = await autobahnSession(node);
    clients.push(c);
    return c.session;
  };

  beforeAll(async () => {
    a = await nodeDir('node-a');
    b = await nodeDir('node-b');
    nodeB = await startNode(b, nodeConfig(b, [a], []));
    nodeA = await startNode(a, nodeConfig(a, [b], [rlinkTo(b)]));
    await nodeA.links[0]?.whenUp();
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await nodeA?.stop({ timeoutMs: 1000 });
    await nodeB?.stop({ timeoutMs: 1000 });
  });

  it('an Autobahn|JS subscriber on A gets the events published on B, each once, and the reverse', async () => {
    const subscriberA = await client(nodeA);
    const publisherB = await client(nodeB);
    const onA = await collect(subscriberA, 'com.example.b_to_a');
    await until(() => hasSubscription(publisherB, 'com.example.b_to_a'), 'the subscription mirrored on B');
    await publish(publisherB, 'com.example.b_to_a', 1);
    await publish(publisherB, 'com.example.b_to_a', 2);
    await until(() => onA.length >= 2, 'two events on A');

    const subscriberB = await client(nodeB);
    const publisherA = await client(nodeA);
    const onB = await collect(subscriberB, 'com.example.a_to_b');
    await until(() => hasSubscription(publisherA, 'com.example.a_to_b'), 'the subscription mirrored on A');
    await publish(publisherA, 'com.example.a_to_b', 'x');
    await until(() => onB.length >= 1, 'an event on B');

    // A last event each way: anything duplicated or looping would have arrived before it.
    await publish(publisherB, 'com.example.b_to_a', 3);
    await publish(publisherA, 'com.example.a_to_b', 'y');
    await until(() => onA.length >= 3 && onB.length >= 2, 'the last events');
    expect(onA).toEqual([1, 2, 3]);
    expect(onB).toEqual(['x', 'y']);
  });

  it('a pattern subscription on A gets B events of the concrete topics', async () => {
    const subscriberA = await client(nodeA);
    const publisherB = await client(nodeB);
    const received: string[] = [];
    await subscriberA.subscribe(
      'com.example.sensor.',
      (_args, _kwargs, details) => {
        received.push((details as { topic: string }).topic);
      },
      { match: 'prefix' },
    );
    await until(
      async () => typeof (await publisherB.call('wamp.subscription.match', ['com.example.sensor.t1'])) === 'object',
      'the prefix subscription mirrored on B',
    );
    await publish(publisherB, 'com.example.sensor.t1', 20);
    await until(() => received.length >= 1, 'the event');
    expect(received).toEqual(['com.example.sensor.t1']);
  });

  it('a call on A reaches a callee on B, with its result or its error; and the reverse', async () => {
    const calleeB = await client(nodeB);
    await calleeB.register('com.example.add2', (args) => Number(args?.[0]) + Number(args?.[1]));
    await calleeB.register('com.example.refuse', () => {
      throw new autobahn.Error('com.example.not_allowed', ['no way']);
    });
    const callerA = await client(nodeA);
    await until(() => hasRegistration(callerA, 'com.example.refuse'), 'the registrations mirrored on A');
    expect(await callerA.call('com.example.add2', [2, 3])).toBe(5);
    await expect(callerA.call('com.example.refuse')).rejects.toMatchObject({
      error: 'com.example.not_allowed',
      args: ['no way'],
    });

    const calleeA = await client(nodeA);
    await calleeA.register('com.example.hello', (args) => `hello ${String(args?.[0])}`);
    const callerB = await client(nodeB);
    await until(() => hasRegistration(callerB, 'com.example.hello'), 'the registration mirrored on B');
    expect(await callerB.call('com.example.hello', ['B'])).toBe('hello B');
  });

  it('ends the mirrored registration on the other node when the callee leaves', async () => {
    const calleeB = await autobahnSession(nodeB);
    await calleeB.session.register('com.example.short_lived', () => 1);
    const callerA = await client(nodeA);
    await until(() => hasRegistration(callerA, 'com.example.short_lived'), 'the registration mirrored on A');
    calleeB.close();
    await until(async () => !(await hasRegistration(callerA, 'com.example.short_lived')), 'the mirror ended on A');
    await expect(callerA.call('com.example.short_lived')).rejects.toMatchObject({
      error: 'wamp.error.no_such_procedure',
    });
  });

  it('joins its local realm again when its session there is killed, and forwards again', async () => {
    const admin = await client(nodeA);
    const killed = await admin.call('wamp.session.kill_by_authid', ['rlink_to_node-b']);
    expect(killed).toHaveLength(1);
    await until(() => nodeA.links[0]?.state === 'up', 'the link up again');
    const subscriberA = await client(nodeA);
    const publisherB = await client(nodeB);
    const onA = await collect(subscriberA, 'com.example.after_kill');
    await until(() => hasSubscription(publisherB, 'com.example.after_kill'), 'the subscription mirrored on B');
    await publish(publisherB, 'com.example.after_kill', 'again');
    await until(() => onA.length >= 1, 'the event on A');
    expect(onA).toEqual(['again']);
  });
});

describe("three nodes linked as Crossbar's HA example links them (each to both others, forward_remote_* only)", () => {
  const dirs: NodeDir[] = [];
  const nodes: InterchangeNode[] = [];
  const clients: Client[] = [];
  const client = async (node: InterchangeNode) => {
    const c = await autobahnSession(node);
    clients.push(c);
    return c.session;
  };
  const FLAGS = {
    forward_local_events: false,
    forward_remote_events: true,
    forward_local_invocations: false,
    forward_remote_invocations: true,
  };

  beforeAll(async () => {
    for (const name of ['node1', 'node2', 'node3']) dirs.push(await nodeDir(name));
    for (const self of dirs) {
      const others = dirs.filter((d) => d !== self);
      nodes.push(
        await startNode(
          self,
          nodeConfig(
            self,
            others,
            others.map((other) => rlinkTo(other, FLAGS)),
          ),
        ),
      );
    }
    await Promise.all(nodes.flatMap((node) => node.links.map((link) => link.whenUp())));
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(nodes.map((node) => node.stop({ timeoutMs: 1000 })));
  });

  it('each subscriber gets each event once, whichever node it was published on', async () => {
    const topic = 'com.example.mesh';
    const subscribers = await Promise.all(nodes.map((node) => client(node)));
    const publishers = await Promise.all(nodes.map((node) => client(node)));
    const received = await Promise.all(subscribers.map((s) => collect(s, topic)));
    // Each node holds its own subscriber and the two links' mirrors of the other nodes' ones.
    for (const publisher of publishers) {
      await until(async () => {
        const id = await publisher.call('wamp.subscription.lookup', [topic]);
        return typeof id === 'number' && (await publisher.call('wamp.subscription.count_subscribers', [id])) === 3;
      }, 'the mirrored subscriptions');
    }
    for (const [i, publisher] of publishers.entries()) await publish(publisher, topic, `from-${i + 1}`);
    for (const [i, publisher] of publishers.entries()) await publish(publisher, topic, `end-${i + 1}`);
    await until(() => received.every((r) => r.length >= 6), 'six events at every subscriber');
    for (const r of received) {
      expect([...r].sort()).toEqual(['end-1', 'end-2', 'end-3', 'from-1', 'from-2', 'from-3']);
    }
  });

  it('a call on any node reaches the callee on another', async () => {
    const callee1 = await client(nodes[0] as InterchangeNode);
    await callee1.register('com.example.where', () => 'node1');
    const callee2 = await client(nodes[1] as InterchangeNode);
    await callee2.register('com.example.where2', () => 'node2');
    const callers = await Promise.all(nodes.map((node) => client(node)));
    for (const caller of callers) {
      await until(
        async () =>
          (await hasRegistration(caller, 'com.example.where')) && (await hasRegistration(caller, 'com.example.where2')),
        'the registrations mirrored',
      );
    }
    for (const caller of callers) {
      expect(await caller.call('com.example.where')).toBe('node1');
      expect(await caller.call('com.example.where2')).toBe('node2');
    }
  });
});

describe('router links and clusters', () => {
  it('a node started as a cluster worker (start --workers) refuses its rlinks before it starts anything', async () => {
    const a = await nodeDir('node-a');
    const b = await nodeDir('node-b');
    await expect(
      InterchangeNode.start({
        config: nodeConfig(a, [], [rlinkTo(b)]),
        cbdir: a.cbdir,
        cluster: { type: 'nats', servers: ['nats://127.0.0.1:1'] } as never,
      }),
    ).rejects.toThrow(/router links cannot run in a cluster node/);
  });
});

describe('exclude_authid', () => {
  it('keeps the events the link publishes on the other router from sessions with those authids', async () => {
    const a = await nodeDir('node-a');
    const b = await nodeDir('node-b');
    const tickets = {
      ticket: {
        type: 'static',
        principals: {
          bob: { ticket: 'bob-secret', role: 'anonymous' },
          carol: { ticket: 'carol-secret', role: 'anonymous' },
        },
      },
    };
    const nodeB = await startNode(b, nodeConfig(b, [a], [], tickets));
    const nodeA = await startNode(a, nodeConfig(a, [b], [rlinkTo(b, { exclude_authid: ['bob'] })]));
    const bob = await autobahnSession(nodeB, { authid: 'bob', ticket: 'bob-secret' });
    const carol = await autobahnSession(nodeB, { authid: 'carol', ticket: 'carol-secret' });
    const publisherA = await autobahnSession(nodeA);
    try {
      await nodeA.links[0]?.whenUp();
      const toBob = await collect(bob.session, 'com.example.news');
      const toCarol = await collect(carol.session, 'com.example.news');
      await until(() => hasSubscription(publisherA.session, 'com.example.news'), 'the subscription mirrored on A');
      await publish(publisherA.session, 'com.example.news', 1);
      await publish(publisherA.session, 'com.example.news', 2);
      await until(() => toCarol.length >= 2, 'the events at carol');
      // Both subscribed before the first event; carol got both, so bob would have too.
      expect(toCarol).toEqual([1, 2]);
      expect(toBob).toEqual([]);
    } finally {
      for (const c of [bob, carol, publisherA]) c.close();
      await nodeA.stop({ timeoutMs: 1000 });
      await nodeB.stop({ timeoutMs: 1000 });
    }
  });
});

describe('a router link whose other node restarts, or refuses it', () => {
  it('reconnects after the other node restarts, and forwards again', async () => {
    const a = await nodeDir('node-a');
    const b = await nodeDir('node-b');
    let nodeB = await startNode(b, nodeConfig(b, [a], []));
    const nodeA = await startNode(a, nodeConfig(a, [b], [rlinkTo(b)]));
    const link = nodeA.links[0];
    if (link === undefined) throw new Error('no link');
    const subscriberA = await autobahnSession(nodeA);
    let publisherB: Client | undefined;
    try {
      await link.whenUp();
      const onA = await collect(subscriberA.session, 'com.example.after_restart');
      await nodeB.stop({ timeoutMs: 1000 });
      await until(() => link.state !== 'up', 'the link to notice');
      nodeB = await startNode(b, nodeConfig(b, [a], []));
      await link.whenUp();
      publisherB = await autobahnSession(nodeB);
      const publisher = publisherB.session;
      await until(() => hasSubscription(publisher, 'com.example.after_restart'), 'the subscription mirrored again');
      await publish(publisher, 'com.example.after_restart', 'back');
      await until(() => onA.length >= 1, 'the event on A');
      expect(onA).toEqual(['back']);
    } finally {
      publisherB?.close();
      subscriberA.close();
      await nodeA.stop({ timeoutMs: 1000 });
      await nodeB.stop({ timeoutMs: 1000 });
    }
  });

  it("says what the link's role lacks when the other router refuses it the meta API", async () => {
    const a = await nodeDir('node-a');
    const b = await nodeDir('node-b');
    const config = nodeConfig(b, [a], []) as {
      workers: [{ realms: [{ roles: { name: string; permissions: unknown[] }[] }] }];
    };
    const linkRole = config.workers[0].realms[0].roles.find((role) => role.name === 'router2router');
    if (linkRole === undefined) throw new Error('no router2router role');
    // Only the application's URIs: no wamp.subscription.* or wamp.registration.* for the link.
    linkRole.permissions = [
      { uri: 'com.example.', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } },
    ];
    const nodeB = await startNode(b, config);
    const { logger, waitFor } = recordingLogger();
    const nodeA = await startNode(a, nodeConfig(a, [b], [rlinkTo(b)]), logger);
    try {
      const entry = await waitFor((e) => e.level === 'error' && /meta API/.test(e.msg ?? ''));
      expect(entry.msg).toContain('wamp.subscription.* and wamp.registration.*');
      expect(nodeA.links[0]?.state).toBe('connecting');
    } finally {
      await nodeA.stop({ timeoutMs: 1000 });
      await nodeB.stop({ timeoutMs: 1000 });
    }
  });

  it('logs the refusal of bad credentials and keeps retrying, while the node serves its own clients', async () => {
    const a = await nodeDir('node-a');
    const b = await nodeDir('node-b');
    const stranger = await nodeDir('stranger');
    // B knows a key, but not A's.
    const nodeB = await startNode(b, nodeConfig(b, [stranger], []));
    const { logger, waitFor, entries } = recordingLogger();
    const nodeA = await startNode(a, nodeConfig(a, [], [rlinkTo(b)]), logger);
    const local = await autobahnSession(nodeA);
    try {
      const refused = (entry: { msg: string | undefined }) =>
        entry.msg === 'router link: the other router refused or ended the session; retrying';
      const first = await waitFor(refused);
      expect(first.level).toBe('error');
      expect(String(first.obj['reason'])).toMatch(/^wamp\.error\.(authentication_failed|not_authorized)/);
      await until(() => entries.filter(refused).length >= 2, 'a second attempt');
      expect(nodeA.links[0]?.state).toBe('connecting');
      await local.session.register('com.example.local', () => 'still here');
      expect(await local.session.call('com.example.local')).toBe('still here');
    } finally {
      local.close();
      await nodeA.stop({ timeoutMs: 1000 });
      await nodeB.stop({ timeoutMs: 1000 });
    }
  });
});
