import {
  type CallMessage,
  type Dict,
  type ErrorMessage,
  ErrorUri,
  type Id,
  type InvocationMessage,
  isPassthru,
  isValidUri,
  MessageCode,
  randomId,
  type RegisterMessage,
  type ResultMessage,
  RpcFeature,
  type RpcFeatureName,
  type UnregisterMessage,
  type YieldMessage,
} from '@interchange/protocol';
import type { Logger } from './logger.js';
import { announcesPassthru, copyPassthruAttributes, passthruViolation } from './passthru.js';
import { copyPayload, identityDetails, isReservedUri, routerError } from './payload.js';
import type { ProtocolViolation } from './protocol-violation.js';
import { Action } from './realm-config.js';
import type { RealmMember } from './realm-member.js';
import type { StaticAuthorizer } from './static-authorizer.js';

/**
 * The dealer features this router implements, announced in `WELCOME.Details.roles.dealer`
 * (spec: "Router: Role and Feature Announcement"; advanced profile "Caller Identification",
 * "Payload Passthru Mode").
 */
export const DEALER_FEATURES: Readonly<Partial<Record<RpcFeatureName, true>>> = Object.freeze({
  [RpcFeature.CALLER_IDENTIFICATION]: true,
  [RpcFeature.PAYLOAD_PASSTHRU_MODE]: true,
});

/** One registration: a procedure and the one callee that implements it. */
export interface Registration {
  readonly id: Id;
  readonly procedure: string;
  readonly callee: RealmMember;
  /** The callee asked for the caller's identity (`REGISTER.Options.disclose_caller`). */
  readonly discloseCaller: boolean;
}

/** A call routed to a callee and not yet answered. */
interface PendingInvocation {
  readonly caller: RealmMember;
  readonly callRequestId: Id;
  readonly callee: RealmMember;
  readonly invocationId: Id;
}

/** What a dealer needs from its realm. */
export interface DealerOptions {
  authorizer: StaticAuthorizer;
  logger: Logger;
}

/**
 * The dealer of one realm (spec: basic profile "Remote Procedure Calls"): one callee per
 * procedure, exact matching.
 */
export class Dealer {
  readonly #authorizer: StaticAuthorizer;
  readonly #logger: Logger;
  readonly #byProcedure = new Map<string, Registration>();
  readonly #byId = new Map<Id, Registration>();
  readonly #registrationsOf = new Map<RealmMember, Set<Registration>>();
  /** Pending invocations by callee, then by the INVOCATION request ID. */
  readonly #invocationsOf = new Map<RealmMember, Map<Id, PendingInvocation>>();
  /** Pending invocations by caller, to drop them when the caller leaves. */
  readonly #callsOf = new Map<RealmMember, Set<PendingInvocation>>();

  constructor(options: DealerOptions) {
    this.#authorizer = options.authorizer;
    this.#logger = options.logger;
  }

  /** Number of live registrations. */
  get registrationCount(): number {
    return this.#byId.size;
  }

  /** The registration of a procedure, if any. */
  registration(procedure: string): Registration | undefined {
    return this.#byProcedure.get(procedure);
  }

  /** Handles REGISTER: answers REGISTERED or ERROR. */
  register(session: RealmMember, message: RegisterMessage): ProtocolViolation {
    const { requestId, procedure, options } = message;
    const fail = (error: string, text: string): undefined => {
      session.send(routerError(MessageCode.REGISTER, requestId, error, text));
      return undefined;
    };

    // Pattern-based and shared registrations are advanced features this dealer does not
    // announce; registering exactly instead would route calls the callee did not ask for.
    if (options.match !== undefined && options.match !== 'exact') {
      return fail(ErrorUri.OPTION_NOT_ALLOWED, `match policy '${String(options.match)}' is not supported`);
    }
    if (options.invoke !== undefined && options.invoke !== 'single') {
      return fail(ErrorUri.OPTION_NOT_ALLOWED, `invocation policy '${String(options.invoke)}' is not supported`);
    }
    if (!isValidUri(procedure)) return fail(ErrorUri.INVALID_URI, `invalid procedure URI '${procedure}'`);
    // Spec: basic profile "Reserved URIs"; the `wamp.` procedures are the router's meta API.
    // Crossbar answers invalid_uri too.
    if (isReservedUri(procedure)) return fail(ErrorUri.INVALID_URI, `procedure '${procedure}' is reserved for the router`);
    if (!this.#authorizer.authorize(session.authrole, procedure, Action.REGISTER).allowed) {
      return fail(ErrorUri.NOT_AUTHORIZED, `session is not authorized to register '${procedure}'`);
    }
    if (this.#byProcedure.has(procedure)) {
      return fail(ErrorUri.PROCEDURE_ALREADY_EXISTS, `procedure '${procedure}' is already registered`);
    }

    const registration: Registration = {
      id: this.#newId(),
      procedure,
      callee: session,
      discloseCaller: options.disclose_caller === true,
    };
    this.#byProcedure.set(procedure, registration);
    this.#byId.set(registration.id, registration);
    let own = this.#registrationsOf.get(session);
    if (own === undefined) {
      own = new Set();
      this.#registrationsOf.set(session, own);
    }
    own.add(registration);
    session.send({ type: 'REGISTERED', requestId, registration: registration.id });
    return undefined;
  }

