import {
  ApplicationError,
  CanceledError,
  type Dict,
  type ErrorMessage,
  ErrorUri,
  InvalidArgumentError,
  type Payload,
  type ResultMessage,
  TimeoutError,
  type TimerHandle,
} from '@interchange/protocol';
import { AsyncQueue } from './async-queue.js';
import { deferred } from './deferred.js';
import { applyPassthru, type PassthruOptions, passthruNotSupported, passthruOf } from './passthru.js';
import { checkArguments, fromWirePayload, isOptionsObject, isPlainDict, toWirePayload } from './payload.js';
import { ProgressiveCall, StreamingCall } from './progressive-call.js';
import type { CallResult } from './result.js';
import type { Handled, SessionContext, Settle } from './session-context.js';
import { checkUri } from './uri-check.js';

export { ProgressiveCall, StreamingCall } from './progressive-call.js';

/** `CANCEL.Options.mode` (spec: advanced "Call Canceling"). */
export type CancelMode = 'skip' | 'kill' | 'killnowait';

/** Options of `Session.call`. Snake_case names are CALL.Options keys sent as they are. */
export interface CallOptions extends Partial<PassthruOptions> {
  /** Keyword arguments. */
  kwargs?: Record<string, unknown>;
  /**
   * A deadline in milliseconds; `0` or absent: none. When the dealer announced `call_timeout`
   * it is sent as `CALL.Options.timeout` and the dealer enforces it (spec: advanced "Call
   * Timeouts": the callee is interrupted); otherwise the session runs the timer and cancels the
   * call. Either way the call rejects with `TimeoutError` (whose `cause` is the dealer's
   * `ApplicationError` `wamp.error.timeout` when the dealer enforced it).
   */
  timeout?: number;
  /** Aborting it rejects the call with `CanceledError` (and cancels it at the router, if it can). */
  signal?: AbortSignal;
  /**
   * The CANCEL mode when `signal` aborts (spec: advanced "Call Canceling"). Default
   * `killnowait`. With `skip` and `killnowait` the call rejects at once; with `kill` it waits
   * for the callee's answer: a result (the callee finished first), the callee's error, or
   * `CanceledError` for its `wamp.error.canceled`.
   */
  cancelMode?: CancelMode;
  /** Ask the router to disclose this caller to the callee (spec: advanced "Caller Identification"). */
  disclose_me?: boolean;
  /** Further CALL.Options, merged in as they are (e.g. router-specific options). */
  extra?: Dict;
}

/** Options of `Session.callProgressive`. */
export interface ProgressiveCallOptions extends CallOptions {
  /** The most results buffered while nobody reads the iterator (oldest dropped first). Default 256. */
  bufferSize?: number;
}

/** Options of `Session.callStreaming`; the keyword arguments go with each chunk instead. */
export interface StreamingCallOptions extends Omit<ProgressiveCallOptions, 'kwargs'> {
  /** Ask for progressive results too (`CALL.Options.receive_progress`); they come through the iterator. */
  receiveProgress?: boolean;
}

interface PendingCall {
  procedure: string;
  settle: Settle<CallResult>;
  progress: ((result: CallResult) => void) | undefined;
  // Read when the cancel happens, not when the call starts (Autobahn's `cancel({ mode })`).
  options: CallOptions;
  /** The timeout the dealer enforces (CALL.Options.timeout), if it was sent. */
  routerTimeout: number | undefined;
  /** A `kill` CANCEL went out: the dealer's answer still ends the call. */
  killing: boolean;
  cleanup(): void;
}

/** A CALL ready to go: its options on the wire and whether it is in passthru mode. */
interface Prepared {
  wire: Dict;
  passthru: boolean;
}

/** How many abandoned request IDs are remembered, to drop their late answers quietly. */
const ABANDONED_LIMIT = 10_000;

/** The caller role (spec: basic "Calling and Invocations"; advanced "Call Canceling", "Call Timeouts"). */
export class Caller {
  readonly #ctx: SessionContext;
  readonly #pending = new Map<number, PendingCall>();
  // Calls given up locally (abort, timeout) whose RESULT or ERROR may still arrive: those are
  // expected, not protocol violations, and are dropped.
  readonly #abandoned = new Set<number>();

  constructor(ctx: SessionContext) {
    this.#ctx = ctx;
  }

