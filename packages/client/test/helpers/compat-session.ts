/**
 * An Autobahn|JS-compatible session (src/autobahn.ts) over a typed session joined to the fake
 * router with every feature, for the compat layer's unit tests.
 */
import { autobahn, type Session as CompatSession } from '../../src/autobahn.js';
import { type FakeRouter, FULL_ROUTER_ROLES, joinedSession } from './fake-router.js';

export async function compat(): Promise<{ session: CompatSession; router: FakeRouter }> {
  const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
  return { session: new autobahn.Session(session), router };
}
