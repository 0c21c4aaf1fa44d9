/**
 * What a router counts while it routes, for the node's metrics and `interchange status`
 * (docs/architecture.md, "Contracts the hot path relies on"): the hot path only bumps plain
 * number fields (one property increment per message), and whoever wants figures reads them when
 * asked (a Prometheus scrape), never per message. Gauges that can be read off the router's own
 * state (sessions, subscriptions, registrations per realm) are not counted here at all.
 *
 * Sans-IO like the rest of the router: no timers, no I/O; durations are measured with
 * `performance.now()`, which browsers and Node both have.
 */
import { type Logger, type LogMethod, MessageCode, type MessageName } from '@interchange/protocol';

/** Messages counted by WAMP message type (`HELLO`, `CALL`, `EVENT`, ...). */
export type MessageCounts = Record<MessageName, number>;

/** Every WAMP message type, in code order. */
export const MESSAGE_NAMES: readonly MessageName[] = Object.keys(MessageCode) as MessageName[];

/**
 * Each type's slot in the count arrays. An increment keyed by the type string on a record of 24
 * counters costs about 15 ns, since the key varies (V8's megamorphic keyed store), and a router
 * counts twice per message; a typed-array increment at a slot found in this map costs about as
 * much, the map lookup by string being most of it. See {@link slotOf}.
 */
const MESSAGE_INDEX: ReadonlyMap<string, number> = new Map(MESSAGE_NAMES.map((name, i) => [name, i]));

const CALL_SLOT = MESSAGE_INDEX.get('CALL') as number;
const INVOCATION_SLOT = MESSAGE_INDEX.get('INVOCATION') as number;
const YIELD_SLOT = MESSAGE_INDEX.get('YIELD') as number;
const RESULT_SLOT = MESSAGE_INDEX.get('RESULT') as number;
const ERROR_SLOT = MESSAGE_INDEX.get('ERROR') as number;
const PUBLISH_SLOT = MESSAGE_INDEX.get('PUBLISH') as number;

/**
 * The count slot of a message type. The types of routed calls and publications, which are nearly
 * all of the traffic, are compared first (type strings are interned: each comparison is a pointer
 * check), which costs about a third of the map lookup the other types get (docs/profiling.md).
 */
function slotOf(type: MessageName): number {
  switch (type) {
    case 'CALL':
      return CALL_SLOT;
    case 'INVOCATION':
      return INVOCATION_SLOT;
    case 'YIELD':
      return YIELD_SLOT;
    case 'RESULT':
      return RESULT_SLOT;
    case 'ERROR':
      return ERROR_SLOT;
    case 'PUBLISH':
      return PUBLISH_SLOT;
    default:
      return MESSAGE_INDEX.get(type) as number;
  }
}

function countsOf(slots: Float64Array, events = 0): MessageCounts {
  const counts = {} as MessageCounts;
  MESSAGE_NAMES.forEach((name, i) => {
    counts[name] = slots[i] as number;
  });
  counts.EVENT += events;
  return counts;
}

/**
 * A histogram kept as per-bucket counts (not cumulative): `observe` is a short scan and an
 * increment; the exporter turns it into Prometheus' cumulative buckets when it is read.
 */
export class BucketCounts {
  /** Upper bounds, ascending; a value equal to a bound falls in that bucket (Prometheus' `le`). */
  readonly bounds: readonly number[];
  /** `counts[i]`: values in bucket `i`; the last entry counts values above every bound. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  /** Counts one value. */
  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    (this.counts as number[])[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count += 1;
  }
}

