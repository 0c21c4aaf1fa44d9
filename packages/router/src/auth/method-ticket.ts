/**
 * Ticket-based authentication (spec: advanced "Ticket-based Authentication"): CHALLENGE with an
 * empty extra, AUTHENTICATE carries the ticket. The CHALLENGE goes out whatever the authid, so
 * that an unknown authid and a wrong ticket fail alike, at AUTHENTICATE. Static tickets are
 * compared in constant time; a dynamic authenticator gets the ticket in `details.ticket`.
 */
import { AuthMethod, constantTimeEqualStrings } from '@interchange/protocol';
import {
  type AuthMethodContext,
  type AuthMethodHandler,
  type AuthRequest,
  authenticatorDetails,
  fail,
  type HelloOutcome,
} from './auth-method.js';
import { staticPrincipal } from './principal.js';
import { acceptAnswer, askAuthenticator } from './principal-check.js';
import type { TicketAuthConfig } from './transport-auth.js';

/** Compared against when the authid is unknown, so that the time taken does not tell. */
const NO_TICKET = '\u0000'.repeat(32);

/** The router side of `ticket` for one transport's config. */
export function ticketMethod(config: TicketAuthConfig, context: AuthMethodContext): AuthMethodHandler {
  const name = AuthMethod.TICKET;
  return {
    name,
    hello(request: AuthRequest): HelloOutcome {
      if (config.type !== 'static') {
        return {
          kind: 'challenge',
          extra: {},
          verify: async (ticket) => {
            const details = authenticatorDetails(request, name, { ticket });
            const principal = await askAuthenticator(context, config, request, request.authid, details);
            return 'kind' in principal ? principal : acceptAnswer(request, principal, name, config.type);
          },
        };
      }
      const authid = request.authid;
      const principal =
        authid === undefined
          ? undefined
          : Object.hasOwn(config.principals, authid)
            ? config.principals[authid]
            : undefined;
      return {
        kind: 'challenge',
        extra: {},
        verify: (ticket) => {
          const matches = constantTimeEqualStrings(principal?.ticket ?? NO_TICKET, ticket);
          if (principal === undefined || authid === undefined)
            return fail(authid === undefined ? 'no authid given' : 'unknown authid');
          if (!matches) return fail('wrong ticket');
          return {
            kind: 'welcome',
            principal: staticPrincipal(request, authid, principal, name),
          };
        },
      };
    },
  };
}
