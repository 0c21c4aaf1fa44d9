import { InvalidArgumentError, type Dict } from '@interchange/protocol';
import type { Registration } from './registration.js';

/**
 * One call of a registered procedure, as its handler sees it (spec: basic "INVOCATION").
 *
 * @example
 * await session.register('com.example.add', (inv) => (inv.args[0] as number) + (inv.args[1] as number));
 */
export class Invocation {
  /** Positional arguments; `[]` when the caller sent none. */
  readonly args: unknown[];
  /** Keyword arguments; `{}` when the caller sent none. */
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
   * Aborted when the router interrupts the call (spec: advanced "Call Canceling") or the session
   * closes. The answer of an interrupted invocation is dropped.
   */
  readonly signal: AbortSignal;
  readonly #sendProgress: (value: unknown) => void;

  /** @internal Created by the session for each INVOCATION. */
  constructor(init: {
    args: unknown[];
    kwargs: Record<string, unknown>;
    details: Dict;
    procedure: string;
    registration: Registration;
    signal: AbortSignal;
    sendProgress: (value: unknown) => void;
  }) {
    this.args = init.args;
    this.kwargs = init.kwargs;
    this.details = init.details;
    this.procedure = init.procedure;
    this.registration = init.registration;
    this.signal = init.signal;
    this.#sendProgress = init.sendProgress;
  }

  /** The caller's session ID, when the router disclosed it (spec: advanced "Caller Identification"). */
  get caller(): number | undefined {
    const caller = this.details['caller'];
    return typeof caller === 'number' ? caller : undefined;
  }

  /** Whether the caller asked for progressive results (`details.receive_progress`). */
  get receiveProgress(): boolean {
    return this.details['receive_progress'] === true;
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