/** Bounds of the call duration histogram, in seconds. */
export const CALL_DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** Bounds of the publication fan-out histogram: receivers of one publication. */
export const FANOUT_BUCKETS: readonly number[] = [0, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** Whether `logger` is a pino logger with trace enabled; then its `trace` method. */
function traceOf(logger: Logger): LogMethod | undefined {
  const pinoLike = logger as Logger & { isLevelEnabled?: (level: string) => boolean; trace?: LogMethod };
  if (typeof pinoLike.isLevelEnabled !== 'function' || typeof pinoLike.trace !== 'function') return undefined;
  if (!pinoLike.isLevelEnabled('trace')) return undefined;
  const trace = pinoLike.trace;
  return (obj, msg) => trace.call(logger, obj, msg);
}

/**
 * The counters of one router. Every field is a running total since the router started.
 *
 * @example
 * const router = new Router();
 * // ... traffic ...
 * router.stats.receivedCounts().CALL;  // CALLs received
 * router.stats.callDurations.count;    // calls answered
 */
export class RouterStats {
  /** Messages the router received from its sessions, by type slot; see {@link receivedCounts}. */
  readonly #received = new Float64Array(MESSAGE_NAMES.length);
  /** Messages handed to transports (one per receiver), by type slot, EVENTs excepted; see {@link sentCounts}. */
  readonly #sent = new Float64Array(MESSAGE_NAMES.length);
  /**
   * EVENTs handed to transports, one per receiver: a publication's fan-out is added once by the
   * broker ({@link countEvents}), any other EVENT (retained, history) by {@link countSent}. A
   * field of its own: fan-out sends millions a second (BENCHMARKS.md, "The cost of counting").
   */
  eventsSent = 0;
  /** Seconds from a CALL to its final RESULT or ERROR. */
  readonly callDurations = new BucketCounts(CALL_DURATION_BUCKETS);
  /** Receivers of each publication (EVENTs sent for one PUBLISH). */
  readonly fanout = new BucketCounts(FANOUT_BUCKETS);
  /** Failed authentications, by authmethod (`ticket`, `wampcra`, ...). */
  readonly authFailures = new Map<string, number>();
  /** HELLOs refused because their authid or address was locked out after failures. */
  throttled = 0;
  /** Sessions welcomed. */
  joined = 0;
  /** Established sessions that ended. */
  left = 0;
  /** HELLOs answered with ABORT, by reason URI. */
  readonly refused = new Map<string, number>();
  /** Sessions aborted for a protocol violation (undecodable or oversize frames included), in any state. */
  violations = 0;
  /**
   * pino's `trace` when the router's logger has trace enabled (`--loglevel trace`): then each
   * message in and out is logged by type and session, never its payload. Undefined otherwise,
   * so the hot path pays one comparison.
   */
  readonly trace: LogMethod | undefined;

  /** The time {@link now} handed out during this turn of the event loop, or undefined. */
  #turnNow: number | undefined;
  readonly #endTurn = () => {
    this.#turnNow = undefined;
  };

  constructor(logger?: Logger) {
    this.trace = logger === undefined ? undefined : traceOf(logger);
  }

  /**
   * `performance.now()`, read once per turn of the event loop (until the next microtask
   * checkpoint) and shared by everything timed in that turn. A clock read costs about 50 ns and
   * a call needs two; a socket read that carries many messages then pays for one. Durations are
   * as fine as the turns: what starts and ends in the same turn lasts 0.
   */
  now(): number {
    let now = this.#turnNow;
    if (now === undefined) {
      now = performance.now();
      this.#turnNow = now;
      queueMicrotask(this.#endTurn);
    }
    return now;
  }

  /** Counts a message received from a session. */
  countReceived(type: MessageName): void {
    const slot = slotOf(type);
    this.#received[slot] = (this.#received[slot] as number) + 1;
  }

  /** Counts a message handed to a session's transport. */
  countSent(type: MessageName): void {
    if (type === 'EVENT') this.eventsSent += 1;
    else {
      const slot = slotOf(type);
      this.#sent[slot] = (this.#sent[slot] as number) + 1;
    }
  }

  /**
   * Counts an INVOCATION handed to a transport, at its fixed slot: the dealer counts the
   * INVOCATIONs it sends itself (dealer/call-message-count.ts), so that `RouterSession.send`
   * stays small enough for V8 to inline into the dealer (BENCHMARKS.md, "The cost of counting").
   */
  countInvocation(): void {
    this.#sent[INVOCATION_SLOT] = (this.#sent[INVOCATION_SLOT] as number) + 1;
  }

  /** Counts a RESULT handed to a transport, at its fixed slot; see {@link countInvocation}. */
  countResult(): void {
    this.#sent[RESULT_SLOT] = (this.#sent[RESULT_SLOT] as number) + 1;
  }

  /**
   * Counts `n` EVENTs handed to transports at once: a publication's deliveries, which the broker
   * counts per publication rather than per receiver (broker/delivery-count.ts).
   */
  countEvents(n: number): void {
    this.eventsSent += n;
  }

  /**
   * Logs a message in or out by type and session (never its payload), when {@link trace} is set.
   * Out of line, so that `RouterSession.send`, `deliverEvent` and `receive` carry a comparison
   * rather than the log record's literal: smaller, they inline better into the broker's and the
   * dealer's loops (BENCHMARKS.md, "The cost of counting").
   */
  traceMessage(session: number, type: MessageName, what: string): void {
    this.trace?.({ session, type }, what);
  }

  /** Messages received, by type. */
  receivedCounts(): MessageCounts {
    return countsOf(this.#received);
  }

  /** Messages sent, by type, EVENTs included. */
  sentCounts(): MessageCounts {
    return countsOf(this.#sent, this.eventsSent);
  }

  /** Counts a failed authentication by `authmethod`. */
  authFailed(authmethod: string): void {
    this.authFailures.set(authmethod, (this.authFailures.get(authmethod) ?? 0) + 1);
  }

  /** Counts a HELLO answered with ABORT `reason`. */
  helloRefused(reason: string): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
  }
}
