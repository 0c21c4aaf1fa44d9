import { CLIENT_ROLES, type Dict, ErrorUri, type HelloMessage, isValidUri } from '@interchange/protocol';
import type { Realm } from '../realm/realm.js';

/** Why a HELLO is refused: the ABORT reason and message. */
export interface HelloRefusal {
  reason: string;
  message: string;
}

/** The ABORT message when HELLO named no realm and nothing assigned one. */
export const NO_REALM_MESSAGE = 'No realm was requested, and authentication assigned none.';

/** Why a HELLO cannot be taken at all, whoever sends it; `undefined` when it can. */
export function checkHello(hello: HelloMessage, shuttingDown: boolean): HelloRefusal | undefined {
  if (shuttingDown) return { reason: ErrorUri.SYSTEM_SHUTDOWN, message: 'The router is shutting down.' };
  // Spec: "Client: Role and Feature Announcement": a client "must support at least one role".
  const roles = hello.details.roles;
  if (!isDict(roles) || !CLIENT_ROLES.some((role) => isDict(roles[role]))) {
    return {
      reason: ErrorUri.PROTOCOL_VIOLATION,
      message: 'HELLO.Details.roles must announce at least one of caller, callee, publisher, subscriber.',
    };
  }
  // No realm at all is left to authentication, which may assign one (admitHello refuses it).
  if (hello.realm !== undefined && !isValidUri(hello.realm))
    return { reason: ErrorUri.INVALID_URI, message: `Invalid realm URI '${hello.realm}'.` };
  return undefined;
}

/**
 * The realm a HELLO without authentication joins under the transport's `authrole`, or why it
 * cannot be welcomed.
 */
export function admitHello(
  hello: HelloMessage,
  host: { readonly shuttingDown: boolean; resolveRealm(name: string): Realm | undefined },
  authrole: string,
): { realm: Realm } | HelloRefusal {
  const problem = checkHello(hello, host.shuttingDown);
  if (problem !== undefined) return problem;
  // Without authentication nothing can assign a realm (Crossbar: "no realm requested").
  if (hello.realm === undefined) return { reason: ErrorUri.NO_SUCH_REALM, message: NO_REALM_MESSAGE };
  const realm = host.resolveRealm(hello.realm);
  if (realm === undefined) {
    return { reason: ErrorUri.NO_SUCH_REALM, message: `The realm '${hello.realm}' does not exist.` };
  }
  if (!realm.authorizer.hasRole(authrole)) {
    return {
      reason: ErrorUri.NO_SUCH_ROLE,
      message: `The role '${authrole}' does not exist on realm '${realm.name}'.`,
    };
  }
  return { realm };
}

export function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
