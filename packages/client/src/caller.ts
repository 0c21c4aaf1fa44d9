import {
  ApplicationError,
  CanceledError,
  InvalidArgumentError,
  RpcFeature,
  TimeoutError,
  type Dict,
  type ErrorMessage,
  type ResultMessage,
  type TimerHandle,
} from '@interchange/protocol';
import { AsyncQueue } from './async-queue.js';
import { deferred } from './deferred.js';
import { checkArguments, fromWirePayload, isOptionsObject, isPlainDict, toWirePayload } from './payload.js';
import type { CallResult } from './result.js';
import type { Handled, SessionContext, Settle } from './session-context.js';
import { checkUri } from './uri-check.js';

/** `CANCEL.Options.mode` (spec: advanced "Call Canceling"). */
export type CancelMode = 'skip' | 'kill' | 'killnowait';

/** Options of `Session.call`. Snake_case names are CALL.Options keys sent as they are. */
export interface CallOptions {
  /** Keyword arguments. */
  kwargs?: Record<string, unknown>;
  /**
   * A local deadline in milliseconds: when it passes, the call rejects with `TimeoutError` (and
   * is canceled at the router when it supports call canceling). `0` or absent: no deadline.
   */
  timeout?: number;
  /** Aborting it rejects the call with `CanceledError` (and cancels it at the router, if it can). */
  signal?: AbortSignal;
  /** The CANCEL mode used when `signal` or `timeout` cancels the call. Default `killnowait`. */
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

/**
 * A call whose callee may send progressive results (spec: advanced "Progressive Call Results").
 * Iterating it yields each RESULT in order, the progressive ones (`details.progress === true`)
 * and then the final one; `result` resolves to the final one. Leaving the loop early cancels the
 * call.
 *
 * @example
 * const call = session.callProgressive('com.example.count', [3]);
 * for await (const { args } of call) console.log(args);
 * const final = await call.result;
 */
export class ProgressiveCall implements AsyncIterable<CallResult> {
  /** The final result; rejects like `Session.call` does. */
  readonly result: Promise<CallResult>;
  readonly #queue: AsyncQueue<CallResult>;

  /** @internal */
  constructor(queue: AsyncQueue<CallResult>, result: Promise<CallResult>) {
    this.#queue = queue;
    this.result = result;
    // The caller may only iterate; a rejection seen through the iterator must not also be
    // reported as unhandled through `result`.
    result.catch(() => {});
  }

