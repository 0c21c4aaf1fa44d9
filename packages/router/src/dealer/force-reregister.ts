import type { RealmMember } from '../realm/realm-member.js';
import { TRUSTED_ROLE } from '../realm/static-authorizer.js';

/** What the rule needs of a registration's callee. */
interface CalleeOf {
  readonly session: RealmMember;
}

/**
 * Who may take over a registration with `REGISTER.Options.force_reregister`: a session whose
 * authid is that of every current callee (the same principal, e.g. a backend whose previous
 * session has not timed out yet), or a session of the router's `trusted` role. Returns the first
 * callee that stands in the way, or `undefined` when the takeover is allowed.
 */
export function forceReregisterRefusal<C extends CalleeOf>(callees: Iterable<C>, session: RealmMember): C | undefined {
  if (session.authrole === TRUSTED_ROLE) return undefined;
  for (const callee of callees) if (callee.session.authid !== session.authid) return callee;
  return undefined;
}
