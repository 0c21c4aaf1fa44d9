import {
  ApplicationError,
  CanceledError,
  type ErrorMessage,
  ErrorUri,
  type InterruptMessage,
  InvalidArgumentError,
  type InvocationMessage,
  MessageCode,
  type Payload,
  TimeoutError,
  type TimerHandle,
  type WampMessage,
} from '@interchange/protocol';
import { AsyncQueue } from './async-queue.js';
import { type InputChunk, Invocation } from './invocation.js';
import { passthruOf } from './passthru.js';
import { fromWirePayload, type YieldParts, yieldPayload } from './payload.js';
import type { Registration } from './registration.js';
import type { Handled, SessionContext } from './session-context.js';

/**
 * The error URI Autobahn uses (and routers and clients understand) for a callee that failed
 * with something other than an application error. Not in the spec's predefined URIs.
 */
export const RUNTIME_ERROR_URI = ErrorUri.RUNTIME_ERROR;

/** How many answered streaming invocations are remembered, to drop their late input chunks quietly. */
const FINISHED_STREAMS_LIMIT = 1024;

/** One invocation whose handler has not answered yet. */
interface Run {
  readonly id: number;
  readonly procedure: string;
  readonly controller: AbortController;
  /** The input chunks of a progressive invocation; `undefined` for an ordinary one. */
  readonly input: AsyncQueue<InputChunk> | undefined;
  readonly inputLimit: number;
  /** More input chunks will come (advanced "Progressive Call Invocations"). */
  inputOpen: boolean;
  /** `killing`: an INTERRUPT `kill` came; the handler's answer still goes out. */
  state: 'running' | 'killing';
  /** The forwarded timeout (advanced "Call Timeouts", callee-initiated). */
  timer: TimerHandle | undefined;
}

/**
 * Runs procedure handlers for INVOCATION messages and sends their answers (spec: basic "Calling
 * and Invocations"), with the callee's advanced features: progressive results and input,
 * INTERRUPT, forwarded timeouts, payload passthru answers. Internal to the callee role.
 */
export class InvocationRunner {
  readonly #ctx: SessionContext;
  readonly #running = new Map<number, Run>();
  // Streaming invocations answered before their last chunk: chunks still on the wire for them
  // are expected, not protocol violations (the dealer has not seen our answer yet).
  readonly #finishedStreams = new Set<number>();

  constructor(ctx: SessionContext) {
    this.#ctx = ctx;
  }