  /**
   * Handles UNREGISTER: answers UNREGISTERED or ERROR `no_such_registration`. Invocations
   * already sent stay pending: the callee may still answer them.
   */
  unregister(session: RealmMember, message: UnregisterMessage): ProtocolViolation {
    const registration = this.#byId.get(message.registration);
    if (registration === undefined || registration.callee !== session) {
      session.send(
        routerError(
          MessageCode.UNREGISTER,
          message.requestId,
          ErrorUri.NO_SUCH_REGISTRATION,
          `no registration ${message.registration} for this session`,
        ),
      );
      return undefined;
    }
    this.#remove(registration);
    this.#registrationsOf.get(session)?.delete(registration);
    session.send({ type: 'UNREGISTERED', requestId: message.requestId });
    return undefined;
  }

  /**
   * Handles CALL: sends INVOCATION to the callee, or ERROR to the caller.
   * @returns a protocol violation to abort the caller's session for, or `undefined`.
   */
  call(session: RealmMember, message: CallMessage): ProtocolViolation {
    const { requestId, procedure, options } = message;
    const violation = passthruViolation(session, 'caller', 'CALL', options);
    if (violation !== undefined) return violation;
    const fail = (error: string, text: string): undefined => {
      session.send(routerError(MessageCode.CALL, requestId, error, text));
      return undefined;
    };

    if (!isValidUri(procedure)) return fail(ErrorUri.INVALID_URI, `invalid procedure URI '${procedure}'`);
    // Authorization comes before the lookup, so a denied session learns nothing of what exists.
    const authorization = this.#authorizer.authorize(session.authrole, procedure, Action.CALL);
    if (!authorization.allowed) return fail(ErrorUri.NOT_AUTHORIZED, `session is not authorized to call '${procedure}'`);
    const registration = this.#byProcedure.get(procedure);
    if (registration === undefined) return fail(ErrorUri.NO_SUCH_PROCEDURE, `no callee registered for '${procedure}'`);
    const { callee } = registration;
    // Spec: "Payload Passthru Mode": a passthru call to a callee without the feature is an
    // application error, `wamp.error.feature_not_supported`.
    if (isPassthru(options) && !announcesPassthru(callee, 'callee')) {
      return fail(ErrorUri.FEATURE_NOT_SUPPORTED, `the callee of '${procedure}' does not support payload passthru mode`);
    }

    // Advanced profile "Caller Identification": on the caller's request, the callee's request,
    // or the role's config.
    const disclose = options.disclose_me === true || registration.discloseCaller || authorization.discloseCaller;
    const details = copyPassthruAttributes(disclose ? identityDetails('caller', session) : {}, options);
    const invocationId = callee.nextRequestId();
    this.#track({ caller: session, callRequestId: requestId, callee, invocationId });
    callee.send(
      copyPayload<InvocationMessage>(
        { type: 'INVOCATION', requestId: invocationId, registration: registration.id, details },
        message,
      ),
    );
    return undefined;
  }