  [Symbol.asyncIterator](): AsyncIterator<CallResult> {
    return this.#queue[Symbol.asyncIterator]();
  }
}

interface PendingCall {
  settle: Settle<CallResult>;
  progress: ((result: CallResult) => void) | undefined;
  // Read when the cancel happens, not when the call starts (Autobahn's `cancel({ mode })`).
  options: CallOptions;
  cleanup(): void;
}

/** How many abandoned request IDs are remembered, to drop their late answers quietly. */
const ABANDONED_LIMIT = 10_000;

/** The caller role (spec: basic "Calling and Invocations"; advanced "Call Canceling"). */
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
    this.#check(procedure, args, options);
    try {
      this.#ctx.assertEstablished();
    } catch (error) {
      return Promise.reject(error);
    }
    if (options.signal?.aborted === true) {
      return Promise.reject(new CanceledError(`call to ${procedure} canceled before it was sent`, { cause: options.signal.reason }));
    }
    const call = deferred<CallResult>();
    this.#start(procedure, args, options, call, undefined);
    return call.promise;
  }

  callProgressive(procedure: string, args: unknown[] | undefined, options: ProgressiveCallOptions): ProgressiveCall {
    this.#check(procedure, args, options);
    if (options.bufferSize !== undefined && !(options.bufferSize >= 1)) {
      throw new InvalidArgumentError(`callProgressive: bufferSize must be at least 1, got ${String(options.bufferSize)}`);
    }
    let requestId: number | undefined;
    const queue = new AsyncQueue<CallResult>(options.bufferSize ?? 256, {
      onReturn: () => {
        if (requestId !== undefined) this.#abandon(requestId, new CanceledError(`call to ${procedure} canceled: iteration stopped`));
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
    const call = new ProgressiveCall(queue, final.promise);
    try {
      this.#ctx.assertEstablished();
    } catch (error) {
      settle.reject(error);
      return call;
    }
    if (options.signal?.aborted === true) {
      settle.reject(new CanceledError(`call to ${procedure} canceled before it was sent`, { cause: options.signal.reason }));
      return call;
    }
    requestId = this.#start(procedure, args, options, settle, (partial) => queue.push(partial));
    return call;
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

  /** ERROR for a CALL: rejects the call with `ApplicationError`. */
  handleError(message: ErrorMessage): Handled {
    const id = message.requestId;
    const pending = this.#pending.get(id);
    if (pending === undefined) {
      if (!this.#abandoned.delete(id)) return 'unknown-request';
      return 'ok';
    }
    this.#pending.delete(id);
    pending.cleanup();
    pending.settle.reject(
      new ApplicationError(message.error, { ...fromWirePayload(message), details: message.details }),
    );
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

  #check(procedure: string, args: unknown, options: CallOptions): void {
    checkUri('call: procedure', procedure);
    if (!isOptionsObject(options)) throw new InvalidArgumentError('call: options must be an object');
    checkArguments('call', args, options.kwargs);
    const { timeout, signal, cancelMode, extra } = options;
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0 && Number.isFinite(timeout))) {
      throw new InvalidArgumentError(`call: timeout must be a non-negative number of milliseconds, got ${String(timeout)}`);
    }
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new InvalidArgumentError('call: signal must be an AbortSignal');
    }
    if (cancelMode !== undefined && cancelMode !== 'skip' && cancelMode !== 'kill' && cancelMode !== 'killnowait') {
      throw new InvalidArgumentError(`call: cancelMode must be 'skip', 'kill' or 'killnowait', got ${String(cancelMode)}`);
    }
    if (extra !== undefined && !isPlainDict(extra)) throw new InvalidArgumentError('call: extra must be an object');
  }

  /** Sends CALL and tracks it; returns the request ID. */
  #start(
    procedure: string,
    args: unknown[] | undefined,
    options: CallOptions,
    settle: Settle<CallResult>,
    progress: ((result: CallResult) => void) | undefined,
  ): number {
    const id = this.#ctx.nextRequestId();
    const wireOptions: Dict = { ...options.extra };
    if (options.disclose_me !== undefined) wireOptions['disclose_me'] = options.disclose_me;
    if (progress !== undefined) wireOptions['receive_progress'] = true;

    let timer: TimerHandle | undefined;
    const { signal, timeout } = options;
    const onAbort = (): void => {
      this.#abandon(id, new CanceledError(`call to ${procedure} canceled`, { cause: signal?.reason }));
    };
    const cleanup = (): void => {
      signal?.removeEventListener('abort', onAbort);
      if (timer !== undefined) this.#ctx.clock.clearTimeout(timer);
    };
    this.#ctx.send({ type: 'CALL', requestId: id, options: wireOptions, procedure, ...toWirePayload(args, options.kwargs) });
    // Tracked after the send: a message the serializer refuses throws before anything is pending,
    // and transports never deliver an answer from inside `send`.
    this.#pending.set(id, { settle, progress, options, cleanup });

    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeout !== undefined && timeout > 0) {
      timer = this.#ctx.clock.setTimeout(() => {
        timer = undefined;
        this.#abandon(id, new TimeoutError(`call to ${procedure} timed out after ${timeout} ms`));
      }, timeout);
    }
    return id;
  }

  /**
   * Gives up on a call: rejects it at once, and sends CANCEL only if the dealer announced
   * `call_canceling` (spec: advanced "Call Canceling"); without it, the late answer is dropped.
   */
  #abandon(id: number, error: unknown): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    pending.cleanup();
    this.#remember(id);
    if (this.#ctx.routerHasFeature('dealer', RpcFeature.CALL_CANCELING)) {
      try {
        this.#ctx.assertEstablished();
        this.#ctx.send({ type: 'CANCEL', requestId: id, options: { mode: pending.options.cancelMode ?? 'killnowait' } });
      } catch {
        // The session is closing: there is nothing left to cancel at the router.
      }
    }
    pending.settle.reject(error);
  }

  #remember(id: number): void {
    if (this.#abandoned.size >= ABANDONED_LIMIT) {
      const oldest = this.#abandoned.values().next();
      if (oldest.done !== true) this.#abandoned.delete(oldest.value);
    }
    this.#abandoned.add(id);
  }
}
