/**
 * Where an authenticated principal may go: the realm it names must exist and know its role, and
 * the router must not be shutting down. The counterpart of `hello-admission.ts` for sessions
 * that authenticate; separate from the session's state machine, which only carries out the
 * answer.
 */
import { ErrorUri, isValidUri } from '@interchange/protocol';
import type { Principal } from '../auth/principal.js';
import type { Realm } from '../realm/realm.js';
import { type HelloRefusal, NO_REALM_MESSAGE } from './hello-admission.js';

/** The realm an authenticated `principal` joins, or why it cannot be welcomed (an ABORT). */
export function admitPrincipal(
  principal: Principal,
  host: { readonly shuttingDown: boolean; resolveRealm(name: string): Realm | undefined },
): { realm: Realm } | HelloRefusal {
  if (host.shuttingDown) return { reason: ErrorUri.SYSTEM_SHUTDOWN, message: 'The router is shutting down.' };
  if (principal.realm === '') return { reason: ErrorUri.NO_SUCH_REALM, message: NO_REALM_MESSAGE };
  const realm = isValidUri(principal.realm) ? host.resolveRealm(principal.realm) : undefined;
  if (realm === undefined)
    return { reason: ErrorUri.NO_SUCH_REALM, message: `The realm '${principal.realm}' does not exist.` };
  if (!realm.authorizer.hasRole(principal.authrole))
    return {
      reason: ErrorUri.NO_SUCH_ROLE,
      message: `The role '${principal.authrole}' does not exist on realm '${realm.name}'.`,
    };
  return { realm };
}
