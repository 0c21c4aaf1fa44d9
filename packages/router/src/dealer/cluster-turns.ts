/**
 * What the dealer asks of a cluster backend (packages/router/src/cluster-backend.ts) for REGISTER
 * and CALL: the request a REGISTER is admitted with, and whose turn a call to a shared
 * registration is. On a single node (no cluster hooks) none of this runs.
 */
import { type CallMessage, MatchPolicy, type RegisterMessage } from '@interchange/protocol';
import type { DealerClusterHooks, RegistrationRequest } from '../cluster-backend.js';
import type { RealmMember } from '../realm/realm-member.js';
import { type Callee, InvokePolicy, type PickResult, type Registration } from './registration-store.js';

/** The request a REGISTER that passed this node's checks is admitted with across the cluster. */
export function registrationRequest(
  session: RealmMember,
  message: RegisterMessage,
  registration: number,
): RegistrationRequest {
  const { options } = message;
  return {
    session,
    procedure: message.procedure,
    match: (options.match as string | undefined) ?? MatchPolicy.EXACT,
    invoke: (options.invoke as string | undefined) ?? InvokePolicy.SINGLE,
    registration,
    forceReregister: options.force_reregister === true,
    discloseCaller: options.disclose_caller === true,
    forwardTimeout: options.forward_timeout === true,
  };
}

/**
 * The callee a call goes to first, before the bounds of pending call bytes pass over a full one:
 * `turn` when the cluster already named it (`null`: it named none), else the cluster's turn for
 * a shared registration with an order, else the registration's own pick as on one router. A
 * promise when another node keeps the turn: the dealer routes the call again once it resolves.
 */
export function firstPick(
  registration: Registration,
  message: CallMessage,
  turn: Callee | null | undefined,
  cluster: DealerClusterHooks | undefined,
  random: () => number,
): PickResult | Promise<Callee | undefined> {
  if (turn !== undefined) return registration.pickGiven(turn ?? undefined, random);
  if (cluster?.turn === undefined || !sharedTurns(registration, message)) return registration.pick(random);
  const given = cluster.turn(registration, registration.callees);
  if (given instanceof Promise) return given;
  return registration.pickGiven(given, random);
}

/**
 * Whether a cluster decides whose turn a call to `registration` is: a shared registration with
 * an order (roundrobin, first, last) and more than one callee; `random` is uniform over every
 * node's callees as it is. Not a progressive call: its later chunks must find it under way.
 */
function sharedTurns(registration: Registration, message: CallMessage): boolean {
  const { invoke } = registration;
  return (
    registration.callees.length > 1 &&
    (invoke === InvokePolicy.ROUNDROBIN || invoke === InvokePolicy.FIRST || invoke === InvokePolicy.LAST) &&
    message.options.progress !== true
  );
}
