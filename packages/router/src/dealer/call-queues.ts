import { type CallMessage, type Clock, ErrorUri, type Id, MessageCode, type TimerHandle } from '@interchange/protocol';
import type { Logger } from '../logger.js';
import { routerError } from '../payload.js';
import type { RealmMember } from '../realm/realm-member.js';
import type { CallQueueSettings } from './call-queue-entries.js';
import type { Callee, Registration } from './registration-store.js';

/** A call waiting for a callee of its registration to have room. */
export interface QueuedCall {
  readonly caller: RealmMember;
  readonly call: CallMessage;
  readonly registration: Registration;
  /** Whether the caller's identity goes to the callee for reasons other than the callee's own request. */
  readonly discloseToAny: boolean;
  /** When the dealer's timeout of the call ends (clock ms); 0 when it enforces none. */
  readonly deadline: number;
  timer: TimerHandle | undefined;
}

/** Where a call that found room goes: the dealer starts it on `callee`, with what is left of its timeout. */
export type DispatchQueued = (queued: QueuedCall, callee: Callee, timeoutMs: number) => void;

/** What {@link CallQueues.enqueue} did with a call. */
export type EnqueueOutcome = 'queued' | 'full';

/** What the queues need from their dealer. */
export interface CallQueuesOptions {
  settings: CallQueueSettings;
  clock: Clock;
  random: () => number;
  logger: Logger;
  dispatch: DispatchQueued;
}

/** One registration's waiting calls, oldest first (a Set keeps insertion order and removes in O(1)). */
interface Queue {
  readonly limit: number;
  readonly calls: Set<QueuedCall>;
}

/**
 * Crossbar's call queues, in a realm whose store has a `call-queue` list: a call made while every
 * callee of its registration is at its `concurrency` (or the realm's bound on a callee's pending
 * calls) waits here, first in first out, instead of failing with
 * `crossbar.error.max_concurrency_reached`; it goes to the first callee that has room again.
 * A full queue (its entry's `limit`, else the store's) answers that error, as Crossbar does
 * without a queue. Memory stays bounded: a queue per live registration, each within its limit,
 * and a caller's queued calls count toward its bound of pending calls.
 *
 * A waiting call ends without reaching any callee when its caller cancels it or leaves, when its
 * timeout runs out (`wamp.error.timeout`), or when the registration goes with its last callee
 * (`wamp.error.canceled`, as for a call the leaving callee was serving). Slots that free up are
 * only noted ({@link freed}); the dealer hands them out ({@link flush}) once it is done with the
 * message at hand, so that a call never goes to a callee that is leaving in the same step.
 */
export class CallQueues {
  readonly #settings: CallQueueSettings;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logger: Logger;
  readonly #dispatch: DispatchQueued;
  readonly #queues = new Map<Registration, Queue>();
  /** Per caller, its waiting calls by CALL request ID (for CANCEL, duplicate IDs and leaving). */
  readonly #byCaller = new Map<RealmMember, Map<Id, QueuedCall>>();
  /** Registrations where a callee may have room for a waiting call. */
  readonly #freed = new Set<Registration>();
  #flushing = false;

  constructor(options: CallQueuesOptions) {
    this.#settings = options.settings;
    this.#clock = options.clock;
    this.#random = options.random;
    this.#logger = options.logger;
    this.#dispatch = options.dispatch;
  }

