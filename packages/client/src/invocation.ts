import { type Dict, InvalidArgumentError } from '@interchange/protocol';
import { type PassthruOptions, passthruOf } from './passthru.js';
import type { Registration } from './registration.js';

/**
 * One chunk of a call's input. A progressive invocation (spec: advanced "Progressive Call
 * Invocations") delivers several; any other invocation exactly one.
 */
export interface InputChunk {
  /** Positional arguments of this chunk; `[]` when none were sent. */
  args: unknown[];
  /** Keyword arguments of this chunk; `{}` when none were sent. */
  kwargs: Record<string, unknown>;
  /** INVOCATION.Details of this chunk (`progress: true` on all but the last). */
  details: Dict;
  /** Payload passthru attributes, when the chunk is in passthru mode (the payload is `args[0]`). */
  passthru?: PassthruOptions;
}

/**
 * One call of a registered procedure, as its handler sees it (spec: basic "INVOCATION").
 *
 * @example
 * await session.register('com.example.add', (inv) => (inv.args[0] as number) + (inv.args[1] as number));
 * @example
 * // A procedure that takes its input in chunks (the caller uses `session.callStreaming`).
 * await session.register('com.example.upload', async (inv) => {
 *   let bytes = 0;
 *   for await (const chunk of inv.input) bytes += (chunk.args[0] as Uint8Array).length;
 *   return bytes;
 * });
 */
export class Invocation {
  /** Positional arguments (of the first chunk, for a progressive invocation); `[]` when none were sent. */
  readonly args: unknown[];
  /** Keyword arguments (of the first chunk, for a progressive invocation); `{}` when none were sent. */
  readonly kwargs: Record<string, unknown>;
  /** INVOCATION.Details as received: `caller`, `caller_authid`, `receive_progress`, `procedure`, ... */
  readonly details: Dict;
  /**
   * The procedure called: `details.procedure` for pattern-based registrations
   * (spec: advanced "Pattern-based Registration"), otherwise the registered URI.
   */
  readonly procedure: string;
  /** The registration the call came in on. */
  readonly registration: Registration;
  /**
   * Aborted when the router interrupts the call (spec: advanced "Call Canceling"), when a
   * forwarded timeout passes ("Call Timeouts"), or when the session closes. Its `reason` is a
   * `CanceledError`, a `TimeoutError` (the router's INTERRUPT said `wamp.error.timeout`, or the
   * forwarded timeout passed), or a `SessionClosedError`.
   *
   * After an INTERRUPT with mode `killnowait`, or a timeout, the handler's answer is dropped.
   * After one with mode `kill`, the answer is still sent, as the spec lets the callee decide: a
   * result (it finished first), an `ApplicationError` as thrown, and any other error as
   * `wamp.error.canceled`.
   */
  readonly signal: AbortSignal;
  readonly #sendProgress: (value: unknown) => void;
  readonly #input: () => AsyncIterable<InputChunk>;

  /** @internal Created by the session for each INVOCATION. */
  constructor(init: {
    args: unknown[];
    kwargs: Record<string, unknown>;
    details: Dict;
    procedure: string;
    registration: Registration;
    signal: AbortSignal;
    sendProgress: (value: unknown) => void;
    input: () => AsyncIterable<InputChunk>;
  }) {
    this.args = init.args;
    this.kwargs = init.kwargs;
    this.details = init.details;
    this.procedure = init.procedure;
    this.registration = init.registration;
    this.signal = init.signal;
    this.#sendProgress = init.sendProgress;
    this.#input = init.input;
  }

  /** The caller's session ID, when the router disclosed it (spec: advanced "Caller Identification"). */
  get caller(): number | undefined {
    const caller = this.details['caller'];
    return typeof caller === 'number' ? caller : undefined;
  }

  /** The caller's authid, when disclosed. */
  get callerAuthid(): string | undefined {
    const authid = this.details['caller_authid'];
    return typeof authid === 'string' ? authid : undefined;
  }

  /** The caller's authrole, when disclosed. */
  get callerAuthrole(): string | undefined {
    const authrole = this.details['caller_authrole'];
    return typeof authrole === 'string' ? authrole : undefined;
  }

  /** Whether the caller asked for progressive results (`details.receive_progress`). */
  get receiveProgress(): boolean {
    return this.details['receive_progress'] === true;
  }

  /**
   * Whether the caller sends its input in chunks (spec: advanced "Progressive Call
   * Invocations": `details.progress` on the first INVOCATION); read them from {@link input}.
   */
  get streaming(): boolean {
    return this.details['progress'] === true;
  }

  /**
   * The timeout in milliseconds the dealer forwarded to this callee (spec: advanced "Call
   * Timeouts", callee-initiated; register with `forward_timeout: true`). The session enforces
   * it: when it passes, `signal` aborts and the caller gets `wamp.error.timeout`.
   */
  get timeout(): number | undefined {
    const timeout = this.details['timeout'];
    return typeof timeout === 'number' && timeout > 0 ? timeout : undefined;
  }

  /** Payload passthru attributes, when the call is in passthru mode (the payload is `args[0]`). */
  get passthru(): PassthruOptions | undefined {
    return passthruOf(this.details);
  }

  /**
   * The call's input, chunk by chunk, the first chunk (`args`/`kwargs`) included: one chunk
   * for an ordinary call, each progressive CALL of the caller for a streaming one, in order;
   * the loop ends after the final chunk. It throws the `signal`'s reason when the call is
   * interrupted. Chunks that arrive while the loop does not read are buffered (up to the
   * registration's `inputBufferSize`; past that the call fails). Iterate it once.
   */
  get input(): AsyncIterable<InputChunk> {
    return this.#input();
  }

  /**
   * Sends a progressive result (spec: advanced "Progressive Call Results"): a `Result` for
   * explicit args/kwargs, any other value `v` as `args: [v]`. The handler's return value is still
   * the final result.
   *
   * @throws InvalidArgumentError when the caller did not ask for progressive results, or the
   *   invocation has already been answered.
   */
  progress(value?: unknown): void {
    if (!this.receiveProgress) {
      throw new InvalidArgumentError(`progress: the caller of ${this.procedure} did not ask for progressive results`);
    }
    this.#sendProgress(value);
  }
}
