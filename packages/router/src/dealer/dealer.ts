import {
  ApplicationError,
  type CallMessage,
  type CancelMessage,
  type Clock,
  type Dict,
  type ErrorMessage,
  ErrorUri,
  type Id,
  isPassthru,
  isValidUri,
  MatchPolicy,
  type MatchPolicyValue,
  MessageCode,
  type RegisterMessage,
  RpcFeature,
  systemClock,
  type UnregisterMessage,
  type YieldMessage,
} from '@interchange/protocol';
import type { DealerClusterHooks, RegistrationAdmission, RegistrationRequest } from '../cluster-backend.js';
import type { Logger } from '../logger.js';
import { RouterProcedures } from '../meta/router-procedures.js';
import { OffenderLog } from '../offender-log.js';
import { passthruViolation } from '../passthru.js';
import { refuse, routerError } from '../payload.js';
import { payloadSize } from '../payload-size.js';
import { Action } from '../realm/realm-config.js';
import { REGISTRATIONS_LIMIT_REACHED, type RealmLimits } from '../realm/realm-limits.js';
import type { RealmMember } from '../realm/realm-member.js';
import type { StaticAuthorizer } from '../realm/static-authorizer.js';
import { CROSSBAR_DIALECT, type WampDialect } from '../realm/wamp-dialect.js';
import type { RouterStats } from '../router-stats.js';
import type { ProtocolViolation } from '../session/protocol-violation.js';
import { BusyCalls } from './busy-calls.js';
import { PENDING_CALLS_LIMIT_REACHED } from './call-errors.js';
import type { CallQueueSettings } from './call-queue-entries.js';
import { CallQueues } from './call-queues.js';
import { cancelModeViolation, unsupportedBy } from './callee-support.js';
import { firstPick, registrationRequest } from './cluster-turns.js';
import { ClusterWaits } from './cluster-waits.js';
import { CallRouter } from './dealer-calls.js';
import { type DealerObserver, notifyObserver } from './dealer-observer.js';
import { forceReregisterRefusal } from './force-reregister.js';
import { pickWithRoom, refuseBytes } from './pending-call-bytes-checks.js';
import { checkRegister, sharedRegistrationConflict } from './register-checks.js';
import {
  type Callee,
  type PickResult,
  type Registration,
  type RegistrationDetails,
  RegistrationStore,
} from './registration-store.js';
import { callRouterProcedure } from './router-procedure-call.js';

export { MAX_CONCURRENCY_REACHED } from './call-errors.js';
export { CALL_REROUTE_FEATURE, DEALER_FEATURES } from './dealer-features.js';
export type { DealerObserver } from './dealer-observer.js';

/**
 * The reason in the UNREGISTERED a callee gets when another session's `force_reregister` takes
 * its registration over (Crossbar's URI for it).
 */
export const FORCE_REREGISTER_REASON = ErrorUri.UNREGISTERED;

/** What a dealer needs from its realm. */
export interface DealerOptions {
  authorizer: StaticAuthorizer;
  logger: Logger;
  /** The realm's router procedures; a realm passes its own. */
  procedures?: RouterProcedures;
  /** For call timeouts and registration times; defaults to the system clock. */
  clock?: Clock;
  /** Random source in [0, 1) for the `random` invocation policy; defaults to `Math.random`. */
  random?: () => number;
  /** How call timeouts of callers that did not announce `call_timeout` are read; Crossbar's way by default. */
  dialect?: Pick<WampDialect, 'unannouncedCallTimeout'>;
  /** Where call durations are counted (metrics). */
  stats?: RouterStats | undefined;
  /** Bounds on pending calls (the realm's `limits`); none when absent. */
  limits?: Pick<
    RealmLimits,
    | 'pendingCallsPerSession'
    | 'pendingCallsPerCallee'
    | 'registrationsPerSession'
    | 'pendingCallBytesPerCallee'
    | 'pendingCallBytes'
  >;
  /** Where a session that hits a bound is logged; one of its own otherwise. */
  offenders?: OffenderLog;
  /**
   * The realm store's `call-queue` settings (call-queue-entries.ts): calls wait while every
   * callee of their registration is busy. Absent: such calls fail at once, and nothing is queued.
   */
  callQueues?: CallQueueSettings | undefined;
}

