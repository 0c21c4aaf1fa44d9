import type { RealmMember } from '../realm/realm-member.js';

/** The byte bounds on pending calls (the realm's `limits`); a bound left out is not enforced. */
export interface PendingCallByteLimits {
  /** `limits.pending_call_bytes_per_callee`: payload bytes of the calls one callee session has unanswered. */
  perCallee?: number | undefined;
  /** `limits.pending_call_bytes`: payload bytes of every pending call of the realm. */
  perRealm?: number | undefined;
}

/**
 * The payload bytes one callee session's unanswered calls hold. One per callee session, from its
 * first invocation until it leaves; a pending call keeps its callee's, so that the end of its
 * callee side looks nothing up.
 */
export interface CalleeBytes {
  held: number;
}

/** Which byte bound a call would cross: the config key, for the ERROR text and the log. */
export type PendingCallByteBound = 'limits.pending_call_bytes_per_callee' | 'limits.pending_call_bytes';

/**
 * The payload bytes the dealer holds for pending calls (issue 12). A pending call keeps its CALL
 * (for re-routing) until both sides are done with it, so a callee that never answers, with
 * callers sending large arguments, would make the router hold them without bound while the
 * number of calls stays within `pending_calls_per_session`. Bytes are estimated as retained
 * events are (payload-size.ts), counted once per call when it starts, against the callee
 * session serving it (whatever the registration) and against the realm, and released when the
 * callee side ends (answer, interrupt, callee gone) and when the whole call ends.
 */
export class PendingCallBytes {
  readonly #limits: PendingCallByteLimits;
  readonly #byCallee = new Map<RealmMember, CalleeBytes>();
  #total = 0;

  constructor(limits: PendingCallByteLimits = {}) {
    this.#limits = limits;
  }

  /** Payload bytes of all pending calls of the realm. */
  get total(): number {
    return this.#total;
  }

  /** Payload bytes of the calls this callee session has unanswered. */
  ofCallee(callee: RealmMember): number {
    return this.#byCallee.get(callee)?.held ?? 0;
  }

  /** The realm bound a new call of `bytes` would cross, if any. */
  realmRefuses(bytes: number): PendingCallByteBound | undefined {
    const bound = this.#limits.perRealm;
    return bound !== undefined && this.#total + bytes > bound ? 'limits.pending_call_bytes' : undefined;
  }

  /** Whether this callee can take a call of `bytes` more within its bound. */
  calleeHasRoom(callee: RealmMember, bytes: number): boolean {
    const bound = this.#limits.perCallee;
    if (bound === undefined) return true;
    // A callee's calls are among the realm's: while all of those fit its bound, so do its own,
    // and the callee's count need not be looked up (the common case, on every call).
    if (this.#total + bytes <= bound) return true;
    return this.ofCallee(callee) + bytes <= bound;
  }

  /** The bound in bytes behind a config key, for the ERROR text. */
  bound(key: PendingCallByteBound): number | undefined {
    return key === 'limits.pending_call_bytes' ? this.#limits.perRealm : this.#limits.perCallee;
  }

  /** A call started: its bytes count against the realm. */
  callStarted(bytes: number): void {
    this.#total += bytes;
  }

  /** A call ended on both sides. */
  callEnded(bytes: number): void {
    this.#total -= bytes;
  }

  /**
   * A callee was sent the call's INVOCATION (the first, or a re-routed one).
   * @returns the callee's count, to give back to {@link calleeReleased}.
   */
  calleeTook(callee: RealmMember, bytes: number): CalleeBytes {
    let count = this.#byCallee.get(callee);
    if (count === undefined) {
      count = { held: 0 };
      this.#byCallee.set(callee, count);
    }
    count.held += bytes;
    return count;
  }

  /** The callee's side of the call ended. */
  calleeReleased(count: CalleeBytes, bytes: number): void {
    count.held -= bytes;
  }

  /** A callee session left, its calls released: its count goes. */
  calleeLeft(callee: RealmMember): void {
    this.#byCallee.delete(callee);
  }
}
