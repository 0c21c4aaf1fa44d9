/**
 * Cookie authentication (Crossbar's `cookie` method): the web transport gives each browser a
 * cookie (`cbtid`); once a connection carrying it has authenticated by another method, the router
 * records the principal with the cookie, and a later connection presenting the same cookie and
 * offering `cookie` joins as that principal without a CHALLENGE. Without a recorded principal the
 * method steps aside and the next offered method runs.
 */
import { AuthMethod } from '@interchange/protocol';
import type { AuthMethodHandler, AuthRequest, HelloOutcome } from './auth-method.js';
import { makePrincipal } from './principal.js';

/** The router side of `cookie`. */
export function cookieMethod(): AuthMethodHandler {
  return {
    name: AuthMethod.COOKIE,
    hello(request: AuthRequest): HelloOutcome {
      const identity = request.credentials.cookie?.get();
      if (identity === undefined) return { kind: 'skip', log: 'no authenticated cookie' };
      return {
        kind: 'welcome',
        principal: makePrincipal({
          realm: identity.realm,
          authid: identity.authid,
          authrole: identity.authrole,
          authmethod: identity.authmethod,
          authprovider: 'cookie',
          authextra: identity.authextra,
        }),
      };
    },
  };
}
