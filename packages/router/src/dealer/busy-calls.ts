import { type CallMessage, ErrorUri, MessageCode } from '@interchange/protocol';
import type { Logger } from '../logger.js';
import type { OffenderLog } from '../offender-log.js';
import { refuse } from '../payload.js';
import { payloadSize } from '../payload-size.js';
import type { RealmMember } from '../realm/realm-member.js';
import type { ProtocolViolation } from '../session/protocol-violation.js';
import { MAX_CONCURRENCY_REACHED } from './call-errors.js';
import type { CallQueues, QueuedCall } from './call-queues.js';
import { unsupportedBy } from './callee-support.js';
import type { CallRouter } from './dealer-calls.js';
import { refuseBytes } from './pending-call-bytes-checks.js';
import type { Callee, Registration } from './registration-store.js';

/** What busy calls need from their dealer. */
export interface BusyCallsOptions {
  /** The realm's call queues; absent in a realm without (call-queues.ts): busy calls fail at once. */
  queues: CallQueues | undefined;
  calls: CallRouter;
  logger: Logger;
  offenders: OffenderLog;
}

/**
 * Calls that found every callee of their registration busy (at its `concurrency`, or at the
 * realm's bound on a callee's pending calls): in a realm with call queues they wait in one
 * (call-queues.ts) and start once a callee has room; elsewhere, or when the queue is full, they
 * fail with Crossbar's `crossbar.error.max_concurrency_reached`. Few calls come here: the
 * dealer's path for a call that finds a free callee does not.
 */
export class BusyCalls {
  readonly #queues: CallQueues | undefined;
  readonly #calls: CallRouter;
  readonly #logger: Logger;
  readonly #offenders: OffenderLog;

  constructor(options: BusyCallsOptions) {
    this.#queues = options.queues;
    this.#calls = options.calls;
    this.#logger = options.logger;
    this.#offenders = options.offenders;
  }

  /** A call that found every callee busy: queued, or refused with the concurrency error. */
  arrived(
    session: RealmMember,
    message: CallMessage,
    registration: Registration,
    discloseToAny: boolean,
  ): ProtocolViolation {
    if (this.#queue(session, message, registration, discloseToAny)) return undefined;
    // Crossbar's per-callee concurrency limit, with Crossbar's error; the realm's bound on a
    // callee's unanswered invocations counts as one.
    const { procedure, requestId } = message;
    const text = `every callee of '${procedure}' is at its concurrency limit or its bound of pending calls`;
    const atBound = (callee: Callee) => callee.pendingLimit !== undefined && callee.outstanding >= callee.pendingLimit;
    if (registration.callees.some(atBound))
      this.#offenders.hit('limits.pending_calls_per_callee', session, 'callees at their bound or concurrency', {
        procedure,
      });
    return refuse(session, MessageCode.CALL, requestId, MAX_CONCURRENCY_REACHED, text);
  }

  /** A queued call found a callee with room: it starts as a call routed now would. */
  dispatch(queued: QueuedCall, callee: Callee, timeoutMs: number): void {
    const { caller, call, registration } = queued;
    const unsupported = unsupportedBy(callee.session, call);
    if (unsupported !== undefined) {
      refuse(caller, MessageCode.CALL, call.requestId, ErrorUri.FEATURE_NOT_SUPPORTED, unsupported);
      return;
    }
    // The realm's bound of bytes was checked when the call was queued; the callee's is checked
    // now, since only now is there a callee.
    const bytes = payloadSize(call);
    if (!this.#calls.bytes.calleeHasRoom(callee.session, bytes)) {
      const key = 'limits.pending_call_bytes_per_callee';
      refuseBytes(this.#offenders, this.#calls.bytes, caller, call.requestId, key, call.procedure);
      return;
    }
    this.#calls.start({ caller, call, registration, callee, discloseToAny: queued.discloseToAny, timeoutMs, bytes });
  }

  /**
   * Queues a call in a realm with call queues. `false` when it was not queued: the caller is to
   * get the concurrency error. Calls with progressive input are never queued: their later
   * chunks would have to wait too.
   */
  #queue(session: RealmMember, message: CallMessage, registration: Registration, discloseToAny: boolean): boolean {
    const queues = this.#queues;
    if (queues === undefined || message.options.progress === true) return false;
    const timeoutMs = this.#calls.timeoutMs(session, message.options.timeout);
    if (queues.enqueue(session, message, registration, discloseToAny, timeoutMs) === 'full') {
      this.#logger.debug({ session: session.id, procedure: message.procedure }, 'call queue full');
      refuse(
        session,
        MessageCode.CALL,
        message.requestId,
        MAX_CONCURRENCY_REACHED,
        `every callee of '${message.procedure}' is at its concurrency limit and its call queue is full`,
      );
    }
    return true;
  }
}
