/**
 * The subscription and registration meta procedures answered for the whole cluster, called on
 * one node about subscriptions and registrations held on the others (three nodes, a real
 * nats-server). Subscriptions are per node: a topic subscribed on two nodes has two
 * subscription IDs, both listed, and its subscribers are counted over the nodes.
 */
import { ApplicationError, type Session } from '@interchange/client';
import { describe, expect, it } from 'vitest';
import { useCluster } from './cluster-fixture.js';
import { registeredEverywhere } from './cluster-support.js';

// Every node must have heard every other before a scatter can count on their answers.
const { nodes, on } = useCluster(['a', 'b', 'c'], { allAlive: true });

async function metaError(session: Session, procedure: string, args: unknown[]): Promise<string> {
  const error = await session.call(procedure, args).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApplicationError);
  return (error as ApplicationError).uri;
}

describe('subscription meta procedures across nodes', () => {
  it('list, lookup, match, get and the subscribers of subscriptions on other nodes', async () => {
    const [b, c, asker] = [await on(1), await on(2), await on(0)];
    const onB = await b.subscribe('com.meta.topic', () => undefined);
    const onC = await c.subscribe('com.meta.topic', () => undefined);
    const prefixOnC = await c.subscribe('com.meta', () => undefined, { match: 'prefix' });

    const lists = (await asker.call('wamp.subscription.list')).args?.[0] as Record<string, number[]>;
    expect(lists.exact).toEqual(expect.arrayContaining([onB.id, onC.id]));
    expect(lists.prefix).toContain(prefixOnC.id);

    const found = (await asker.call('wamp.subscription.lookup', ['com.meta.topic'])).args?.[0];
    expect([onB.id, onC.id]).toContain(found);
    expect((await asker.call('wamp.subscription.lookup', ['com.meta.none'])).args?.[0]).toBeNull();

    const matching = (await asker.call('wamp.subscription.match', ['com.meta.topic'])).args?.[0] as number[];
    expect([...matching].sort()).toEqual([onB.id, onC.id, prefixOnC.id].sort());
    expect((await asker.call('wamp.subscription.match', ['org.nothing'])).args?.[0]).toBeNull();

    expect((await asker.call('wamp.subscription.get', [onB.id])).args?.[0]).toMatchObject({
      id: onB.id,
      uri: 'com.meta.topic',
      match: 'exact',
    });
    expect(await metaError(asker, 'wamp.subscription.get', [424242])).toBe('wamp.error.no_such_subscription');

    // Subscribers of the topic on every node, whichever node's subscription ID is named.
    const subscribers = (await asker.call('wamp.subscription.list_subscribers', [onB.id])).args?.[0] as number[];
    expect([...subscribers].sort()).toEqual([b.id, c.id].sort());
    expect((await asker.call('wamp.subscription.count_subscribers', [onC.id])).args?.[0]).toBe(2);

    // One session's subscriptions, that session being on another node.
    const ofC = (await asker.call('wamp.subscription.list', [c.id])).args?.[0] as Record<string, number[]>;
    expect(ofC).toEqual({ exact: [onC.id], prefix: [prefixOnC.id], wildcard: [] });
    expect(await metaError(asker, 'wamp.subscription.list', [424242])).toBe('wamp.error.no_such_session');
  });
});

describe('registration meta procedures across nodes', () => {
  it('understand the registration ID the callee got on its own node, and name sessions of other nodes', async () => {
    const callee = await on(1);
    const registration = await callee.register('com.meta.proc', () => 'ok');
    await registeredEverywhere(nodes, 'com.meta.proc', 1);
    const asker = await on(0);

    expect((await asker.call('wamp.registration.get', [registration.id])).args?.[0]).toMatchObject({
      uri: 'com.meta.proc',
      match: 'exact',
      invoke: 'single',
    });
    expect((await asker.call('wamp.registration.list_callees', [registration.id])).args?.[0]).toEqual([callee.id]);
    expect((await asker.call('wamp.registration.count_callees', [registration.id])).args?.[0]).toBe(1);
    const here = (await asker.call('wamp.registration.lookup', ['com.meta.proc'])).args?.[0];
    expect(here).toEqual(expect.any(Number));
    const ofCallee = (await asker.call('wamp.registration.list', [callee.id])).args?.[0] as Record<string, number[]>;
    expect(ofCallee.exact).toEqual([here]);

    // Revoked from another node: the callee is told, and the procedure is gone everywhere.
    await asker.call('wamp.registration.remove_callee', [registration.id, callee.id, 'com.example.maintenance']);
    await expect(registration.ended).resolves.toMatchObject({ reason: 'com.example.maintenance' });
    await registeredEverywhere(nodes, 'com.meta.proc', 0);
    expect(await metaError(asker, 'com.meta.proc', [])).toBe('wamp.error.no_such_procedure');
  });
});
