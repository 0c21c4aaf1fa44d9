import { InvalidArgumentError } from '@interchange/protocol';
import type { AsyncQueue } from './async-queue.js';
import type { CallResult } from './result.js';

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

/** @internal How a {@link StreamingCall} hands its chunks to the caller role. */
export interface StreamingCallDriver {
  /** Sends one chunk (`final`: the last); `false` when the call is already over. */
  send(args: unknown[] | undefined, kwargs: Record<string, unknown> | undefined, final: boolean): boolean;
}

/**
 * A call whose input goes out in chunks (spec: advanced "Progressive Call Invocations"): each
 * `send` is one progressive CALL, `end` the final one; the dealer routes every chunk to the
 * same callee, whose handler reads them from `invocation.input`. The call's options (timeout,
 * `disclose_me`, passthru attributes, ...) are those of the first chunk, for the whole call.
 *
 * Like {@link ProgressiveCall} it is an async iterable of results (the progressive ones only
 * with `receiveProgress: true`), and `result` is the final one. There is no flow control in
 * WAMP: `send` never waits.
 *
 * When the dealer did not announce `progressive_call_invocations`, the first `send` sends
 * nothing and `result` rejects with `ApplicationError` `wamp.error.feature_not_supported`, as
 * it does when the callee lacks the feature.
 *
 * @example
 * const upload = session.callStreaming('com.example.upload');
 * for (const part of parts) upload.send([part]);
 * const { args: [size] } = await upload.end();
 */
export class StreamingCall extends ProgressiveCall {
  readonly #driver: StreamingCallDriver;
  #ended = false;

  /** @internal */
  constructor(queue: AsyncQueue<CallResult>, result: Promise<CallResult>, driver: StreamingCallDriver) {
    super(queue, result);
    this.#driver = driver;
  }

  /** Whether `end` was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Sends the next chunk of input (a progressive CALL). Returns `false`, sending nothing, when
   * the call is already over: answered early by the callee, failed, or canceled (`result`
   * says which).
   *
   * @throws InvalidArgumentError after `end`, or for invalid args or kwargs.
   */
  send(args?: unknown[], kwargs?: Record<string, unknown>): boolean {
    if (this.#ended) throw new InvalidArgumentError('send: the input of this call has ended');
    return this.#driver.send(args, kwargs, false);
  }

  /**
   * Sends the last chunk of input (a CALL without `progress`) and returns `result`. Without any
   * `send` before, this is an ordinary call.
   *
   * @throws InvalidArgumentError when called twice, or for invalid args or kwargs.
   */
  end(args?: unknown[], kwargs?: Record<string, unknown>): Promise<CallResult> {
    if (this.#ended) throw new InvalidArgumentError('end: the input of this call has ended');
    this.#driver.send(args, kwargs, true);
    this.#ended = true;
    return this.result;
  }
}
