/**
 * The fake router's side of REGISTER and SUBSCRIBE, for tests about what comes after: it takes
 * the next request of that kind off the wire, acknowledges it with the given ID, and hands back
 * what the session resolved.
 */
import type { Registration, Subscription } from '../../src/index.js';
import type { FakeRouter } from './fake-router.js';

/** Answers the next REGISTER with REGISTERED `registrationId`; resolves to the Registration. */
export async function registered(
  router: FakeRouter,
  pending: Promise<Registration>,
  registrationId = 900,
): Promise<Registration> {
  const register = await router.next('REGISTER');
  router.send({ type: 'REGISTERED', requestId: register.requestId, registration: registrationId });
  return pending;
}

/** Answers the next SUBSCRIBE with SUBSCRIBED `id`; resolves to the Subscription. */
export async function subscribed(router: FakeRouter, pending: Promise<Subscription>, id = 500): Promise<Subscription> {
  const subscribe = await router.next('SUBSCRIBE');
  router.send({ type: 'SUBSCRIBED', requestId: subscribe.requestId, subscription: id });
  return pending;
}