  /** Calls waiting in all queues. */
  get size(): number {
    let size = 0;
    for (const queue of this.#queues.values()) size += queue.calls.size;
    return size;
  }

  /** Whether a call to `registration` must wait behind calls already waiting (first in, first out). */
  hasWaiting(registration: Registration): boolean {
    return (this.#queues.get(registration)?.calls.size ?? 0) > 0;
  }

  /** How many calls of `caller` are waiting (they count toward its bound of pending calls). */
  countOf(caller: RealmMember): number {
    return this.#byCaller.get(caller)?.size ?? 0;
  }

  /** The waiting call of `caller` with this CALL request ID, if any. */
  byCaller(caller: RealmMember, requestId: Id): QueuedCall | undefined {
    return this.#byCaller.get(caller)?.get(requestId);
  }

  /**
   * Puts a call at the end of its registration's queue; `'full'` when the queue is at its limit.
   * @param timeoutMs the dealer's timeout of the call in ms, 0 for none; it runs from now.
   */
  enqueue(
    caller: RealmMember,
    call: CallMessage,
    registration: Registration,
    discloseToAny: boolean,
    timeoutMs: number,
  ): EnqueueOutcome {
    const queue = this.#queueOf(registration);
    if (queue.calls.size >= queue.limit) return 'full';
    const queued: QueuedCall = {
      caller,
      call,
      registration,
      discloseToAny,
      deadline: timeoutMs > 0 ? this.#clock.now() + timeoutMs : 0,
      timer: undefined,
    };
    if (timeoutMs > 0) queued.timer = this.#clock.setTimeout(() => this.#expired(queued), timeoutMs);
    queue.calls.add(queued);
    let mine = this.#byCaller.get(caller);
    if (mine === undefined) {
      mine = new Map();
      this.#byCaller.set(caller, mine);
    }
    mine.set(call.requestId, queued);
    return 'queued';
  }

  /**
   * CANCEL of a waiting call: it leaves the queue and the caller gets `wamp.error.canceled`,
   * whatever the mode (no callee has it to interrupt). `false` when no such call waits.
   */
  cancel(caller: RealmMember, requestId: Id): boolean {
    const queued = this.byCaller(caller, requestId);
    if (queued === undefined) return false;
    this.#remove(queued);
    caller.send(routerError(MessageCode.CALL, requestId, ErrorUri.CANCELED, 'the call was canceled while queued'));
    return true;
  }

  /** A caller left: its waiting calls go, unanswered. */
  callerLeft(caller: RealmMember): void {
    const mine = this.#byCaller.get(caller);
    if (mine === undefined) return;
    for (const queued of [...mine.values()]) this.#remove(queued);
  }

  /**
   * A registration went with its last callee: its waiting calls fail with `wamp.error.canceled`
   * (basic profile "Callee Leaving During an RPC Invocation" says so for calls a callee had).
   */
  registrationDeleted(registration: Registration): void {
    const queue = this.#queues.get(registration);
    this.#queues.delete(registration);
    this.#freed.delete(registration);
    if (queue === undefined) return;
    for (const queued of [...queue.calls]) {
      this.#remove(queued);
      queued.caller.send(
        routerError(
          MessageCode.CALL,
          queued.call.requestId,
          ErrorUri.CANCELED,
          `the last callee of '${registration.uri}' left while the call was queued`,
        ),
      );
    }
  }

  /** A callee of `registration` may have room now (an invocation ended, a callee joined). */
  freed(registration: Registration): void {
    if (this.hasWaiting(registration)) this.#freed.add(registration);
  }

  /** Hands the room that freed up to waiting calls, oldest first, by the registration's invocation policy. */
  flush(): void {
    if (this.#flushing || this.#freed.size === 0) return;
    this.#flushing = true;
    try {
      // A dispatch that fails at once frees its slot again: the Set visits what is added meanwhile.
      for (const registration of this.#freed) {
        this.#freed.delete(registration);
        this.#drain(registration);
      }
    } finally {
      this.#flushing = false;
    }
  }

  #drain(registration: Registration): void {
    const queue = this.#queues.get(registration);
    if (queue === undefined) return;
    for (const queued of queue.calls) {
      const callee = registration.pick(this.#random);
      if (typeof callee !== 'object') return;
      this.#remove(queued);
      const timeoutMs = queued.deadline === 0 ? 0 : Math.max(1, queued.deadline - this.#clock.now());
      this.#dispatch(queued, callee, timeoutMs);
    }
  }

  /** The queue of a registration, made on its first waiting call, with its entry's limit or the default. */
  #queueOf(registration: Registration): Queue {
    let queue = this.#queues.get(registration);
    if (queue !== undefined) return queue;
    const { entries, defaultLimit } = this.#settings;
    const entry = entries.find((e) => e.uri === registration.uri && e.match === registration.match);
    queue = { limit: entry?.limit ?? defaultLimit, calls: new Set() };
    this.#queues.set(registration, queue);
    return queue;
  }

  #expired(queued: QueuedCall): void {
    queued.timer = undefined;
    if (this.byCaller(queued.caller, queued.call.requestId) !== queued) return;
    this.#remove(queued);
    this.#logger.debug({ caller: queued.caller.id, requestId: queued.call.requestId }, 'queued call timed out');
    queued.caller.send(
      routerError(
        MessageCode.CALL,
        queued.call.requestId,
        ErrorUri.TIMEOUT,
        'the call timed out while queued for a callee with room',
      ),
    );
  }

  /** Takes a call out of its queue and the caller's index, and stops its timer. */
  #remove(queued: QueuedCall): void {
    if (queued.timer !== undefined) {
      this.#clock.clearTimeout(queued.timer);
      queued.timer = undefined;
    }
    const queue = this.#queues.get(queued.registration);
    queue?.calls.delete(queued);
    // An empty queue of a registration that lives on is kept; it goes with the registration.
    const mine = this.#byCaller.get(queued.caller);
    if (mine?.get(queued.call.requestId) === queued) {
      mine.delete(queued.call.requestId);
      if (mine.size === 0) this.#byCaller.delete(queued.caller);
    }
  }
}
