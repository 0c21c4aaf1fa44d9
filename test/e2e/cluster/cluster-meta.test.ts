/**
 * The session meta API answered for the whole cluster (scatter-gather over NATS): counts, lists,
 * lookups and kills of sessions on other nodes, called from any node.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/advanced-sessions.js';
import { useCluster } from './cluster-fixture.js';

// Every node must have heard every other before a scatter can count on their answers.
const { nodes, on } = useCluster(['a', 'b', 'c'], { allAlive: true });

describe('meta events across nodes', () => {
  it('session join and leave and subscription events reach subscribers on other nodes, once each', async () => {
    const watcher = await on(0);
    const joined: unknown[] = [];
    const left: unknown[] = [];
    const created: unknown[] = [];
    await watcher.subscribe('wamp.session.on_join', (e) => void joined.push(e.args[0]));
    // Overlapping subscriptions on one node must not bring an event twice.
    await watcher.subscribe(
      'wamp.session.on_',
      (e) => void (e.topic === 'wamp.session.on_leave' && left.push(e.args[0])),
      {
        match: 'prefix',
      },
    );
    await watcher.subscribe('wamp.subscription.on_create', (e) => void created.push(e.args));
    await nodes[0]?.cluster.flush();
    const far = await on(2, { authid: 'visitor', authrole: 'guest' });
    await eventually(() => joined.some((d) => (d as { session?: number }).session === far.id));
    expect(joined.find((d) => (d as { session?: number }).session === far.id)).toMatchObject({
      authid: 'visitor',
      authrole: 'guest',
    });
    await far.subscribe('com.meta.watched');
    await eventually(() => created.some((args) => (args as unknown[])[0] === far.id));
    const farId = far.id;
    await far.leave();
    await eventually(() => left.includes(farId));
    // A marker from the same node after the events: any duplicate would have arrived by then.
    const marker = await on(2);
    await eventually(() => joined.some((d) => (d as { session?: number }).session === marker.id));
    expect(joined.filter((d) => (d as { session?: number }).session === farId)).toHaveLength(1);
    expect(left.filter((id) => id === farId)).toHaveLength(1);
  });
});

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