  /** INVOCATION: starts the handler, or feeds the next chunk to a running progressive invocation. */
  handle(message: InvocationMessage, registration: Registration | undefined): Handled {
    const id = message.requestId;
    const run = this.#running.get(id);
    if (run !== undefined) {
      this.#continue(run, message);
      return 'ok';
    }
    if (this.#finishedStreams.has(id)) {
      if (message.details['progress'] !== true) this.#finishedStreams.delete(id);
      return 'ok';
    }
    if (registration === undefined) {
      // An INVOCATION that crossed our UNREGISTER on the wire.
      this.#send({
        type: 'ERROR',
        requestType: MessageCode.INVOCATION,
        requestId: id,
        details: {},
        error: ErrorUri.NO_SUCH_REGISTRATION,
      });
      return 'ok';
    }
    this.#start(message, registration);
    return 'ok';
  }

  /**
   * INTERRUPT (spec: advanced "Call Canceling"): aborts the handler's signal. With `killnowait`
   * the dealer ignores answers, so none is sent and the handler's is dropped; with `kill` (the
   * default) the handler's answer is awaited and sent, as the spec lets the callee decide.
   */
  interrupt(message: InterruptMessage): Handled {
    const run = this.#running.get(message.requestId);
    // Unknown: our answer crossed the INTERRUPT on the wire; nothing left to cancel.
    if (run === undefined || run.state === 'killing') return 'ok';
    const reason =
      message.options['reason'] === ErrorUri.TIMEOUT
        ? new TimeoutError(`the router timed out this invocation of ${run.procedure}`)
        : new CanceledError(`the router interrupted this invocation of ${run.procedure}`);
    // The input loop throws the reason (failing the queue first: finishing would end it quietly).
    run.input?.fail(reason);
    if (message.options['mode'] === 'killnowait') {
      this.#finish(run);
    } else {
      run.state = 'killing';
      this.#clearTimer(run);
      run.inputOpen = false;
    }
    run.controller.abort(reason);
    return 'ok';
  }

  /** The session ended: every handler's signal aborts with `error`; no answer can go out. */
  close(error: unknown): void {
    const runs = [...this.#running.values()];
    this.#running.clear();
    this.#finishedStreams.clear();
    for (const run of runs) {
      this.#clearTimer(run);
      run.input?.fail(error);
      run.controller.abort(error);
    }
  }

  #start(message: InvocationMessage, registration: Registration): void {
    const id = message.requestId;
    const controller = new AbortController();
    const streaming = message.details['progress'] === true;
    const first = chunkOf(message);
    const run: Run = {
      id,
      procedure: registration.procedure,
      controller,
      input: streaming ? new AsyncQueue<InputChunk>(registration.inputBufferSize + 1) : undefined,
      inputLimit: registration.inputBufferSize,
      inputOpen: streaming,
      state: 'running',
      timer: undefined,
    };
    run.input?.push(first);
    this.#running.set(id, run);
    const timeout = message.details['timeout'];
    if (typeof timeout === 'number' && timeout > 0) {
      run.timer = this.#ctx.clock.setTimeout(() => this.#timedOut(run, timeout), timeout);
    }

    const procedureDetail = message.details['procedure'];
    const invocation = new Invocation({
      ...fromWirePayload(message),
      details: message.details,
      procedure: typeof procedureDetail === 'string' ? procedureDetail : registration.procedure,
      registration,
      signal: controller.signal,
      sendProgress: (value) => this.#progress(run, value),
      input: () => run.input ?? singleChunk(first),
    });
    let outcome: unknown;
    try {
      outcome = registration.handler(invocation);
    } catch (error) {
      this.#answerError(run, error);
      return;
    }
    if (isThenable(outcome)) {
      outcome.then(
        (value) => this.#answer(run, value),
        (error: unknown) => this.#answerError(run, error),
      );
    } else {
      this.#answer(run, outcome);
    }
  }

  /** The next chunk of a progressive invocation, under the request ID of its first. */
  #continue(run: Run, message: InvocationMessage): void {
    // After an INTERRUPT `kill` the dealer forwards no more chunks; those already under way are dropped.
    if (run.state === 'killing') return;
    const input = run.input;
    if (input === undefined || !run.inputOpen) {
      this.#ctx.protocolViolation(`INVOCATION reuses request ID ${run.id} of an invocation that takes no more input`);
      return;
    }
    if (input.size >= run.inputLimit) {
      // The handler does not read its input: fail the call rather than drop a chunk or grow
      // without bound (docs/architecture.md, "Contracts the code relies on").
      const reason = new CanceledError(
        `the input buffer of ${run.procedure} overflowed (${run.inputLimit} chunks unread)`,
      );
      input.fail(reason);
      this.#finish(run);
      run.controller.abort(reason);
      this.#send(runtimeError(run.id, reason));
      return;
    }
    input.push(chunkOf(message));
    if (message.details['progress'] !== true) {
      run.inputOpen = false;
      input.end();
    }
  }

  #progress(run: Run, value: unknown): void {
    if (this.#running.get(run.id) !== run) {
      throw new InvalidArgumentError(`progress: the invocation of ${run.procedure} has been answered or interrupted`);
    }
    const parts = this.#yieldParts(value);
    this.#ctx.send({
      type: 'YIELD',
      requestId: run.id,
      options: { ...parts.options, progress: true },
      ...parts.payload,
    });
  }

  #answer(run: Run, value: unknown): void {
    if (this.#running.get(run.id) !== run) return; // interrupted with killnowait, timed out, or closed
    let parts: YieldParts;
    try {
      parts = this.#yieldParts(value);
    } catch (error) {
      this.#answerError(run, error);
      return;
    }
    this.#finish(run);
    try {
      this.#ctx.assertEstablished();
      this.#ctx.send({ type: 'YIELD', requestId: run.id, options: parts.options, ...parts.payload });
    } catch (error) {
      // The result could not be serialized (e.g. a BigInt with JSON): tell the caller instead
      // of leaving the call hanging.
      this.#ctx.logger.warn({ procedure: run.procedure, err: error }, 'procedure result could not be sent');
      this.#send(runtimeError(run.id, error));
    }
  }

  #answerError(run: Run, error: unknown): void {
    if (this.#running.get(run.id) !== run) return;
    const killed = run.state === 'killing';
    this.#finish(run);
    if (error instanceof ApplicationError) {
      this.#ctx.logger.debug({ procedure: run.procedure, uri: error.uri }, 'procedure answered an application error');
      const payload: Payload = {};
      const hasKwargs = Object.keys(error.kwargs).length > 0;
      if (error.args.length > 0 || hasKwargs) payload.args = error.args;
      if (hasKwargs) payload.kwargs = error.kwargs;
      this.#send({
        type: 'ERROR',
        requestType: MessageCode.INVOCATION,
        requestId: run.id,
        details: {},
        error: error.uri,
        ...payload,
      });
      return;
    }
    if (killed) {
      // The handler gave up because of the INTERRUPT (typically throwing the signal's reason).
      this.#send({
        type: 'ERROR',
        requestType: MessageCode.INVOCATION,
        requestId: run.id,
        details: {},
        error: ErrorUri.CANCELED,
      });
      return;
    }
    this.#ctx.logger.warn({ procedure: run.procedure, err: error }, 'procedure handler failed');
    this.#send(runtimeError(run.id, error));
  }

  /** Advanced "Call Timeouts", callee-initiated: "the Callee MUST return an ERROR message with wamp.error.timeout". */
  #timedOut(run: Run, timeout: number): void {
    run.timer = undefined;
    if (this.#running.get(run.id) !== run) return;
    const reason = new TimeoutError(`the invocation of ${run.procedure} timed out after ${timeout} ms`);
    run.input?.fail(reason);
    this.#finish(run);
    run.controller.abort(reason);
    this.#send({
      type: 'ERROR',
      requestType: MessageCode.INVOCATION,
      requestId: run.id,
      details: {},
      error: ErrorUri.TIMEOUT,
      args: [reason.message],
    });
  }

  /**
   * The YIELD parts of an answer. A passthru answer needs the dealer's payload_passthru_mode
   * (spec: sending it otherwise "MUST be treated as PROTOCOL ERRORS").
   */
  #yieldParts(value: unknown): YieldParts {
    const parts = yieldPayload(value);
    if (parts.passthru && !this.#ctx.routerHasFeature('dealer', 'payload_passthru_mode')) {
      throw new ApplicationError(ErrorUri.FEATURE_NOT_SUPPORTED, {
        args: ['the dealer did not announce payload_passthru_mode; the result cannot be sent in passthru mode'],
      });
    }
    return parts;
  }

  /** The invocation is answered (or given up): forget it, remembering a stream whose input is still coming. */
  #finish(run: Run): void {
    this.#running.delete(run.id);
    this.#clearTimer(run);
    if (run.input !== undefined && run.inputOpen) {
      run.inputOpen = false;
      run.input.end();
      if (this.#finishedStreams.size >= FINISHED_STREAMS_LIMIT) {
        const oldest = this.#finishedStreams.values().next();
        if (oldest.done !== true) this.#finishedStreams.delete(oldest.value);
      }
      this.#finishedStreams.add(run.id);
    }
  }

  #clearTimer(run: Run): void {
    if (run.timer === undefined) return;
    this.#ctx.clock.clearTimeout(run.timer);
    run.timer = undefined;
  }

  /** Sends unless the session has closed meanwhile (a late answer is simply dropped). */
  #send(message: WampMessage): void {
    try {
      this.#ctx.assertEstablished();
      this.#ctx.send(message);
    } catch (error) {
      this.#ctx.logger.debug({ err: error }, 'answer dropped: session no longer established');
    }
  }
}

function chunkOf(message: InvocationMessage): InputChunk {
  const chunk: InputChunk = { ...fromWirePayload(message), details: message.details };
  const passthru = passthruOf(message.details);
  if (passthru !== undefined) chunk.passthru = passthru;
  return chunk;
}

async function* singleChunk(chunk: InputChunk): AsyncGenerator<InputChunk> {
  yield chunk;
}

/**
 * `wamp.error.runtime_error` with the error's message as the only argument: what Autobahn sends
 * for a failed endpoint. Never the stack: it would leak the callee's internals to every caller.
 */
function runtimeError(requestId: number, error: unknown): ErrorMessage {
  return {
    type: 'ERROR',
    requestType: MessageCode.INVOCATION,
    requestId,
    details: {},
    error: RUNTIME_ERROR_URI,
    args: [errorMessageOf(error)],
  };
}

function errorMessageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return String(error);
  } catch {
    return 'unknown error';
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