  /**
   * Handles YIELD from a callee: RESULT to the caller.
   * @returns a protocol violation to abort the callee's session for, or `undefined`.
   */
  yield(session: RealmMember, message: YieldMessage): ProtocolViolation {
    const violation = passthruViolation(session, 'callee', 'YIELD', message.options);
    if (violation !== undefined) return violation;
    const pending = this.#take(session, message.requestId);
    if (pending === undefined) return this.#unknownAnswer(session, 'YIELD', message.requestId);
    if (this.#refusePassthruResult(pending, message.options)) return undefined;
    const details = copyPassthruAttributes({}, message.options);
    pending.caller.send(
      copyPayload<ResultMessage>({ type: 'RESULT', requestId: pending.callRequestId, details }, message),
    );
    return undefined;
  }

  /**
   * Handles ERROR for an INVOCATION from a callee: ERROR for the CALL to the caller.
   * @returns a protocol violation to abort the callee's session for, or `undefined`.
   */
  invocationError(session: RealmMember, message: ErrorMessage): ProtocolViolation {
    const violation = passthruViolation(session, 'callee', 'ERROR', message.details);
    if (violation !== undefined) return violation;
    const pending = this.#take(session, message.requestId);
    if (pending === undefined) return this.#unknownAnswer(session, 'ERROR', message.requestId);
    if (this.#refusePassthruResult(pending, message.details)) return undefined;
    // Spec: "Call ERROR": the callee's error URI and payload, as returned.
    const reply: ErrorMessage = {
      type: 'ERROR',
      requestType: MessageCode.CALL,
      requestId: pending.callRequestId,
      details: copyPassthruAttributes({}, message.details),
      error: message.error,
    };
    pending.caller.send(copyPayload(reply, message));
    return undefined;
  }

  /**
   * Forgets a session that left: its registrations go; calls it was serving fail with
   * `wamp.error.canceled` (spec: "Callee Leaving During an RPC Invocation"; the URI as the
   * basic profile URI list spells it); calls it made are dropped, and the callee's late answers
   * to them will be discarded (spec: "Caller Leaving During an RPC Invocation").
   */
  removeSession(session: RealmMember): void {
    const registrations = this.#registrationsOf.get(session);
    if (registrations !== undefined) {
      this.#registrationsOf.delete(session);
      for (const registration of registrations) this.#remove(registration);
    }

    const serving = this.#invocationsOf.get(session);
    if (serving !== undefined) {
      this.#invocationsOf.delete(session);
      for (const pending of serving.values()) {
        this.#callsOf.get(pending.caller)?.delete(pending);
        pending.caller.send(
          routerError(MessageCode.CALL, pending.callRequestId, ErrorUri.CANCELED, 'the callee left before answering'),
        );
      }
    }

    const calls = this.#callsOf.get(session);
    if (calls !== undefined) {
      this.#callsOf.delete(session);
      for (const pending of calls) this.#invocationsOf.get(pending.callee)?.delete(pending.invocationId);
    }
  }

  /**
   * Spec: "Payload Passthru Mode": a passthru answer for a caller without the feature is an
   * application error, `wamp.error.feature_not_supported`. The spec has the dealer answer the
   * callee, but no ERROR can answer a YIELD (a client would take it for a protocol violation),
   * so the caller gets the error, which also ends its call.
   */
  #refusePassthruResult(pending: PendingInvocation, dict: Dict): boolean {
    if (!isPassthru(dict) || announcesPassthru(pending.caller, 'caller')) return false;
    this.#logger.debug({ caller: pending.caller.id, callee: pending.callee.id }, 'passthru result for a caller without passthru');
    pending.caller.send(
      routerError(
        MessageCode.CALL,
        pending.callRequestId,
        ErrorUri.FEATURE_NOT_SUPPORTED,
        'the callee answered in payload passthru mode, which the caller does not support',
      ),
    );
    return true;
  }

  #track(pending: PendingInvocation): void {
    let serving = this.#invocationsOf.get(pending.callee);
    if (serving === undefined) {
      serving = new Map();
      this.#invocationsOf.set(pending.callee, serving);
    }
    serving.set(pending.invocationId, pending);
    let calls = this.#callsOf.get(pending.caller);
    if (calls === undefined) {
      calls = new Set();
      this.#callsOf.set(pending.caller, calls);
    }
    calls.add(pending);
  }

  #take(callee: RealmMember, invocationId: Id): PendingInvocation | undefined {
    const serving = this.#invocationsOf.get(callee);
    const pending = serving?.get(invocationId);
    if (pending === undefined) return undefined;
    serving?.delete(invocationId);
    this.#callsOf.get(pending.caller)?.delete(pending);
    return pending;
  }

  /**
   * An answer to an invocation that is not pending. If the router sent that INVOCATION, its
   * call is over (the caller left, or it was answered already): discard the answer (spec:
   * "Caller Leaving During an RPC Invocation"). If it never did, that is a protocol error
   * (spec: "Protocol Errors": "Receiving YIELD message with invalid INVOCATION.Request").
   */
  #unknownAnswer(session: RealmMember, kind: string, requestId: Id): ProtocolViolation {
    if (session.hasIssuedRequestId(requestId)) {
      this.#logger.debug({ session: session.id, requestId }, `discarded ${kind} for an invocation no longer pending`);
      return undefined;
    }
    return `${kind} for INVOCATION request ${requestId}, which the router never sent`;
  }

  #remove(registration: Registration): void {
    this.#byProcedure.delete(registration.procedure);
    this.#byId.delete(registration.id);
  }

  /** Registration IDs are router scope and "can be chosen freely"; random ones are unguessable. */
  #newId(): Id {
    let id = randomId();
    while (this.#byId.has(id)) id = randomId();
    return id;
  }
}
