import type { RealmMember } from '../realm/realm-member.js';

/** The byte bounds on pending calls (the realm's `limits`); a bound left out is not enforced. */
export interface PendingCallByteLimits {
  /** `limits.pending_call_bytes_per_callee`: payload bytes of the calls one callee session has unanswered. */
  perCallee?: number | undefined;
  /** `limits.pending_call_bytes`: payload bytes of every pending call of the realm. */
  perRealm?: number | undefined;
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
  readonly #byCallee = new Map<RealmMember, number>();
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
    return this.#byCallee.get(callee) ?? 0;
  }

  /** The realm bound a new call of `bytes` would cross, if any. */
  realmRefuses(bytes: number): PendingCallByteBound | undefined {
    const bound = this.#limits.perRealm;
    return bound !== undefined && this.#total + bytes > bound ? 'limits.pending_call_bytes' : undefined;
  }

  /** Whether this callee can take a call of `bytes` more within its bound. */
  calleeHasRoom(callee: RealmMember, bytes: number): boolean {
    const bound = this.#limits.perCallee;
    return bound === undefined || this.ofCallee(callee) + bytes <= bound;
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

  /** A callee was sent the call's INVOCATION (the first, or a re-routed one). */
  calleeTook(callee: RealmMember, bytes: number): void {
    this.#byCallee.set(callee, this.ofCallee(callee) + bytes);
  }

  /** The callee's side of the call ended. */
  calleeReleased(callee: RealmMember, bytes: number): void {
    const left = this.ofCallee(callee) - bytes;
    if (left > 0) this.#byCallee.set(callee, left);
    else this.#byCallee.delete(callee);
  }
}