  call(procedure: string, args: unknown[] | undefined, options: CallOptions): Promise<CallResult> {
    const prepared = this.#prepare('call', procedure, args, options.kwargs, options);
    const call = deferred<CallResult>();
    if (this.#refuse(procedure, prepared, options, call)) return call.promise;
    this.#start(procedure, { args, kwargs: options.kwargs }, options, prepared, call, undefined);
    return call.promise;
  }

  callProgressive(procedure: string, args: unknown[] | undefined, options: ProgressiveCallOptions): ProgressiveCall {
    const prepared = this.#prepare('callProgressive', procedure, args, options.kwargs, options);
    prepared.wire['receive_progress'] = true;
    let requestId: number | undefined;
    const { queue, final, settle } = this.#resultStream(procedure, options.bufferSize, () => requestId);
    const call = new ProgressiveCall(queue, final.promise);
    if (this.#refuse(procedure, prepared, options, settle)) return call;
    requestId = this.#start(procedure, { args, kwargs: options.kwargs }, options, prepared, settle, (partial) =>
      queue.push(partial),
    );
    return call;
  }

  /** A call whose input goes out in chunks (spec: advanced "Progressive Call Invocations"); see {@link StreamingCall}. */
  callStreaming(procedure: string, options: StreamingCallOptions): StreamingCall {
    const prepared = this.#prepare('callStreaming', procedure, undefined, undefined, options, true);
    const receiveProgress = options.receiveProgress === true;
    if (receiveProgress) prepared.wire['receive_progress'] = true;
    let requestId: number | undefined;
    let over = false;
    const stream = this.#resultStream(procedure, options.bufferSize, () => requestId);
    const settle: Settle<CallResult> = {
      resolve: (result) => {
        over = true;
        stream.settle.resolve(result);
      },
      reject: (error) => {
        over = true;
        stream.settle.reject(error);
      },
    };
    const send = (
      args: unknown[] | undefined,
      kwargs: Record<string, unknown> | undefined,
      final: boolean,
    ): boolean => {
      checkArguments(final ? 'end' : 'send', args, kwargs);
      if (prepared.passthru) applyPassthru(final ? 'end' : 'send', options, args, kwargs, {});
      if (over) return false;
      if (requestId === undefined) {
        if (this.#refuse(procedure, prepared, options, settle)) return false;
        if (!final && !this.#ctx.routerHasFeature('dealer', 'progressive_call_invocations')) {
          settle.reject(
            new ApplicationError(ErrorUri.FEATURE_NOT_SUPPORTED, {
              args: [`callStreaming: the dealer did not announce progressive_call_invocations`],
            }),
          );
          return false;
        }
        const wire = final ? prepared.wire : { ...prepared.wire, progress: true };
        const progress = receiveProgress ? (partial: CallResult) => stream.queue.push(partial) : undefined;
        requestId = this.#start(procedure, { args, kwargs }, options, { ...prepared, wire }, settle, progress);
        return true;
      }
      if (!this.#pending.has(requestId)) return false;
      // Spec "Freezing of Options": later chunks carry only `progress`; the rest is the first CALL's.
      this.#ctx.send({
        type: 'CALL',
        requestId,
        options: final ? {} : { progress: true },
        procedure,
        ...toWirePayload(args, kwargs),
      });
      return true;
    };
    // A signal that aborts before the first chunk went out ends the call at once.
    const { signal } = options;
    if (signal !== undefined && !signal.aborted) {
      const onEarlyAbort = (): void => {
        if (requestId === undefined && !over) {
          settle.reject(
            new CanceledError(`call to ${procedure} canceled before it was sent`, { cause: signal.reason }),
          );
        }
      };
      signal.addEventListener('abort', onEarlyAbort, { once: true });
      void stream.final.promise.then(
        () => signal.removeEventListener('abort', onEarlyAbort),
        () => signal.removeEventListener('abort', onEarlyAbort),
      );
    }
    return new StreamingCall(stream.queue, stream.final.promise, { send });
  }

  /** RESULT: settles the call, or feeds a progressive result to its iterator. */
  handleResult(message: ResultMessage): Handled {
    const id = message.requestId;
    const progressive = message.details['progress'] === true;
    const pending = this.#pending.get(id);
    if (pending === undefined) {
      if (!this.#abandoned.has(id)) return 'unknown-request';
      if (!progressive) this.#abandoned.delete(id);
      return 'ok';
    }
    const result: CallResult = { ...fromWirePayload(message), details: message.details };
    const passthru = passthruOf(message.details);
    if (passthru !== undefined) result.passthru = passthru;
    if (progressive) {
      // A progressive result nobody asked for (no `receive_progress`) is ignored.
      pending.progress?.(result);
      return 'ok';
    }
    this.#pending.delete(id);
    pending.cleanup();
    pending.settle.resolve(result);
    return 'ok';
  }

  /**
   * ERROR for a CALL: rejects the call with `ApplicationError`; the dealer's `wamp.error.timeout`
   * for a timeout it enforced becomes `TimeoutError`, and `wamp.error.canceled` after our `kill`
   * becomes `CanceledError` (each with the `ApplicationError` as `cause`).
   */
  handleError(message: ErrorMessage): Handled {
    const id = message.requestId;
    const pending = this.#pending.get(id);
    if (pending === undefined) {
      if (!this.#abandoned.delete(id)) return 'unknown-request';
      return 'ok';
    }
    this.#pending.delete(id);
    pending.cleanup();
    const error = new ApplicationError(message.error, { ...fromWirePayload(message), details: message.details });
    if (message.error === ErrorUri.TIMEOUT && pending.routerTimeout !== undefined) {
      pending.settle.reject(
        new TimeoutError(`call to ${pending.procedure} timed out after ${pending.routerTimeout} ms`, { cause: error }),
      );
    } else if (message.error === ErrorUri.CANCELED && pending.killing) {
      pending.settle.reject(new CanceledError(`call to ${pending.procedure} canceled`, { cause: error }));
    } else {
      pending.settle.reject(error);
    }
    return 'ok';
  }

  /** The session ended: every pending call rejects with `error`. */
  close(error: unknown): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.#abandoned.clear();
    for (const call of pending) {
      call.cleanup();
      call.settle.reject(error);
    }
  }

  /**
   * Checks everything that can be checked before the session is asked (throwing
   * `InvalidArgumentError`), and builds CALL.Options.
   */
  #prepare(
    what: string,
    procedure: string,
    args: unknown,
    kwargs: unknown,
    options: CallOptions,
    streaming = false,
  ): Prepared {
    checkUri(`${what}: procedure`, procedure);
    if (!isOptionsObject(options)) throw new InvalidArgumentError(`${what}: options must be an object`);
    checkArguments(what, args, kwargs);
    const { timeout, signal, cancelMode, extra } = options;
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0 && Number.isFinite(timeout))) {
      throw new InvalidArgumentError(
        `${what}: timeout must be a non-negative number of milliseconds, got ${String(timeout)}`,
      );
    }
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new InvalidArgumentError(`${what}: signal must be an AbortSignal`);
    }
    if (cancelMode !== undefined && cancelMode !== 'skip' && cancelMode !== 'kill' && cancelMode !== 'killnowait') {
      throw new InvalidArgumentError(
        `${what}: cancelMode must be 'skip', 'kill' or 'killnowait', got ${String(cancelMode)}`,
      );
    }
    if (extra !== undefined && !isPlainDict(extra)) throw new InvalidArgumentError(`${what}: extra must be an object`);
    const { bufferSize } = options as ProgressiveCallOptions;
    if (bufferSize !== undefined && !(bufferSize >= 1)) {
      throw new InvalidArgumentError(`${what}: bufferSize must be at least 1, got ${String(bufferSize)}`);
    }
    const wire: Dict = { ...extra };
    if (options.disclose_me !== undefined) wire['disclose_me'] = options.disclose_me;
    // A streaming call's chunks are checked as they are sent.
    const passthru = streaming
      ? applyPassthru(what, options, [new Uint8Array()], undefined, wire)
      : applyPassthru(
          what,
          options,
          args as unknown[] | undefined,
          kwargs as Record<string, unknown> | undefined,
          wire,
        );
    return { wire, passthru };
  }

  /**
   * Fails a call before it is sent, when it must not go out: the session is not established,
   * the signal has aborted, or it is in passthru mode and the dealer did not announce it (spec:
   * "Payload Passthru Mode": sending it would be a protocol violation). Returns whether it did.
   */
  #refuse(procedure: string, prepared: Prepared, options: CallOptions, settle: Settle<CallResult>): boolean {
    try {
      this.#ctx.assertEstablished();
    } catch (error) {
      settle.reject(error);
      return true;
    }
    if (options.signal?.aborted === true) {
      settle.reject(
        new CanceledError(`call to ${procedure} canceled before it was sent`, { cause: options.signal.reason }),
      );
      return true;
    }
    if (prepared.passthru && !this.#ctx.routerHasFeature('dealer', 'payload_passthru_mode')) {
      settle.reject(passthruNotSupported(`call to ${procedure}`, 'dealer'));
      return true;
    }
    return false;
  }

  /** The iterator, final promise and settle functions of a call with a result stream. */
  #resultStream(procedure: string, bufferSize: number | undefined, requestId: () => number | undefined) {
    const queue = new AsyncQueue<CallResult>(bufferSize ?? 256, {
      onReturn: () => {
        const id = requestId();
        if (id !== undefined)
          this.#abandon(id, new CanceledError(`call to ${procedure} canceled: iteration stopped`), false);
      },
    });
    const final = deferred<CallResult>();
    const settle: Settle<CallResult> = {
      resolve: (result) => {
        queue.push(result);
        queue.end();
        final.resolve(result);
      },
      reject: (error) => {
        queue.fail(error);
        final.reject(error);
      },
    };
    return { queue, final, settle };
  }

  /** Sends CALL and tracks it; returns the request ID. */
  #start(
    procedure: string,
    payload: { args: unknown[] | undefined; kwargs: Record<string, unknown> | undefined },
    options: CallOptions,
    prepared: Prepared,
    settle: Settle<CallResult>,
    progress: ((result: CallResult) => void) | undefined,
  ): number {
    const id = this.#ctx.nextRequestId();
    const wire: Dict = { ...prepared.wire };
    const { signal, timeout } = options;
    // Spec: advanced "Call Timeouts": an integer of milliseconds, enforced by a dealer that
    // announced the feature; any other dealer ignores it, so the session keeps the time.
    const routerTimeout =
      timeout !== undefined && timeout > 0 && this.#ctx.routerHasFeature('dealer', 'call_timeout')
        ? Math.ceil(timeout)
        : undefined;
    if (routerTimeout !== undefined) wire['timeout'] = routerTimeout;

    let timer: TimerHandle | undefined;
    const onAbort = (): void => {
      this.#abandon(id, new CanceledError(`call to ${procedure} canceled`, { cause: signal?.reason }), true);
    };
    const cleanup = (): void => {
      signal?.removeEventListener('abort', onAbort);
      if (timer !== undefined) this.#ctx.clock.clearTimeout(timer);
      timer = undefined;
    };
    const message: Payload = toWirePayload(payload.args, payload.kwargs);
    this.#ctx.send({ type: 'CALL', requestId: id, options: wire, procedure, ...message });
    // Tracked after the send: a message the serializer refuses throws before anything is pending,
    // and transports never deliver an answer from inside `send`.
    this.#pending.set(id, { procedure, settle, progress, options, routerTimeout, killing: false, cleanup });

    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeout !== undefined && timeout > 0 && routerTimeout === undefined) {
      timer = this.#ctx.clock.setTimeout(() => {
        timer = undefined;
        this.#abandon(id, new TimeoutError(`call to ${procedure} timed out after ${timeout} ms`), false);
      }, timeout);
    }
    return id;
  }

  /**
   * Gives up on a call: sends CANCEL only if the dealer announced `call_canceling` (spec:
   * advanced "Call Canceling"); without it, the late answer is dropped. The call rejects at
   * once, except for a `kill` asked for through the signal, which waits for the dealer's answer.
   */
  #abandon(id: number, error: unknown, bySignal: boolean): void {
    const pending = this.#pending.get(id);
    if (pending === undefined || pending.killing) return;
    const canCancel = this.#ctx.routerHasFeature('dealer', 'call_canceling');
    const mode = pending.options.cancelMode ?? 'killnowait';
    if (bySignal && mode === 'kill' && canCancel && this.#sendCancel(id, mode)) {
      pending.killing = true;
      pending.cleanup();
      return;
    }
    this.#pending.delete(id);
    pending.cleanup();
    this.#remember(id);
    if (canCancel) this.#sendCancel(id, mode);
    pending.settle.reject(error);
  }

  #sendCancel(id: number, mode: CancelMode): boolean {
    try {
      this.#ctx.assertEstablished();
      this.#ctx.send({ type: 'CANCEL', requestId: id, options: { mode } });
      return true;
    } catch {
      // The session is closing: there is nothing left to cancel at the router.
      return false;
    }
  }

  #remember(id: number): void {
    if (this.#abandoned.size >= ABANDONED_LIMIT) {
      const oldest = this.#abandoned.values().next();
      if (oldest.done !== true) this.#abandoned.delete(oldest.value);
    }
    this.#abandoned.add(id);
  }
}
