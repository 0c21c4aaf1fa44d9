import type { CallMessage, Dict, Id, TimerHandle } from '@interchange/protocol';
import type { RealmMember } from '../realm/realm-member.js';
import type { RouterStats } from '../router-stats.js';
import type { CalleeBytes, PendingCallBytes } from './pending-call-bytes.js';
import type { Callee, Registration } from './registration-store.js';

/**
 * A call the dealer routed and has not finished. It is known to both sides: by the caller's
 * CALL request ID (for CANCEL and progressive CALL continuations) and by the callee's
 * INVOCATION request ID (for YIELD and ERROR). A call can leave the caller's side first: after a
 * `skip` cancel the caller has its ERROR, but the callee is still working and its answer must be
 * recognised and discarded (advanced profile "Call Canceling").
 */
export interface PendingCall {
  readonly caller: RealmMember;
  readonly callRequestId: Id;
  /** When the CALL arrived (`RouterStats.now`, ms), for the call duration metric; 0 when not timed. */
  readonly started: number;
  /** The URI the caller called (differs from `registration.uri` for pattern registrations). */
  readonly procedure: string;
  /** The CALL that began the call: its payload is what a re-routed INVOCATION carries. */
  readonly call: CallMessage;
  readonly registration: Registration;
  /** The callee serving it now; re-routing moves the call to another (advanced profile "Call Re-Routing"). */
  callee: Callee;
  invocationId: Id;
  /** Whether the caller's identity goes to the callee for reasons other than the callee's own request. */
  readonly discloseToAny: boolean;
  /** `CALL.Options.receive_progress` (advanced profile "Progressive Call Results"). */
  readonly receiveProgress: boolean;
  /** The timeout the dealer enforces, in ms; 0 when it enforces none (advanced profile "Call Timeouts"). */
  readonly timeoutMs: number;
  timer: TimerHandle | undefined;
  /**
   * Callees that answered `wamp.error.unavailable` (or were passed over) for this call; made
   * on the first re-routing, which few calls see.
   */
  tried: Set<RealmMember> | undefined;
  /**
   * A callee's node refused the call for its concurrency limit (a callee on another node of a
   * cluster, see `Dealer.calleeBusy`): when no callee is left, the caller gets
   * `crossbar.error.max_concurrency_reached`, as when every callee here is busy.
   */
  sawBusy: boolean;
  /** The call began with `CALL.Options.progress` (advanced profile "Progressive Call Invocations"). */
  readonly progressiveInput: boolean;
  /** More progressive CALL chunks may follow. */
  inputOpen: boolean;
  /** INVOCATION messages sent to the current callee. */
  chunks: number;
  /** Progressive RESULT messages sent to the caller. */
  results: number;
  /** A `kill` cancel is under way: the callee was interrupted and its answer ends the call. */
  killing: boolean;
  /** The caller has had its answer; the callee's answer will be discarded. */
  callerDone: boolean;
  /** INVOCATION.Details as frozen at the start of the call, for progressive continuations. */
  details: Dict;
  /** The caller's calls, while this call is among them (kept by {@link CallTable}). */
  callerCalls: Map<Id, PendingCall> | undefined;
  /** The current callee's invocations, while this call is among them (kept by {@link CallTable}). */
  calleeCalls: Map<Id, PendingCall> | undefined;
  /** Estimated payload bytes of the CALL the router keeps for this call (pending-call-bytes.ts). */
  readonly bytes: number;
  /** Whether {@link bytes} still count against the realm (until both sides are done). */
  bytesHeld: boolean;
  /** The count of the current callee's bytes, while {@link bytes} are in it (pending-call-bytes.ts). */
  calleeBytes: CalleeBytes | undefined;
}

/** How many finished progressive-input calls per caller are remembered (see {@link CallTable.finishedInput}). */
const FINISHED_INPUT_MEMORY = 256;

/**
 * The dealer's pending calls, indexed from both sides. A session's map of calls goes when its
 * last call does. Keeping each map for its session's lifetime instead, to save a small map per
 * call for a caller with one call at a time, was measured to cost far more under load: the
 * router promoted most young objects and spent 17 % of its time in GC instead of 5 % (bench
 * rpc-throughput, json; `--trace-gc`). A short-lived map dies young with the calls it held.
 */
export class CallTable {
  readonly #byCaller = new Map<RealmMember, Map<Id, PendingCall>>();
  readonly #byCallee = new Map<RealmMember, Map<Id, PendingCall>>();
  /**
   * Request IDs of progressive-input calls that ended, per caller, kept for a while so a
   * continuation CALL that crossed the call's end is discarded instead of starting a new call
   * (advanced profile "Progressive Call Invocations", "Continuations on Completed Calls": the
   * suggested grace table, bounded by count rather than time).
   */
  readonly #finishedInput = new Map<RealmMember, Set<Id>>();
  /** Where the time from CALL to the end of the caller's side is counted (metrics), if anywhere. */
  readonly #stats: RouterStats | undefined;
  /** The payload bytes held for pending calls, per callee and for the realm. */
  readonly #bytes: PendingCallBytes | undefined;
  /** Told when a callee's slot frees up; only set in a realm with call queues (call-queues.ts). */
  readonly #freed: ((registration: Registration) => void) | undefined;

