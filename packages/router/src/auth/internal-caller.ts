/**
 * The router's own sessions, one per realm, through which it calls procedures that clients
 * registered: dynamic authenticators and authorizers (Crossbar calls them from a router-side
 * "service session" the same way). Each is an in-process {@link Peer} connected to the router
 * like any transport, joined as the trusted internal principal, so calls take the ordinary path
 * through the dealer (no dealer internals are touched) and honour its rules.
 */
import {
  ApplicationError,
  type Clock,
  createIdSequence,
  type Dict,
  ErrorUri,
  type Id,
  SessionClosedError,
  TimeoutError,
  type WampMessage,
} from '@interchange/protocol';
import type { Logger } from '../logger.js';
import type { Peer, PeerConnection, TransportInfo } from '../session/peer.js';
import type { ConnectOptions } from '../session/router-session.js';

/** The role and authid of the router's internal sessions. */
export const INTERNAL_PRINCIPAL = {
  authrole: 'trusted',
  authid: 'interchange-internal',
  authmethod: 'trusted',
} as const;

/** What a call answered: `RESULT.Arguments` and `RESULT.ArgumentsKw`. */
export interface InternalCallResult {
  args: unknown[];
  kwargs: Dict;
}

/** Options of {@link InternalCaller}. */
export interface InternalCallerOptions {
  /** Attaches a peer to the router (`router.connect`). */
  connect(peer: Peer, options: ConnectOptions): PeerConnection;
  clock: Clock;
  logger: Logger;
}

interface PendingCall {
  resolve(result: InternalCallResult): void;
  reject(error: unknown): void;
  timer: ReturnType<Clock['setTimeout']>;
}

/** One internal session on one realm. */
class InternalSession implements Peer {
  readonly info: TransportInfo = { type: 'internal', serializer: 'none', peer: 'internal' };
  readonly #connection: PeerConnection;
  readonly #clock: Clock;
  readonly #nextId = createIdSequence();
  readonly #calls = new Map<Id, PendingCall>();
  readonly #queued: Array<() => void> = [];
  #state: 'joining' | 'open' | 'leaving' | 'closed' = 'joining';
  #closeReason: string = ErrorUri.CLOSE_REALM;

  constructor(realm: string, options: InternalCallerOptions) {
    this.#clock = options.clock;
    this.#connection = options.connect(this, { ...INTERNAL_PRINCIPAL });
    this.#connection.receive({
      type: 'HELLO',
      realm,
      details: { roles: { caller: { features: { call_canceling: true } } }, agent: 'Interchange router' },
    });
  }

  /** Closed or closing: a new call needs a new session. */
  get closed(): boolean {
    return this.#state === 'closed' || this.#state === 'leaving';
  }

  call(procedure: string, args: unknown[], timeoutMs: number): Promise<InternalCallResult> {
    return new Promise<InternalCallResult>((resolve, reject) => {
      const start = (): void => {
        if (this.#state === 'closed' || this.#state === 'leaving') {
          reject(new SessionClosedError(this.#closeReason, `internal session closed: ${this.#closeReason}`));
          return;
        }
        const requestId = this.#nextId();
        const timer = this.#clock.setTimeout(() => {
          this.#calls.delete(requestId);
          // Advanced profile "Call Canceling": the callee need not finish work nobody waits for.
          this.#connection.receive({ type: 'CANCEL', requestId, options: { mode: 'killnowait' } });
          reject(new TimeoutError(`${procedure} did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
        this.#calls.set(requestId, { resolve, reject, timer });
        this.#connection.receive({ type: 'CALL', requestId, options: {}, procedure, args });
      };
      if (this.#state === 'joining') this.#queued.push(start);
      else start();
    });
  }

  send(message: WampMessage): void {
    switch (message.type) {
      case 'WELCOME':
        this.#state = 'open';
        for (const start of this.#queued.splice(0)) start();
        return;
      case 'ABORT':
        this.#end(message.reason);
        return;
      case 'GOODBYE': {
        if (this.#state === 'closed') return;
        this.#closeReason = message.reason;
        if (this.#state === 'leaving') {
          // The router's answer to our GOODBYE (leave()): nothing to reply.
          this.#end(message.reason);
          return;
        }
        // Spec: basic "GOODBYE": reply once. Not from inside this call: the router session is
        // still sending its GOODBYE and not yet closing, so it would take the reply for a new
        // GOODBYE and answer it, and each answer would be answered again, without end.
        this.#state = 'leaving';
        queueMicrotask(() => {
          this.#connection.receive({ type: 'GOODBYE', details: {}, reason: ErrorUri.GOODBYE_AND_OUT });
          this.#end(message.reason);
        });
        return;
      }
      case 'RESULT':
        this.#settle(message.requestId, (call) =>
          call.resolve({ args: message.args ?? [], kwargs: message.kwargs ?? {} }),
        );
        return;
      case 'ERROR':
        this.#settle(message.requestId, (call) =>
          call.reject(
            new ApplicationError(message.error, {
              args: message.args ?? [],
              kwargs: message.kwargs ?? {},
              details: message.details,
            }),
          ),
        );
        return;
      default:
        return;
    }
  }

  close(): void {
    this.#end(this.#closeReason);
  }

  /** Leaves the realm. */
  leave(): void {
    if (this.#state === 'closed' || this.#state === 'leaving') return;
    this.#state = 'leaving';
    this.#connection.receive({ type: 'GOODBYE', details: {}, reason: ErrorUri.NORMAL });
  }

  #settle(requestId: Id, settle: (call: PendingCall) => void): void {
    const call = this.#calls.get(requestId);
    if (call === undefined) return;
    this.#calls.delete(requestId);
    this.#clock.clearTimeout(call.timer);
    settle(call);
  }

  #end(reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#closeReason = reason;
    const error = new SessionClosedError(reason, `internal session closed: ${reason}`);
    for (const start of this.#queued.splice(0)) start();
    for (const [requestId, call] of this.#calls) {
      this.#calls.delete(requestId);
      this.#clock.clearTimeout(call.timer);
      call.reject(error);
    }
    this.#connection.transportClosed();
  }
}

/**
 * Calls procedures as the router, on any realm, through one lazily joined internal session per
 * realm (joined again if it was closed, e.g. killed through the meta API).
 */
export class InternalCaller {
  readonly #options: InternalCallerOptions;
  readonly #sessions = new Map<string, InternalSession>();

  constructor(options: InternalCallerOptions) {
    this.#options = options;
  }

  /**
   * Calls `procedure` on `realm` with positional `args`. Rejects with `ApplicationError` when it
   * answers ERROR (or the realm refuses the internal session), `TimeoutError` after `timeoutMs`,
   * `SessionClosedError` when the internal session ends first.
   */
  call(realm: string, procedure: string, args: unknown[], timeoutMs: number): Promise<InternalCallResult> {
    let session = this.#sessions.get(realm);
    if (session === undefined || session.closed) {
      session = new InternalSession(realm, this.#options);
      this.#sessions.set(realm, session);
    }
    return session.call(procedure, args, timeoutMs);
  }

  /** Leaves every realm. */
  close(): void {
    for (const session of this.#sessions.values()) session.leave();
    this.#sessions.clear();
  }
}