/**
 * The dealer of one realm (spec: basic profile "Remote Procedure Calls" and the advanced
 * profile's RPC features): registrations with exact, prefix and wildcard matching, shared
 * among callees by an invocation policy, and calls routed to them ({@link CallRouter} carries a
 * call from there). Router procedures ({@link RouterProcedures}) answer before any registration.
 */
export class Dealer {
  readonly #authorizer: StaticAuthorizer;
  readonly #logger: Logger;
  readonly #procedures: RouterProcedures;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #store = new RegistrationStore();
  readonly #calls: CallRouter;
  readonly #limits: DealerOptions['limits'];
  readonly #offenders: OffenderLog;
  /** Only in a realm whose store has a `call-queue` list: every other realm pays nothing for them. */
  readonly #queues: CallQueues | undefined;
  /** Calls that found every callee busy: queued or refused. */
  readonly #busy: BusyCalls;
  #observer: DealerObserver | undefined;
  #cluster: DealerClusterHooks | undefined;
  /** REGISTERs and CALLs waiting for the cluster. */
  readonly #waits: ClusterWaits;

  constructor(options: DealerOptions) {
    this.#authorizer = options.authorizer;
    this.#logger = options.logger;
    this.#procedures = options.procedures ?? new RouterProcedures();
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#limits = options.limits;
    this.#offenders = options.offenders ?? new OffenderLog(options.logger);
    this.#waits = new ClusterWaits(options.logger);
    const settings = options.callQueues;
    this.#queues =
      settings === undefined
        ? undefined
        : new CallQueues({
            settings,
            clock: this.#clock,
            random: this.#random,
            logger: this.#logger,
            dispatch: (queued, callee, timeoutMs) => this.#busy.dispatch(queued, callee, timeoutMs),
          });
    this.#calls = new CallRouter({
      clock: this.#clock,
      random: this.#random,
      logger: this.#logger,
      unannouncedCallTimeout: options.dialect?.unannouncedCallTimeout ?? CROSSBAR_DIALECT.unannouncedCallTimeout,
      stats: options.stats,
      queues: this.#queues,
      byteLimits: {
        perCallee: options.limits?.pendingCallBytesPerCallee,
        perRealm: options.limits?.pendingCallBytes,
      },
    });
    this.#busy = new BusyCalls({
      queues: this.#queues,
      calls: this.#calls,
      logger: this.#logger,
      offenders: this.#offenders,
    });
  }

  /** Calls waiting in the realm's call queues. */
  get queuedCallCount(): number {
    return this.#queues?.size ?? 0;
  }

  /** Number of live registrations. */
  get registrationCount(): number {
    return this.#store.size;
  }

  /** Estimated payload bytes the realm's pending calls hold (`limits.pending_call_bytes`), for metrics and tests. */
  get pendingCallBytes(): number {
    return this.#calls.bytes.total;
  }

  /** Sets (or with `undefined`, clears) the one observer of the registration lifecycle. */
  setObserver(observer: DealerObserver | undefined): void {
    this.#observer = observer;
  }

  /** Installs (or with `undefined`, removes) the hooks of a cluster backend (see `cluster-backend.ts`). */
  setClusterHooks(hooks: DealerClusterHooks | undefined): void {
    this.#cluster = hooks;
  }

  /** The IDs of all registrations by match policy (`wamp.registration.list`). */
  list(): { exact: Id[]; prefix: Id[]; wildcard: Id[] } {
    return this.#store.list();
  }

  /** The registration of exactly this URI or pattern and match policy (`wamp.registration.lookup`). */
  lookup(procedure: string, match: MatchPolicyValue = MatchPolicy.EXACT): RegistrationDetails | undefined {
    return this.#store.lookup(procedure, match)?.details();
  }

  /** The registration a call to `procedure` would go to, by precedence (`wamp.registration.match`). */
  match(procedure: string): RegistrationDetails | undefined {
    return this.#store.best(procedure)?.details();
  }

  /** A registration's details (`wamp.registration.get`). */
  get(id: Id): RegistrationDetails | undefined {
    return this.#store.get(id)?.details();
  }

  /** The session IDs of a registration's callees, in registration order (`wamp.registration.list_callees`). */
  callees(id: Id): Id[] | undefined {
    return this.#store.get(id)?.callees.map((callee) => callee.session.id);
  }

  /**
   * The callee `session` on registration `id`, as the dealer counts its invocations (a cluster
   * backend counts the invocations it relays to it, so its concurrency limit holds for calls
   * made on any node).
   */
  calleeOf(id: Id, session: Id): Callee | undefined {
    return this.#store.get(id)?.callees.find((callee) => callee.session.id === session);
  }

  /**
   * The node of a callee (a cluster backend's proxy) refused an INVOCATION: the callee is at its
   * concurrency limit there. The call goes to the next callee, or fails with
   * `crossbar.error.max_concurrency_reached`.
   */
  calleeBusy(session: RealmMember, requestId: Id): void {
    this.#calls.busy(session, requestId);
  }

  /** The number of a registration's callees (`wamp.registration.count_callees`). */
  count(id: Id): number | undefined {
    return this.#store.get(id)?.callees.length;
  }

  /**
   * Removes a callee from a registration on the router's initiative (advanced profile
   * "Registration Revocation"): a callee that announced `registration_revocation` gets
   * `UNREGISTERED` with request 0 and `{registration, reason}`; one that did not is not told
   * (the spec forbids it). Invocations already sent stay pending.
   *
   * @param reason a URI: the spec types it `string`, but Autobahn|Python aborts on an
   *   UNREGISTERED whose reason is not a URI.
   * @returns whether the session was a callee of the registration.
   * @throws ApplicationError `wamp.error.invalid_argument` when `reason` is not a valid URI
   *   (nothing is removed); a router procedure passes it on to its caller as that ERROR.
   */
  removeCallee(registrationId: Id, sessionId: Id, reason?: string): boolean {
    if (reason !== undefined && !isValidUri(reason)) {
      throw new ApplicationError(ErrorUri.INVALID_ARGUMENT, {
        args: [`the revocation reason must be a URI, got ${JSON.stringify(reason)}`],
      });
    }
    const registration = this.#store.get(registrationId);
    const callee = registration?.callees.find((c) => c.session.id === sessionId);
    if (registration === undefined || callee === undefined) return false;
    this.#revoke(registration, callee.session, reason);
    return true;
  }

  /**
   * Handles REGISTER: answers REGISTERED or ERROR. With a cluster backend that admits
   * registrations, the answer comes once the cluster has (see {@link DealerClusterHooks.admit}).
   * @param admitted the cluster's admission of this REGISTER (the dealer's own second pass).
   */
  register(session: RealmMember, message: RegisterMessage, admitted?: RegistrationRequest): ProtocolViolation {
    const { requestId, procedure, options } = message;
    const code = MessageCode.REGISTER;
    const checked = checkRegister(this.#authorizer, session, message);
    if (checked === undefined) return undefined;
    const { match, invoke, concurrency } = checked;

    let registration = this.#store.lookup(procedure, match);
    const maxRegistrations = this.#limits?.registrationsPerSession;
    if (maxRegistrations !== undefined && this.#store.of(session).size >= maxRegistrations) {
      this.#offenders.hit('limits.registrations_per_session', session, 'session at its bound of registrations', {
        bound: maxRegistrations,
      });
      const text = `this session holds ${maxRegistrations} registrations already`;
      return refuse(session, code, requestId, REGISTRATIONS_LIMIT_REACHED, text);
    }
    if (registration !== undefined && options.force_reregister === true) {
      // Unlike Crossbar, only a session of the same authid (a restarted backend whose old session
      // lingers) or of the trusted role may take a registration over: otherwise any session
      // allowed to register the URI hijacks its calls (issue 12; docs/advanced-profile.md).
      const foreign = forceReregisterRefusal(registration.callees, session);
      if (foreign !== undefined) {
        this.#logger.info(
          { session: session.id, authid: session.authid, procedure, holder: foreign.session.authid },
          'force_reregister refused: the registration belongs to another authid',
        );
        return refuse(
          session,
          code,
          requestId,
          ErrorUri.NOT_AUTHORIZED,
          `force_reregister takes over only registrations of the same authid; '${procedure}' is registered by another`,
        );
      }
      if (admitted === undefined && this.#admit(session, message, registration.id)) return undefined;
      // Crossbar's force_reregister: the existing callees are revoked and the registration goes,
      // whatever its policy; the new callee's registration replaces it.
      for (const callee of [...registration.callees])
        this.#revoke(registration, callee.session, FORCE_REREGISTER_REASON);
      registration = undefined;
    }
    if (registration !== undefined) {
      // Advanced profile "Shared Registration": see register-checks.ts.
      const conflict = sharedRegistrationConflict(registration, session, procedure, invoke);
      // In a cluster, what stands in the way may be another node's callee that is already gone
      // there (this node's copy lags): the cluster decides, after catching up, and this check
      // runs again on the second pass. A session's own second REGISTER is refused at once.
      const ask = admitted === undefined && registration.calleeOf(session) === undefined;
      if (conflict !== undefined && !(ask && this.#admit(session, message, registration.id)))
        return refuse(session, code, requestId, ErrorUri.PROCEDURE_ALREADY_EXISTS, conflict);
      if (conflict !== undefined) return undefined;
    }

    if (admitted === undefined && this.#admit(session, message, registration?.id)) return undefined;
    const created = registration === undefined;
    registration ??= this.#store.create(
      procedure,
      match,
      invoke,
      new Date(this.#clock.now()).toISOString(),
      admitted?.registration,
    );
    const callee: Callee = {
      session,
      discloseCaller: options.disclose_caller === true,
      forwardTimeout: options.forward_timeout === true,
      concurrency,
      outstanding: 0,
      ...(this.#limits === undefined ? {} : { pendingLimit: this.#limits.pendingCallsPerCallee }),
    };
    this.#store.addCallee(registration, callee);
    this.#queues?.freed(registration);
    if (admitted !== undefined && admitted.registration !== registration.id) this.#cluster?.admitAbandoned?.(admitted);
    session.send({ type: 'REGISTERED', requestId, registration: registration.id });
    this.#cluster?.calleeAdded(registration, callee);
    if (created) notifyObserver(this.#observer, this.#logger, 'onCreate', registration, session);
    notifyObserver(this.#observer, this.#logger, 'onRegister', registration, session);
    // A new callee has room for calls that were waiting (after its REGISTERED, which it expects first).
    this.#queues?.flush();
    return undefined;
  }

  /**
   * Asks the cluster to admit a REGISTER that passed this node's checks. `true` when the answer
   * is deferred: the REGISTER runs again (every check, then the registration) once admitted.
   */
  #admit(session: RealmMember, message: RegisterMessage, existing: Id | undefined): boolean {
    const admit = this.#cluster?.admit;
    if (admit === undefined) return false;
    const request = registrationRequest(session, message, existing ?? this.#store.newId());
    const pending = admit.call(this.#cluster, request);
    if (pending === undefined) return false;
    this.#waits.wait(
      session,
      pending,
      (admission: RegistrationAdmission) => {
        if (admission.refused !== undefined) {
          refuse(session, MessageCode.REGISTER, message.requestId, admission.refused.error, admission.refused.text);
          return;
        }
        this.register(session, message, request);
        // Refused by the second pass (this node's state changed meanwhile): nothing was registered.
        const registration = this.#store.lookup(request.procedure, request.match as MatchPolicyValue);
        if (registration?.calleeOf(session) === undefined) this.#cluster?.admitAbandoned?.(request);
      },
      () => this.#cluster?.admitAbandoned?.(request),
    );
    return true;
  }

  /**
   * Handles UNREGISTER: answers UNREGISTERED or ERROR `no_such_registration`. Invocations
   * already sent stay pending: the callee may still answer them.
   */
  unregister(session: RealmMember, message: UnregisterMessage): ProtocolViolation {
    const registration = this.#store.get(message.registration);
    if (registration === undefined || registration.calleeOf(session) === undefined) {
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
    const { deleted } = this.#store.removeCallee(registration, session);
    const released = this.#emitRemoved(registration, session, deleted);
    const unregistered = { type: 'UNREGISTERED', requestId: message.requestId } as const;
    // On a cluster, once the other nodes no longer route to this callee and would admit another
    // REGISTER of the procedure: UNREGISTERED is the callee's word that the procedure is free.
    if (released === undefined) session.send(unregistered);
    else this.#waits.wait(session, released, () => session.send(unregistered));
    return undefined;
  }

  /**
   * Handles CALL: a new call goes to a router procedure or a callee (INVOCATION), or fails
   * with ERROR; a CALL with the request ID of a pending call continues a progressive invocation.
   * @returns a protocol violation to abort the caller's session for, or `undefined`.
   */
  call(session: RealmMember, message: CallMessage, retried = false, turn?: Callee | null): ProtocolViolation {
    const { requestId, procedure, options } = message;
    const violation = passthruViolation(session, 'caller', 'CALL', options);
    if (violation !== undefined) return violation;

    // Advanced profile "Progressive Call Invocations", "Verification of CALL Request IDs".
    const pending = this.#calls.pendingCall(session, requestId);
    if (pending !== undefined) return this.#calls.continue(pending, message);
    if (this.#queues?.byCaller(session, requestId) !== undefined)
      return `CALL reuses request ID ${requestId} of a call that is queued.`;
    if (this.#calls.finishedInput(session, requestId)) {
      // A continuation that crossed the end of its call: discarded ("Continuations on
      // Completed Calls"); the caller already has, or will get, the call's answer.
      this.#logger.debug({ session: session.id, requestId }, 'CALL continuing a finished call discarded');
      return undefined;
    }
    const progress = options.progress === true;
    if (progress && !session.announces('caller', RpcFeature.PROGRESSIVE_CALL_INVOCATIONS)) {
      // Same section: "MUST be treated as protocol errors".
      return 'CALL with progress, but the caller did not announce progressive_call_invocations.';
    }

    // No closure for the error replies: this runs for every call. Checked by message validation
    // for decoded messages; again here for typed ones.
    const code = MessageCode.CALL;
    const timeout = options.timeout;
    if (timeout !== undefined && !(typeof timeout === 'number' && Number.isInteger(timeout) && timeout >= 0)) {
      const text = 'timeout must be a non-negative integer of milliseconds';
      return refuse(session, code, requestId, ErrorUri.INVALID_ARGUMENT, text);
    }
    if (!isValidUri(procedure))
      return refuse(session, code, requestId, ErrorUri.INVALID_URI, `invalid procedure URI '${procedure}'`);
    // Authorization comes before the lookup, so a denied session learns nothing of what exists.
    const authorization = this.#authorizer.authorize(session.authrole, procedure, Action.CALL);
    if (!authorization.allowed) {
      const text = `session is not authorized to call '${procedure}'`;
      return refuse(session, code, requestId, ErrorUri.NOT_AUTHORIZED, text);
    }

    const handler = this.#procedures.get(procedure);
    if (handler !== undefined) {
      if (progress || isPassthru(options)) {
        const text = `router procedure '${procedure}' takes no progressive or passthru calls`;
        return refuse(session, code, requestId, ErrorUri.FEATURE_NOT_SUPPORTED, text);
      }
      callRouterProcedure(this.#logger, session, message, handler);
      return undefined;
    }

    // The caller's pending calls are bounded: each holds its CALL and its state until answered.
    const maxPending = this.#limits?.pendingCallsPerSession;
    if (
      maxPending !== undefined &&
      this.#calls.pendingCount(session) + (this.#queues?.countOf(session) ?? 0) >= maxPending
    ) {
      this.#offenders.hit('limits.pending_calls_per_session', session, 'caller at its bound of pending calls', {
        bound: maxPending,
      });
      const text = `${maxPending} calls of this session are waiting for their answers already`;
      return refuse(session, code, requestId, PENDING_CALLS_LIMIT_REACHED, text);
    }
    // So are the payload bytes the router keeps for pending calls, per realm and per callee:
    // a callee that never answers must not make the router hold every argument sent to it.
    const bytes = payloadSize(message);
    const realmFull = this.#calls.bytes.realmRefuses(bytes);
    if (realmFull !== undefined)
      return refuseBytes(this.#offenders, this.#calls.bytes, session, requestId, realmFull, procedure);
    const registration = this.#store.best(procedure);
    if (registration === undefined && !retried) {
      // A registration made on another node just before this call may not have reached this
      // node yet: the cluster says when it has, and the call is routed again.
      const caughtUp = this.#cluster?.callMissed?.(procedure);
      if (caughtUp !== undefined) {
        this.#waits.wait(session, caughtUp, () => this.call(session, message, true));
        return undefined;
      }
    }
    // Calls already waiting for this registration go first (first in, first out). A callee
    // without room for the call's bytes is passed over, as a busy one is.
    let picked: PickResult | 'full';
    if (registration === undefined) picked = undefined;
    else if (this.#queues?.hasWaiting(registration) === true) picked = 'busy';
    else {
      const first = firstPick(registration, message, turn, this.#cluster, this.#random);
      if (first instanceof Promise) {
        this.#waits.wait(session, first, (callee) => this.call(session, message, true, callee ?? null));
        return undefined;
      }
      picked = pickWithRoom(registration, this.#random, this.#calls.bytes, bytes, first);
    }
    if (picked === 'full') {
      const key = 'limits.pending_call_bytes_per_callee';
      return refuseBytes(this.#offenders, this.#calls.bytes, session, requestId, key, procedure);
    }
    if (registration === undefined || picked === undefined) {
      const text = `no callee registered for '${procedure}'`;
      return refuse(session, code, requestId, ErrorUri.NO_SUCH_PROCEDURE, text);
    }
    if (picked === 'busy') {
      const discloseToAny = options.disclose_me === true || authorization.discloseCaller;
      return this.#busy.arrived(session, message, registration, discloseToAny);
    }
    const unsupported = unsupportedBy(picked.session, message);
    if (unsupported !== undefined) return refuse(session, code, requestId, ErrorUri.FEATURE_NOT_SUPPORTED, unsupported);

    this.#calls.start({
      caller: session,
      call: message,
      registration,
      callee: picked,
      // Advanced profile "Caller Identification": on the caller's request or the role's config
      // (the callee's own request, `disclose_caller`, is per callee).
      discloseToAny: options.disclose_me === true || authorization.discloseCaller,
      bytes,
    });
    return undefined;
  }

  /** Handles CANCEL (advanced profile "Call Canceling"); a queued call leaves its queue. */
  cancel(session: RealmMember, message: CancelMessage): ProtocolViolation {
    if (this.#queues?.byCaller(session, message.requestId) !== undefined) {
      const violation = cancelModeViolation(message);
      if (violation !== undefined) return violation;
      this.#queues.cancel(session, message.requestId);
      return undefined;
    }
    const violation = this.#calls.cancel(session, message);
    this.#queues?.flush();
    return violation;
  }

  /**
   * Handles YIELD from a callee: RESULT to the caller.
   * @returns a protocol violation to abort the callee's session for, or `undefined`.
   */
  yield(session: RealmMember, message: YieldMessage): ProtocolViolation {
    if (this.#cluster?.answered(session, message) === true) return undefined;
    const violation = this.#calls.yield(session, message);
    this.#queues?.flush();
    return violation;
  }

  /**
   * Handles ERROR for an INVOCATION from a callee: ERROR for the CALL to the caller.
   * @returns a protocol violation to abort the callee's session for, or `undefined`.
   */
  invocationError(session: RealmMember, message: ErrorMessage): ProtocolViolation {
    if (this.#cluster?.answered(session, message) === true) return undefined;
    const violation = this.#calls.error(session, message);
    this.#queues?.flush();
    return violation;
  }

  /**
   * Forgets a session that left: its calls end (callees that support it are interrupted), the
   * calls it served fail with `wamp.error.canceled`, and its registrations go.
   */
  removeSession(session: RealmMember): void {
    this.#waits.forget(session);
    this.#queues?.callerLeft(session);
    this.#calls.callerLeft(session);
    this.#calls.calleeLeft(session);
    for (const registration of [...this.#store.of(session)]) {
      const { deleted } = this.#store.removeCallee(registration, session);
      this.#emitRemoved(registration, session, deleted);
    }
    // Only now, with the session off its registrations, do freed slots go to queued calls.
    this.#queues?.flush();
  }

  /** Removes a callee on the router's initiative, telling it when it can understand. */
  #revoke(registration: Registration, session: RealmMember, reason: string | undefined): void {
    const { removed, deleted } = this.#store.removeCallee(registration, session);
    if (!removed) return;
    this.#cluster?.calleeRevoked?.(registration, session, reason);
    if (session.announces('callee', RpcFeature.REGISTRATION_REVOCATION)) {
      const details: Dict = { registration: registration.id };
      if (reason !== undefined) details.reason = reason;
      session.send({ type: 'UNREGISTERED', requestId: 0, details });
    }
    this.#emitRemoved(registration, session, deleted);
  }

  /** Tells the cluster and the observer; returns the cluster's promise (see `calleeRemoved`). */
  #emitRemoved(registration: Registration, session: RealmMember, deleted: boolean): Promise<void> | undefined {
    if (deleted) this.#queues?.registrationDeleted(registration);
    const released = this.#cluster?.calleeRemoved(registration, session);
    notifyObserver(this.#observer, this.#logger, 'onUnregister', registration, session);
    if (deleted) notifyObserver(this.#observer, this.#logger, 'onDelete', registration, session);
    return released;
  }
}
