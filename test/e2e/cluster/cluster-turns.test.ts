/**
 * Shared registrations over callees on three nodes pick as one router picks, whoever calls
 * (docs/scaling.md, "Shared registrations"): `roundrobin` gives every callee its turn in the
 * order they registered, for calls made on any node; `first` and `last` follow the order the
 * callees registered cluster-wide; `random` reaches every callee from every node.
 */
import type { Session } from '@interchange/client';
import { describe, expect, it } from 'vitest';
import { useCluster } from './cluster-fixture.js';
import { registeredEverywhere } from './cluster-support.js';

const { nodes, on } = useCluster(['a', 'b', 'c'], { allAlive: true });
const NAMES = ['a', 'b', 'c'];

/** Registers `procedure` on the nodes in `order`, one after the other, each seen everywhere. */
async function registerOn(order: number[], procedure: string, invoke: string): Promise<Map<number, Session>> {
  const callees = new Map<number, Session>();
  for (const [count, n] of order.entries()) {
    const callee = await on(n);
    await callee.register(procedure, () => NAMES[n], { invoke: invoke as 'roundrobin' });
    await registeredEverywhere(nodes, procedure, count + 1);
    callees.set(n, callee);
  }
  return callees;
}

describe('shared registrations across nodes, as one router', () => {
  it('roundrobin rotates over every callee in order, whichever node calls', async () => {
    await registerOn([1, 2, 0], 'com.turns.rr', 'roundrobin');
    const callers = [await on(0), await on(1), await on(2), await on(0)];
    const served: unknown[] = [];
    // Callers on a, b, c and a again take turns: each call is the next turn of one rotation.
    for (let i = 0; i < 12; i++) {
      served.push((await (callers[i % callers.length] as Session).call('com.turns.rr')).args[0]);
    }
    expect(served).toEqual(['b', 'c', 'a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('roundrobin goes on with the callees left when one leaves', async () => {
    const callees = await registerOn([2, 0, 1], 'com.turns.rr2', 'roundrobin');
    const callers = [await on(1), await on(2)];
    const served: unknown[] = [];
    for (let i = 0; i < 3; i++) served.push((await (callers[i % 2] as Session).call('com.turns.rr2')).args[0]);
    expect(served).toEqual(['c', 'a', 'b']);
    // The first callee (on c, whose node kept the rotation) leaves: the rotation moves on.
    await callees.get(2)?.leave();
    await registeredEverywhere(nodes, 'com.turns.rr2', 2);
    const after: unknown[] = [];
    for (let i = 0; i < 4; i++) after.push((await (callers[i % 2] as Session).call('com.turns.rr2')).args[0]);
    expect(after.filter((n) => n === 'a')).toHaveLength(2);
    expect(after.filter((n) => n === 'b')).toHaveLength(2);
    expect(after[0]).not.toBe(after[1]);
  });

  it('first and last follow the order the callees registered, on every node', async () => {
    await registerOn([2, 0, 1], 'com.turns.first', 'first');
    await registerOn([1, 2, 0], 'com.turns.last', 'last');
    for (const n of [0, 1, 2]) {
      const caller = await on(n);
      expect((await caller.call('com.turns.first')).args).toEqual(['c']);
      expect((await caller.call('com.turns.last')).args).toEqual(['a']);
    }
  });

  it('random reaches callees on every node from every node', async () => {
    await registerOn([0, 1, 2], 'com.turns.random', 'random');
    for (const n of [0, 1, 2]) {
      const caller = await on(n);
      const served = new Set<unknown>();
      // 3 callees: all three answer within 60 calls unless one is never picked (1 in 10^10).
      for (let i = 0; i < 60 && served.size < 3; i++) served.add((await caller.call('com.turns.random')).args[0]);
      expect([...served].sort()).toEqual(['a', 'b', 'c']);
    }
  });
});
