/**
 * Crossbar's callee `concurrency` across nodes: the limit holds where the callee lives, for the
 * calls of every node together; a call to a busy callee on another node goes to the next callee
 * of a shared registration, or fails with `crossbar.error.max_concurrency_reached`, as on one node.
 */
import type { Session } from '@interchange/client';
import { describe, expect, it } from 'vitest';
import { useCluster } from './cluster-fixture.js';
import { registeredEverywhere } from './cluster-support.js';

const { nodes, on } = useCluster(['a', 'b', 'c'], { allAlive: true });

/** A handler that holds each invocation until released; `started` counts the invocations it got. */
function holding(name: string) {
  const releases: (() => void)[] = [];
  let started = 0;
  const waiters: (() => void)[] = [];
  return {
    handler: () =>
      new Promise<string>((resolve) => {
        started++;
        for (const wake of waiters.splice(0)) wake();
        releases.push(() => resolve(name));
      }),
    async startedAtLeast(n: number): Promise<void> {
      while (started < n) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    releaseAll(): void {
      for (const release of releases.splice(0)) release();
    },
    get started() {
      return started;
    },
  };
}

describe("a callee's concurrency limit across nodes", () => {
  it('counts calls from every node: one on its own node and one from another fill a limit of 2', async () => {
    const callee = await on(1);
    const held = holding('b');
    await callee.register('com.conc.one', held.handler, { concurrency: 2 });
    await registeredEverywhere(nodes, 'com.conc.one', 1);
    const [local, remote, third] = [await on(1), await on(0), await on(2)];
    const calls = [local.call('com.conc.one'), remote.call('com.conc.one')];
    await held.startedAtLeast(2);
    // Full, whichever node asks: the callee's own node and the others alike.
    for (const caller of [third, remote, local]) {
      await expect(caller.call('com.conc.one')).rejects.toMatchObject({
        uri: 'crossbar.error.max_concurrency_reached',
      });
    }
    expect(held.started).toBe(2);
    held.releaseAll();
    for (const call of calls) expect((await call).args).toEqual(['b']);
    // The slots are free again, for calls from any node.
    const again = [remote.call('com.conc.one'), third.call('com.conc.one')];
    await held.startedAtLeast(4);
    held.releaseAll();
    for (const call of again) expect((await call).args).toEqual(['b']);
  });

  it('passes a call over a busy callee on another node to the next one, and fails when all are busy', async () => {
    const helds = [holding('b'), holding('c')];
    const callees: Session[] = [await on(1), await on(2)];
    for (const [n, callee] of callees.entries()) {
      await callee.register('com.conc.shared', (helds[n] as ReturnType<typeof holding>).handler, {
        invoke: 'roundrobin',
        concurrency: 1,
      });
    }
    await registeredEverywhere(nodes, 'com.conc.shared', 2);
    const [caller, other] = [await on(0), await on(1)];
    // The first fills one callee; the callee on b is then busy for the call from b, which goes on to c's.
    const first = caller.call('com.conc.shared');
    await Promise.race(helds.map((h) => h.startedAtLeast(1)));
    const second = other.call('com.conc.shared');
    await Promise.all(helds.map((h) => h.startedAtLeast(1)));
    await expect(caller.call('com.conc.shared')).rejects.toMatchObject({
      uri: 'crossbar.error.max_concurrency_reached',
    });
    for (const held of helds) {
      expect(held.started).toBe(1);
      held.releaseAll();
    }
    expect([(await first).args?.[0], (await second).args?.[0]].sort()).toEqual(['b', 'c']);
  });
});