  constructor(stats?: RouterStats, bytes?: PendingCallBytes, freed?: (registration: Registration) => void) {
    this.#stats = stats;
    this.#bytes = bytes;
    this.#freed = freed;
  }

  /** The caller-side entry of a call. */
  byCaller(caller: RealmMember, callRequestId: Id): PendingCall | undefined {
    return this.#byCaller.get(caller)?.get(callRequestId);
  }

  /** The callee-side entry of a call. */
  byCallee(callee: RealmMember, invocationId: Id): PendingCall | undefined {
    return this.#byCallee.get(callee)?.get(invocationId);
  }

  /** How many calls a session made still wait for an answer. */
  pendingCount(caller: RealmMember): number {
    return this.#byCaller.get(caller)?.size ?? 0;
  }

  /** Calls a session made that still wait for an answer. */
  callsOf(caller: RealmMember): PendingCall[] {
    return [...(this.#byCaller.get(caller)?.values() ?? [])];
  }

  /** Invocations a session was sent and has not answered. */
  invocationsOf(callee: RealmMember): PendingCall[] {
    return [...(this.#byCallee.get(callee)?.values() ?? [])];
  }

  /** Tracks a new call on both sides. */
  add(call: PendingCall): void {
    call.callerCalls = put(this.#byCaller, call.caller, call.callRequestId, call);
    if (this.#bytes !== undefined) {
      this.#bytes.callStarted(call.bytes);
      call.bytesHeld = true;
    }
    this.addCalleeSide(call);
  }

  /** Tracks the call's current invocation on the callee side (again, after re-routing). */
  addCalleeSide(call: PendingCall): void {
    call.calleeCalls = put(this.#byCallee, call.callee.session, call.invocationId, call);
    call.callee.outstanding++;
    if (this.#bytes !== undefined) call.calleeBytes = this.#bytes.calleeTook(call.callee.session, call.bytes);
  }

  /**
   * Forgets the caller side: the caller has its answer. Remembers finished progressive input.
   * The call knows its caller's map, so the end of a call looks nothing up by session.
   */
  removeCallerSide(call: PendingCall): void {
    const calls = call.callerCalls;
    if (calls?.get(call.callRequestId) !== call) return;
    calls.delete(call.callRequestId);
    call.callerCalls = undefined;
    // Every end of the caller's side passes here: answer, error, timeout, cancel, caller gone.
    const stats = this.#stats;
    if (stats !== undefined) stats.callDurations.observe((stats.now() - call.started) / 1000);
    if (calls.size === 0) this.#byCaller.delete(call.caller);
    this.#releaseBytes(call);
    if (call.progressiveInput) {
      let finished = this.#finishedInput.get(call.caller);
      if (finished === undefined) {
        finished = new Set();
        this.#finishedInput.set(call.caller, finished);
      }
      finished.add(call.callRequestId);
      if (finished.size > FINISHED_INPUT_MEMORY) finished.delete(finished.values().next().value as Id);
    }
  }

  /** Forgets the callee side, freeing the callee's concurrency slot. */
  removeCalleeSide(call: PendingCall): void {
    const invocations = call.calleeCalls;
    if (invocations?.get(call.invocationId) !== call) return;
    invocations.delete(call.invocationId);
    call.calleeCalls = undefined;
    if (invocations.size === 0) this.#byCallee.delete(call.callee.session);
    call.callee.outstanding--;
    if (call.calleeBytes !== undefined) {
      this.#bytes?.calleeReleased(call.calleeBytes, call.bytes);
      call.calleeBytes = undefined;
    }
    this.#releaseBytes(call);
    // After the bytes: a queued call the freed slot lets through needs their room.
    if (this.#freed !== undefined) this.#freed(call.registration);
  }

  /** The realm's count of the call's bytes ends once neither side holds the call. */
  #releaseBytes(call: PendingCall): void {
    if (!call.bytesHeld || call.callerCalls !== undefined || call.calleeCalls !== undefined) return;
    call.bytesHeld = false;
    this.#bytes?.callEnded(call.bytes);
  }

  /** Whether a progressive-input call of this caller with this request ID ended recently. */
  finishedInput(caller: RealmMember, callRequestId: Id): boolean {
    // Asked for every new call; few sessions ever use progressive call invocations.
    if (this.#finishedInput.size === 0) return false;
    return this.#finishedInput.get(caller)?.has(callRequestId) ?? false;
  }

  /** Forgets what is remembered of a caller that left. */
  forgetCaller(caller: RealmMember): void {
    this.#finishedInput.delete(caller);
  }
}

/** Adds `call` to the session's map in `map`, made on first use; returns the session's map. */
function put(
  map: Map<RealmMember, Map<Id, PendingCall>>,
  session: RealmMember,
  id: Id,
  call: PendingCall,
): Map<Id, PendingCall> {
  let inner = map.get(session);
  if (inner === undefined) {
    inner = new Map();
    map.set(session, inner);
  }
  inner.set(id, call);
  return inner;
}
