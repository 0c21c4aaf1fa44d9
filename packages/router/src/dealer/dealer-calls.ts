import {
  type CallMessage,
  type CancelMessage,
  type Clock,
  type Dict,
  type ErrorMessage,
  ErrorUri,
  type Id,
  type InvocationMessage,
  isPassthru,
  MessageCode,
  type ResultMessage,
  RpcFeature,
  type YieldMessage,
} from '@interchange/protocol';
import type { Logger } from '../logger.js';
import { announcesPassthru, copyPassthruAttributes, passthruViolation } from '../passthru.js';
import { copyPayload, routerError } from '../payload.js';
import type { RealmMember } from '../realm/realm-member.js';
import type { RouterStats } from '../router-stats.js';
import type { ProtocolViolation } from '../session/protocol-violation.js';
import { MAX_CONCURRENCY_REACHED } from './call-errors.js';
import { sendCallMessage } from './call-message-count.js';
import type { CallQueues } from './call-queues.js';
import { nextCallee } from './call-reroute.js';
import { CallTable, type PendingCall } from './call-table.js';
import { type CancelMode, cancelModeViolation, canInterrupt } from './callee-support.js';
import { invocationDetails, NO_DETAILS } from './invocation-details.js';
import { type PendingCallByteLimits, PendingCallBytes } from './pending-call-bytes.js';
import type { Callee, Registration } from './registration-store.js';

/** What the call router needs from its dealer. */
export interface CallRouterOptions {
  clock: Clock;
  random: () => number;
  logger: Logger;
  /** How `CALL.Options.timeout` of a caller that did not announce `call_timeout` is read. */
  unannouncedCallTimeout: 'seconds' | 'milliseconds';
  /** Where call durations are counted (metrics). */
  stats?: RouterStats | undefined;
  /** The realm's call queues, told of freed slots; absent in a realm without (call-queues.ts). */
  queues?: Pick<CallQueues, 'freed' | 'flush'> | undefined;
  /** Bounds on the payload bytes of pending calls (the realm's `limits`); none when absent. */
  byteLimits?: PendingCallByteLimits | undefined;
}

/** The longest delay a timer takes (2^31 - 1 ms); beyond it, Node fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A call that found its registration and callee, ready to be routed. */
export interface RoutedCall {
  caller: RealmMember;
  call: CallMessage;
  registration: Registration;
  callee: Callee;
  /** The caller asked for disclosure, or the realm's role config demands it. */
  discloseToAny: boolean;
  /** The call's timeout in ms where it is known already: what is left of it for a queued call. */
  timeoutMs?: number;
  /** Estimated payload bytes of the CALL (payload-size.ts), held until the call ends. */
  bytes: number;
}

/**
 * The life of routed calls, from the first INVOCATION to the last answer: progressive results
 * and invocations, cancel, timeouts, re-routing, and either side leaving. The {@link Dealer}
 * decides where a call goes; this class carries it through.
 */
export class CallRouter {
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logger: Logger;
  readonly #calls: CallTable;
  /** 1000 when callers that did not announce `call_timeout` give seconds, else 1. */
  readonly #timeoutScale: number;
  readonly #stats: RouterStats | undefined;
  /** The payload bytes of pending calls, per callee session and for the realm. */
  readonly bytes: PendingCallBytes;
  readonly #queues: CallRouterOptions['queues'];

