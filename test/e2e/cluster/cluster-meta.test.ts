/**
 * The session meta API answered for the whole cluster (scatter-gather over NATS): counts, lists,
 * lookups and kills of sessions on other nodes, called from any node.
 */
import { connect, type Session } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, leaveAll } from '../support/advanced-sessions.js';
import { type ClusterNode, type NatsServer, startClusterNode, startNats } from './cluster-support.js';

let nats: NatsServer;
let nodes: ClusterNode[] = [];
const sessions: Session[] = [];

beforeAll(async () => {
  nats = await startNats();
  nodes = [
    await startClusterNode(nats.url, 'a'),
    await startClusterNode(nats.url, 'b'),
    await startClusterNode(nats.url, 'c'),
  ];
  // Every node must have heard every other before a scatter can count on their answers.
  await eventually(() =>
    nodes.every((node) => ['a', 'b', 'c'].every((n) => n === node.cluster.node || node.cluster.isAlive(n))),
  );
});
afterAll(async () => {
  await leaveAll(sessions);
  for (const node of nodes) await node.stop();
  await nats?.stop();
});

async function on(n: number, identity: { authid?: string; authrole?: string } = {}): Promise<Session> {
  const session = await connect({ url: (nodes[n] as ClusterNode).url(identity), realm: 'realm1' });
  sessions.push(session);
  return session;
}

describe('session meta API across nodes', () => {
  it('counts and lists the sessions of every node, with filter_authroles', async () => {
    const admin = await on(0, { authid: 'root', authrole: 'admin' });
    const b = await on(1, { authid: 'bea', authrole: 'user' });
    const c = await on(2, { authid: 'cal', authrole: 'user' });
    expect((await admin.call('wamp.session.count')).args).toEqual([3]);
    expect((await b.call('wamp.session.count', [['user']])).args).toEqual([2]);
    const list = (await c.call('wamp.session.list')).args[0] as number[];
    expect([...list].sort()).toEqual([admin.id, b.id, c.id].sort());
  });

  it('gets the details of a session on another node, and no_such_session for an unknown one', async () => {
    const asker = await on(0);
    const far = await on(2, { authid: 'faraway', authrole: 'user' });
    const { args } = await asker.call('wamp.session.get', [far.id]);
    expect(args[0]).toMatchObject({ session: far.id, authid: 'faraway', authrole: 'user' });
    await expect(asker.call('wamp.session.get', [12345])).rejects.toMatchObject({ uri: 'wamp.error.no_such_session' });
    await expect(asker.call('wamp.session.get', ['x'])).rejects.toMatchObject({ uri: 'wamp.error.invalid_argument' });
  });

  it('kills a session on another node, and by authid across nodes', async () => {
    const killer = await on(0);
    const victim = await on(1);
    await killer.call('wamp.session.kill', [victim.id]);
    await eventually(() => !victim.isOpen);
    const m1 = await on(1, { authid: 'mallory' });
    const m2 = await on(2, { authid: 'mallory' });
    const ids = [m1.id, m2.id].sort();
    const killed = (await killer.call('wamp.session.kill_by_authid', ['mallory'])).args[0] as number[];
    expect([...killed].sort()).toEqual(ids);
    await eventually(() => !m1.isOpen && !m2.isOpen);
  });
});
