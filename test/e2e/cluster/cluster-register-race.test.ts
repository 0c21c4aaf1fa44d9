/**
 * Two nodes, REGISTERs of one procedure sent to both at the same moment, with every pair of
 * invocation policies: each round must end as one router would end it. Shared REGISTERs of the
 * same policy both succeed; any other pair (a `single` one, or two different policies) leaves
 * exactly one registered and the other answered `wamp.error.procedure_already_exists`; and every
 * node routes calls to the callees that were told REGISTERED, and only to them.
 */
import { ApplicationError, type Session } from '@interchange/client';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/advanced-sessions.js';
import { useCluster } from './cluster-fixture.js';

const { nodes, on } = useCluster(['a', 'b'], { allAlive: true });

const POLICIES = ['single', 'roundrobin', 'random', 'first', 'last'] as const;

/** Every ordered pair of policies, each pair twice (whichever node's REGISTER lands first). */
const ROUNDS = POLICIES.flatMap((x) => POLICIES.map((y) => [x, y] as const)).flatMap((pair) => [pair, pair]);

describe('simultaneous REGISTERs of one procedure on two nodes', () => {
  it(`end as on one router, in each of ${ROUNDS.length} rounds with mixed policies`, async () => {
    const callees: Session[] = [await on(0), await on(1)];
    const callers: Session[] = [await on(0), await on(1)];
    for (const [round, [x, y]] of ROUNDS.entries()) {
      const procedure = `com.race.r${round}`;
      const outcomes = await Promise.allSettled(
        callees.map((callee, n) => callee.register(procedure, () => n, { invoke: n === 0 ? x : y })),
      );
      const won = outcomes.flatMap((o, n) => (o.status === 'fulfilled' ? [n] : []));
      const context = `round ${round}: ${x} on a, ${y} on b`;
      if (x === y && x !== 'single') {
        expect(won, context).toEqual([0, 1]);
      } else {
        expect(won, context).toHaveLength(1);
        const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
        expect(lost.reason, context).toBeInstanceOf(ApplicationError);
        expect((lost.reason as ApplicationError).uri, context).toBe('wamp.error.procedure_already_exists');
      }
      // Every node ends with the winners' callees on the procedure, and calls reach only them.
      for (const node of nodes) {
        const dealer = node.router.realm('realm1')?.dealer;
        await eventually(() => {
          const registration = dealer?.lookup(procedure);
          return (dealer?.callees(registration?.id ?? -1)?.length ?? 0) === won.length;
        });
      }
      for (const caller of callers) {
        const answered = new Set<unknown>();
        for (let i = 0; i < 6; i++) {
          const result = await caller.call(procedure).catch((error: unknown) => {
            throw new Error(`${context}: ${String(error)}`);
          });
          answered.add(result.args?.[0]);
        }
        for (const n of answered) expect(won, context).toContain(n);
      }
    }
  });
});
