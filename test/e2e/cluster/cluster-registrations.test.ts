/**
 * Registrations as one router sees them, across three nodes on a real nats-server: REGISTERED
 * means every node can route to the callee (no moment where a call made elsewhere misses it),
 * `single` procedures are exclusive cluster-wide (also when two nodes register at the same
 * moment), and `force_reregister` takes a procedure over from a callee on another node.
 */
import { ApplicationError } from '@interchange/client';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/advanced-sessions.js';
import { useCluster } from './cluster-fixture.js';

const { nodes, on } = useCluster(['a', 'b', 'c'], { allAlive: true });

describe('a registration is cluster-wide from REGISTERED on', () => {
  it('a call made on another node right after REGISTERED reaches the callee, every time', async () => {
    const callee = await on(1);
    const caller = await on(0);
    for (let i = 0; i < 20; i++) {
      const registration = await callee.register(`com.gap.p${i}`, () => i);
      // No waiting for the other nodes: REGISTERED is the callee's word that the procedure exists.
      await expect(caller.call(`com.gap.p${i}`)).resolves.toMatchObject({ args: [i] });
      await registration.unregister();
    }
  });
});

describe('single registrations across nodes', () => {
  it('refuses a second REGISTER of a single procedure on another node with procedure_already_exists', async () => {
    const first = await on(0);
    const second = await on(1);
    await first.register('com.single.one', () => 'first');
    const error = await second.register('com.single.one', () => 'second').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationError);
    expect((error as ApplicationError).uri).toBe('wamp.error.procedure_already_exists');
    const caller = await on(2);
    await expect(caller.call('com.single.one')).resolves.toMatchObject({ args: ['first'] });
  });

  it('lets exactly one of two nodes registering the same single procedure at the same moment win', async () => {
    for (let i = 0; i < 5; i++) {
      const [x, y] = [await on(0), await on(2)];
      const outcomes = await Promise.allSettled([
        x.register(`com.single.race${i}`, () => 'x'),
        y.register(`com.single.race${i}`, () => 'y'),
      ]);
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      expect(won).toHaveLength(1);
      const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect((lost.reason as ApplicationError).uri).toBe('wamp.error.procedure_already_exists');
      // Every node routes to the winner.
      const winner = outcomes[0]?.status === 'fulfilled' ? 'x' : 'y';
      for (const n of [0, 1, 2]) {
        const caller = await on(n);
        await expect(caller.call(`com.single.race${i}`)).resolves.toMatchObject({ args: [winner] });
      }
    }
  });

  it('frees the procedure for other nodes when its callee unregisters or leaves', async () => {
    const first = await on(0);
    const registration = await first.register('com.single.freed', () => 'first');
    await registration.unregister();
    const second = await on(1);
    await second.register('com.single.freed', () => 'second');
    await second.leave();
    const third = await on(2);
    await third.register('com.single.freed', () => 'third');
    const caller = await on(0);
    await expect(caller.call('com.single.freed')).resolves.toMatchObject({ args: ['third'] });
  });
});

describe('force_reregister across nodes', () => {
  it('takes a procedure over from a callee of the same authid on another node, which is told', async () => {
    const old = await on(0, { authid: 'backend', authrole: 'user' });
    const oldRegistration = await old.register('com.force.svc', () => 'old');
    const fresh = await on(1, { authid: 'backend', authrole: 'user' });
    await fresh.register('com.force.svc', () => 'new', { force_reregister: true });
    await expect(oldRegistration.ended).resolves.toMatchObject({ reason: 'wamp.error.unregistered' });
    // The replaced callee's entry leaves the other nodes a moment after the revocation.
    for (const node of nodes) {
      const dealer = node.router.realm('realm1')?.dealer;
      await eventually(() => {
        const registration = dealer?.lookup('com.force.svc');
        return registration !== undefined && dealer?.callees(registration.id)?.join() === String(fresh.id);
      });
    }
    for (const n of [0, 1, 2]) {
      const caller = await on(n);
      await expect(caller.call('com.force.svc')).resolves.toMatchObject({ args: ['new'] });
    }
  });

  it('refuses force_reregister of a procedure another authid holds on another node', async () => {
    const owner = await on(0, { authid: 'owner', authrole: 'user' });
    await owner.register('com.force.owned', () => 'owner');
    const intruder = await on(2, { authid: 'intruder', authrole: 'user' });
    const error = await intruder
      .register('com.force.owned', () => 'intruder', { force_reregister: true })
      .catch((e: unknown) => e);
    expect((error as ApplicationError).uri).toBe('wamp.error.not_authorized');
    const caller = await on(1);
    await expect(caller.call('com.force.owned')).resolves.toMatchObject({ args: ['owner'] });
  });
});
