/**
 * What a REGISTER must pass before anything is registered: its options, its URI, the reserved
 * `wamp.` space, the role's authorization, and the rules of shared registrations. Separate from
 * the dealer, which decides what the checked REGISTER does to the registrations (take-over,
 * cluster admission, bounds): these checks read only the message, the session and what they
 * are given.
 */
import {
  ErrorUri,
  isMatchPolicy,
  isValidUri,
  MatchPolicy,
  type MatchPolicyValue,
  MessageCode,
  type RegisterMessage,
} from '@interchange/protocol';
import { isReservedFor, refuse } from '../payload.js';
import { Action } from '../realm/realm-config.js';
import type { RealmMember } from '../realm/realm-member.js';
import type { StaticAuthorizer } from '../realm/static-authorizer.js';
import { InvokePolicy, type InvokePolicyValue, isInvokePolicy, type Registration } from './registration-store.js';

/** A REGISTER's options, once checked. */
export interface CheckedRegister {
  readonly match: MatchPolicyValue;
  readonly invoke: InvokePolicyValue;
  /** Crossbar's `concurrency`; 0 is no limit. */
  readonly concurrency: number;
}

/**
 * Checks a REGISTER's options, URI and authorization. Returns its options, or `undefined` once
 * the session has been answered ERROR.
 */
export function checkRegister(
  authorizer: StaticAuthorizer,
  session: RealmMember,
  message: RegisterMessage,
): CheckedRegister | undefined {
  const { requestId, procedure, options } = message;
  const code = MessageCode.REGISTER;

  // Message validation already refuses these for decoded messages (as Autobahn's parser
  // does); they are checked again for peers that hand the router typed messages.
  // Advanced profile URIs: `option_not_allowed` for an option the router does not allow.
  const match = options.match ?? MatchPolicy.EXACT;
  if (!isMatchPolicy(match))
    return refuse(
      session,
      code,
      requestId,
      ErrorUri.OPTION_NOT_ALLOWED,
      `unknown match policy ${JSON.stringify(match)}`,
    );
  const invoke = options.invoke ?? InvokePolicy.SINGLE;
  if (!isInvokePolicy(invoke))
    return refuse(
      session,
      code,
      requestId,
      ErrorUri.OPTION_NOT_ALLOWED,
      `unknown invocation policy ${JSON.stringify(invoke)}`,
    );
  const concurrency = options.concurrency ?? 0;
  if (options.concurrency !== undefined && !(Number.isInteger(concurrency) && (concurrency as number) > 0)) {
    return refuse(session, code, requestId, ErrorUri.INVALID_ARGUMENT, 'concurrency must be a positive integer');
  }
  if (!isValidUri(procedure, { match }))
    return refuse(
      session,
      code,
      requestId,
      ErrorUri.INVALID_URI,
      `invalid procedure URI '${procedure}' for match '${match}'`,
    );
  // Basic profile "Reserved URIs": `wamp.` procedures are the router's and the trusted role's.
  // Crossbar answers invalid_uri too.
  if (isReservedFor(procedure, session.authrole))
    return refuse(
      session,
      code,
      requestId,
      ErrorUri.INVALID_URI,
      `procedure '${procedure}' is reserved for the router`,
    );
  if (!authorizer.authorize(session.authrole, procedure, Action.REGISTER).allowed) {
    return refuse(
      session,
      code,
      requestId,
      ErrorUri.NOT_AUTHORIZED,
      `session is not authorized to register '${procedure}'`,
    );
  }
  return { match, invoke, concurrency: concurrency as number };
}

/**
 * Why `session` may not join the existing `registration` of `procedure` with policy `invoke`,
 * as the text of ERROR `wamp.error.procedure_already_exists`; `undefined` when it may.
 *
 * Advanced profile "Shared Registration": with `single` every further REGISTER fails; with the
 * others, one whose policy differs fails. The spec names no URI; its advanced URIs section says
 * to use the predefined ones, so `procedure_already_exists` (Crossbar uses its own
 * `wamp.error.procedure_exists_with_different_invocation_policy`).
 */
export function sharedRegistrationConflict(
  registration: Registration,
  session: RealmMember,
  procedure: string,
  invoke: InvokePolicyValue,
): string | undefined {
  if (registration.calleeOf(session) !== undefined) return `this session already registered '${procedure}'`;
  if (registration.invoke === InvokePolicy.SINGLE) return `procedure '${procedure}' is already registered`;
  if (registration.invoke !== invoke)
    return `procedure '${procedure}' is registered with invocation policy '${registration.invoke}', not '${invoke}'`;
  return undefined;
}