  constructor(options: CallRouterOptions) {
    this.#timeoutScale = options.unannouncedCallTimeout === 'seconds' ? 1000 : 1;
    this.#clock = options.clock;
    this.#random = options.random;
    this.#logger = options.logger;
    this.#stats = options.stats;
    this.#queues = options.queues;
    this.bytes = new PendingCallBytes(options.byteLimits);
    const queues = options.queues;
    this.#calls = new CallTable(
      options.stats,
      this.bytes,
      queues === undefined ? undefined : (registration) => queues.freed(registration),
    );
  }

  /**
   * A call's timeout in milliseconds (0: none). The spec (advanced profile "Call Timeouts") writes
   * milliseconds and requires callers to announce `call_timeout`; Crossbar reads seconds, and
   * Autobahn|Python documents seconds and announces nothing. So a caller that announced the
   * feature is read in milliseconds, one that did not in the realm's unit (seconds by default;
   * see wamp-dialect.ts).
   */
  timeoutMs(caller: RealmMember, timeout: unknown): number {
    if (typeof timeout !== 'number' || timeout <= 0) return 0;
    const ms =
      this.#timeoutScale === 1 || caller.announces('caller', RpcFeature.CALL_TIMEOUT)
        ? timeout
        : timeout * this.#timeoutScale;
    // Timers fire at once beyond 2^31 - 1 ms (about 24.8 days); a longer timeout waits that long.
    return Math.min(ms, MAX_TIMER_MS);
  }

  /** How many calls of this caller wait for their answer. */
  pendingCount(caller: RealmMember): number {
    return this.#calls.pendingCount(caller);
  }

  /** The caller's pending call with this request ID, if any. */
  pendingCall(caller: RealmMember, callRequestId: Id): PendingCall | undefined {
    return this.#calls.byCaller(caller, callRequestId);
  }

  /** Whether this caller recently finished a progressive-input call with this request ID. */
  finishedInput(caller: RealmMember, callRequestId: Id): boolean {
    return this.#calls.finishedInput(caller, callRequestId);
  }

  /** Sends the first INVOCATION of a call and tracks it. */
  start(routed: RoutedCall): void {
    const { caller, call, registration, callee } = routed;
    const timeout = routed.timeoutMs ?? this.timeoutMs(caller, call.options.timeout);
    // Advanced profile "Call Timeouts": a callee that announced call_timeout and registered with
    // forward_timeout handles the timeout itself; otherwise the dealer enforces it and does not
    // forward the value.
    const forward = timeout > 0 && callee.forwardTimeout && callee.session.announces('callee', RpcFeature.CALL_TIMEOUT);
    const progressiveInput = call.options.progress === true;
    const pending: PendingCall = {
      caller,
      callRequestId: call.requestId,
      started: this.#stats === undefined ? 0 : this.#stats.now(),
      procedure: call.procedure,
      call,
      registration,
      callee,
      invocationId: callee.session.nextRequestId(),
      discloseToAny: routed.discloseToAny,
      receiveProgress: call.options.receive_progress === true,
      timeoutMs: forward ? 0 : timeout,
      timer: undefined,
      tried: undefined,
      sawBusy: false,
      progressiveInput,
      inputOpen: progressiveInput,
      chunks: 0,
      results: 0,
      killing: false,
      callerDone: false,
      details: NO_DETAILS,
      callerCalls: undefined,
      calleeCalls: undefined,
      bytes: routed.bytes,
      bytesHeld: false,
      calleeBytes: undefined,
    };
    pending.details = invocationDetails(pending, callee, forward ? timeout : 0);
    this.#calls.add(pending);
    this.#startTimer(pending);
    this.#invoke(pending, call, progressiveInput);
  }

  /**
   * A CALL with the request ID of a pending call: the next chunk of a progressive invocation
   * (advanced profile "Progressive Call Invocations"), routed to the same callee under the
   * same INVOCATION request ID with the details frozen at the start.
   */
  continue(pending: PendingCall, message: CallMessage): ProtocolViolation {
    if (!pending.progressiveInput || !pending.inputOpen) {
      return `CALL reuses request ID ${message.requestId} of a call in progress that takes no more input.`;
    }
    if (message.procedure !== pending.procedure) {
      return `CALL continues request ${message.requestId} for '${message.procedure}', but it was a call of '${pending.procedure}'.`;
    }
    // The caller canceled; the callee is winding down and takes no more input.
    if (pending.killing) return undefined;
    const progress = message.options.progress === true;
    if (!progress) pending.inputOpen = false;
    this.#invoke(pending, message, progress);
    return undefined;
  }

  /** Handles CANCEL (advanced profile "Call Canceling"). */
  cancel(session: RealmMember, message: CancelMessage): ProtocolViolation {
    const violation = cancelModeViolation(message);
    if (violation !== undefined) return violation;
    const requested = (message.options.mode ?? 'killnowait') as CancelMode;
    const pending = this.#calls.byCaller(session, message.requestId);
    // The spec defines no answer to a CANCEL; one for a call that already ended (or never
    // was) is dropped, as Crossbar does. A second CANCEL during a `kill` changes nothing.
    if (pending === undefined || pending.killing) {
      this.#logger.debug(
        { session: session.id, requestId: message.requestId },
        'CANCEL for no cancelable call ignored',
      );
      return undefined;
    }
    // "If the callee does not support call canceling, then behavior is skip."
    const mode: CancelMode = canInterrupt(pending.callee) ? requested : 'skip';
    if (mode === 'kill') {
      // The callee's answer, RESULT or ERROR, ends the call (see `yield`, `error`).
      pending.killing = true;
      this.#interrupt(pending, 'kill', ErrorUri.CANCELED);
    } else {
      this.#abandon(pending, ErrorUri.CANCELED, 'the call was canceled', mode === 'killnowait');
    }
    return undefined;
  }

  /** Handles YIELD: RESULT to the caller, progressive or final. */
  yield(session: RealmMember, message: YieldMessage): ProtocolViolation {
    const passthru = isPassthru(message.options);
    if (passthru) {
      const violation = passthruViolation(session, 'callee', 'YIELD', message.options);
      if (violation !== undefined) return violation;
    }
    const pending = this.#calls.byCallee(session, message.requestId);
    if (pending === undefined) return this.#unknownAnswer(session, 'YIELD', message.requestId);
    const progress = message.options.progress === true;
    if (pending.callerDone) {
      if (!progress) this.#calls.removeCalleeSide(pending);
      return undefined;
    }
    if (progress) {
      // Advanced profile "Progressive Call Results", "Timeouts": the timeout runs between results.
      this.#restartTimer(pending);
      // A caller that did not ask for progress would take the first RESULT for the final one,
      // and one that canceled with `kill` wants none; the final YIELD still ends the call.
      if (!pending.receiveProgress || pending.killing) {
        this.#logger.debug({ callee: session.id, requestId: message.requestId }, 'progressive YIELD not forwarded');
        return undefined;
      }
      if (passthru && !announcesPassthru(pending.caller, 'caller')) {
        this.#abandon(pending, ErrorUri.FEATURE_NOT_SUPPORTED, PASSTHRU_REFUSED, true);
        return undefined;
      }
      pending.results++;
      const details = copyPassthruAttributes({ progress: true }, message.options);
      this.#answer(
        pending,
        copyPayload<ResultMessage>({ type: 'RESULT', requestId: pending.callRequestId, details }, message),
        true,
      );
      return undefined;
    }
    this.#finish(pending);
    if (passthru && this.#refusePassthruResult(pending)) return undefined;
    const details = copyPassthruAttributes({}, message.options);
    this.#answer(
      pending,
      copyPayload<ResultMessage>({ type: 'RESULT', requestId: pending.callRequestId, details }, message),
    );
    return undefined;
  }

  /** Handles ERROR for an INVOCATION: ERROR to the caller, or re-routing on `unavailable`. */
  error(session: RealmMember, message: ErrorMessage): ProtocolViolation {
    const passthru = isPassthru(message.details);
    if (passthru) {
      const violation = passthruViolation(session, 'callee', 'ERROR', message.details);
      if (violation !== undefined) return violation;
    }
    const pending = this.#calls.byCallee(session, message.requestId);
    if (pending === undefined) return this.#unknownAnswer(session, 'ERROR', message.requestId);
    if (pending.callerDone) {
      this.#calls.removeCalleeSide(pending);
      return undefined;
    }
    // Advanced profile "Call Re-Routing". A call is passed on only while the next callee can
    // get all of it: not once progressive results went out or more input chunks were sent.
    if (message.error === ErrorUri.UNAVAILABLE && !pending.killing && pending.results === 0 && pending.chunks === 1) {
      this.#reroute(pending);
      return undefined;
    }
    this.#finish(pending);
    if (passthru && this.#refusePassthruResult(pending)) return undefined;
    // Basic profile "Call ERROR": the callee's error URI and payload, as returned.
    const reply: ErrorMessage = {
      type: 'ERROR',
      requestType: MessageCode.CALL,
      requestId: pending.callRequestId,
      details: copyPassthruAttributes({}, message.details),
      error: message.error,
    };
    this.#answer(pending, copyPayload(reply, message));
    return undefined;
  }

  /**
   * The callee's node refused an INVOCATION because the callee is at its concurrency limit
   * there (a cluster's callee on another node, whose node enforces the limit): the call goes to
   * the next callee as if this one were busy here, or fails with Crossbar's
   * `max_concurrency_reached` when none is left.
   */
  busy(session: RealmMember, requestId: Id): void {
    const pending = this.#calls.byCallee(session, requestId);
    if (pending === undefined) return;
    if (pending.callerDone) {
      this.#calls.removeCalleeSide(pending);
      return;
    }
    pending.sawBusy = true;
    if (!pending.killing && pending.results === 0 && pending.chunks === 1) {
      this.#reroute(pending);
      return;
    }
    this.#fail(pending, MAX_CONCURRENCY_REACHED, 'the callee is at its concurrency limit');
  }

  /**
   * A caller left: its calls end. Basic profile "Caller Leaving During an RPC Invocation": a
   * callee that supports call canceling gets INTERRUPT `killnowait`; any later answer is
   * discarded. A callee that does not is not told, and keeps its concurrency slot until it answers.
   */
  callerLeft(caller: RealmMember): void {
    for (const pending of this.#calls.callsOf(caller)) {
      this.#clearTimer(pending);
      this.#calls.removeCallerSide(pending);
      if (pending.callee.session === caller) {
        this.#calls.removeCalleeSide(pending);
      } else if (!pending.killing && canInterrupt(pending.callee)) {
        this.#interrupt(pending, 'killnowait', ErrorUri.CANCELED);
        this.#calls.removeCalleeSide(pending);
      } else {
        pending.callerDone = true;
      }
    }
    this.#calls.forgetCaller(caller);
  }

  /**
   * A callee left: the calls it served fail with `wamp.error.canceled` (basic profile "Callee
   * Leaving During an RPC Invocation"; the URI as the basic profile URI list spells it).
   */
  calleeLeft(callee: RealmMember): void {
    for (const pending of this.#calls.invocationsOf(callee)) {
      this.#calls.removeCalleeSide(pending);
      if (pending.callerDone) continue;
      this.#clearTimer(pending);
      this.#calls.removeCallerSide(pending);
      pending.caller.send(
        routerError(MessageCode.CALL, pending.callRequestId, ErrorUri.CANCELED, 'the callee left before answering'),
      );
    }
    this.bytes.calleeLeft(callee);
  }

  /** Sends one INVOCATION of a call: the first, a progressive continuation, or a re-routed one. */
  #invoke(pending: PendingCall, source: CallMessage, progress: boolean): void {
    pending.chunks++;
    // The frozen details go out as they are (nobody mutates a sent message, router `Peer`
    // contract); only a progressive chunk needs its own copy.
    const details: Dict = progress ? { ...pending.details, progress: true } : pending.details;
    const refused = sendCallMessage(
      pending.callee.session,
      copyPayload<InvocationMessage>(
        { type: 'INVOCATION', requestId: pending.invocationId, registration: pending.registration.id, details },
        source,
      ),
      this.#stats,
    );
    if (typeof refused === 'string') this.#undeliverable(pending, refused);
  }

  /**
   * The callee's transport could not encode an INVOCATION (nested deeper than its encoder goes,
   * a value its serializer has no form for): the call ends with an ERROR saying so, rather than
   * waiting forever for an answer the callee never had the question for (issue 12). A callee
   * that had earlier chunks of a progressive invocation is interrupted.
   */
  #undeliverable(pending: PendingCall, reason: string): void {
    const text = `the invocation ${reason} (the callee's serializer)`;
    this.#logger.info({ caller: pending.caller.id, callee: pending.callee.session.id, reason }, 'call undeliverable');
    if (pending.chunks > 1) this.#abandon(pending, ErrorUri.INVALID_ARGUMENT, text, true);
    else this.#fail(pending, ErrorUri.INVALID_ARGUMENT, text);
  }

  /**
   * Sends a RESULT or ERROR to the caller; when the caller's transport cannot encode it, an
   * ERROR saying so goes instead, so that the call ends.
   */
  #answer(pending: PendingCall, message: ResultMessage | ErrorMessage, progressive = false): void {
    // RESULTs are counted here (call-message-count.ts); an ERROR is counted by `send` as before.
    const refused =
      message.type === 'RESULT' ? sendCallMessage(pending.caller, message, this.#stats) : pending.caller.send(message);
    if (typeof refused !== 'string') return;
    const text = `the callee's ${message.type === 'RESULT' ? 'result' : 'error'} ${refused} (the caller's serializer)`;
    // A progressive result: the call is still going on; end it, and interrupt the callee.
    if (progressive) this.#abandon(pending, ErrorUri.INVALID_ARGUMENT, text, true);
    else pending.caller.send(routerError(MessageCode.CALL, pending.callRequestId, ErrorUri.INVALID_ARGUMENT, text));
  }

  /**
   * Passes a call whose callee answered `wamp.error.unavailable` to the next callee by the
   * registration's invocation policy, as if the unavailable ones had not registered (advanced
   * profile "Call Re-Routing", "Rerouting Rules"); `no_available_callee` when none is left.
   */
  #reroute(pending: PendingCall): void {
    this.#calls.removeCalleeSide(pending);
    const tried = pending.tried ?? new Set();
    pending.tried = tried;
    tried.add(pending.callee.session);
    const callee = nextCallee(pending, tried, this.#random, this.bytes);
    if ('error' in callee) {
      this.#fail(pending, callee.error, callee.text);
      return;
    }
    pending.callee = callee;
    pending.invocationId = callee.session.nextRequestId();
    pending.chunks = 0;
    pending.details = invocationDetails(pending, callee, 0);
    this.#calls.addCalleeSide(pending);
    this.#logger.debug({ caller: pending.caller.id, callee: callee.session.id }, 'call re-routed');
    this.#invoke(pending, pending.call, pending.inputOpen);
  }

  /**
   * Ends the caller's side of a call now with an ERROR (cancel `skip`/`killnowait`, timeout, a
   * passthru result the caller cannot take). With `interrupt`, and a callee that supports call
   * canceling, the callee gets INTERRUPT `killnowait` and its answer will be discarded;
   * otherwise the callee is not told and its answer is discarded when it comes (mode `skip`).
   */
  #abandon(pending: PendingCall, error: string, text: string, interrupt: boolean): void {
    this.#clearTimer(pending);
    this.#calls.removeCallerSide(pending);
    pending.caller.send(routerError(MessageCode.CALL, pending.callRequestId, error, text));
    if (interrupt && !pending.killing && canInterrupt(pending.callee)) {
      this.#interrupt(pending, 'killnowait', error);
      this.#calls.removeCalleeSide(pending);
    } else {
      pending.callerDone = true;
    }
  }

  /**
   * INTERRUPT for the callee. `reason` is not in the spec's INTERRUPT; Autobahn's INTERRUPT
   * carries it, and it lets a callee tell a timeout from a cancel (unknown options are ignored,
   * spec "Extensibility").
   */
  #interrupt(pending: PendingCall, mode: 'kill' | 'killnowait', reason: string): void {
    pending.callee.session.send({ type: 'INTERRUPT', requestId: pending.invocationId, options: { mode, reason } });
  }

  /** The call is over on both sides (final answer, or failure before any callee has it). */
  #finish(pending: PendingCall): void {
    this.#clearTimer(pending);
    this.#calls.removeCalleeSide(pending);
    this.#calls.removeCallerSide(pending);
  }

  #fail(pending: PendingCall, error: string, text: string): void {
    this.#finish(pending);
    pending.caller.send(routerError(MessageCode.CALL, pending.callRequestId, error, text));
  }

  #startTimer(pending: PendingCall): void {
    if (pending.timeoutMs <= 0) return;
    pending.timer = this.#clock.setTimeout(() => this.#timedOut(pending), pending.timeoutMs);
  }

  #restartTimer(pending: PendingCall): void {
    if (pending.timer === undefined) return;
    this.#clearTimer(pending);
    this.#startTimer(pending);
  }

  #clearTimer(pending: PendingCall): void {
    if (pending.timer === undefined) return;
    this.#clock.clearTimeout(pending.timer);
    pending.timer = undefined;
  }

  /**
   * Advanced profile "Call Timeouts", dealer-initiated: like a cancel, `killnowait` when the
   * callee supports call canceling, else `skip`; the caller gets `wamp.error.timeout`.
   */
  #timedOut(pending: PendingCall): void {
    pending.timer = undefined;
    if (this.#calls.byCaller(pending.caller, pending.callRequestId) !== pending) return;
    this.#logger.debug({ caller: pending.caller.id, requestId: pending.callRequestId }, 'call timed out');
    this.#abandon(pending, ErrorUri.TIMEOUT, `the call timed out after ${pending.timeoutMs} ms`, true);
    // No dealer entry point runs after a timer: the freed slot goes to a queued call here.
    this.#queues?.flush();
  }

  /**
   * Advanced profile "Payload Passthru Mode": a passthru answer for a caller without the feature
   * is an application error, `wamp.error.feature_not_supported`. The spec has the dealer answer
   * the callee, but no ERROR can answer a YIELD (a client would take it for a protocol
   * violation), so the caller gets the error, which also ends its call. For passthru answers only.
   */
  #refusePassthruResult(pending: PendingCall): boolean {
    if (announcesPassthru(pending.caller, 'caller')) return false;
    pending.caller.send(
      routerError(MessageCode.CALL, pending.callRequestId, ErrorUri.FEATURE_NOT_SUPPORTED, PASSTHRU_REFUSED),
    );
    return true;
  }

  /**
   * An answer to an invocation that is not pending. If the router sent that INVOCATION, its
   * call is over (the caller left or canceled, or it was answered already): discard the answer
   * (basic profile "Caller Leaving During an RPC Invocation"; advanced "Call Canceling",
   * "Ignoring Results after Cancel"). If it never did, that is a protocol error (basic profile
   * "Protocol Errors": "Receiving YIELD message with invalid INVOCATION.Request").
   */
  #unknownAnswer(session: RealmMember, kind: string, requestId: Id): ProtocolViolation {
    if (session.hasIssuedRequestId(requestId)) {
      this.#logger.debug({ session: session.id, requestId }, `discarded ${kind} for an invocation no longer pending`);
      return undefined;
    }
    return `${kind} for INVOCATION request ${requestId}, which the router never sent`;
  }
}

const PASSTHRU_REFUSED = 'the callee answered in payload passthru mode, which the caller does not support';
