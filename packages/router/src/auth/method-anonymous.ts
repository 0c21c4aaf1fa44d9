/**
 * WAMP-Anonymous (Crossbar's `anonymous` method): the client is let in without a credential.
 * Static: under the configured role (default `anonymous`) with a random authid (or the configured
 * one; the client's own authid proves nothing and is not taken over), on the configured realm if
 * there is one, else the realm the client asked for. Dynamic: the authenticator
 * decides the principal from what the client sent.
 */
import { AuthMethod } from '@interchange/protocol';
import { anonymousAuthid } from '../session/anonymous-authid.js';
import {
  type AuthMethodContext,
  type AuthMethodHandler,
  type AuthRequest,
  authenticatorDetails,
  type HelloOutcome,
  type MaybePromise,
} from './auth-method.js';
import { makePrincipal } from './principal.js';
import { acceptAnswer, askAuthenticator } from './principal-check.js';
import type { AnonymousAuthConfig } from './transport-auth.js';

/** The router side of `anonymous` for one transport's config. */
export function anonymousMethod(config: AnonymousAuthConfig, context: AuthMethodContext): AuthMethodHandler {
  const name = AuthMethod.ANONYMOUS;
  if (config.type === 'dynamic') {
    return {
      name,
      async hello(request: AuthRequest): Promise<HelloOutcome> {
        const authid = anonymousAuthid();
        const principal = await askAuthenticator(context, config, request, authid, authenticatorDetails(request, name));
        if ('kind' in principal) return principal;
        return acceptAnswer({ ...request, authid: undefined }, principal, name, 'dynamic', authid);
      },
    };
  }
  return {
    name,
    hello(request: AuthRequest): MaybePromise<HelloOutcome> {
      return {
        kind: 'welcome',
        principal: makePrincipal({
          realm: config.realm ?? request.realm,
          authid: config.authid ?? anonymousAuthid(),
          authrole: config.role ?? 'anonymous',
          authmethod: name,
          authprovider: 'static',
        }),
      };
    },
  };
}
