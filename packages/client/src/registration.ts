import type { Dict } from '@interchange/protocol';
import { asyncDispose } from './dispose.js';
import { type EndedInfo, EndedSignal } from './ended-info.js';
import type { Invocation } from './invocation.js';

/**
 * A procedure handler. Its return value becomes the YIELD: a `Result` for explicit args/kwargs,
 * `undefined` for no result, any other value `v` as `args: [v]`. Throwing an `ApplicationError`
 * answers ERROR with its URI, args and kwargs; any other error answers
 * `wamp.error.runtime_error` with the error's message as the only argument (no stack trace).
 *
 * Throwing `new ApplicationError('wamp.error.unavailable')` hands the call to the next callee
 * of a shared registration (spec: advanced "Call Re-Routing").
 */
export type ProcedureHandler = (invocation: Invocation) => unknown;

/**
 * An active registration of a procedure (spec: basic "Registering and Unregistering").
 *
 * @example
 * const reg = await session.register('com.example.ping', () => 'pong');
 * await reg.unregister();
 */
export class Registration {
  /** The registration ID the router assigned. */
  readonly id: number;
  /** The URI (or pattern) registered. */
  readonly procedure: string;
  /** The REGISTER.Options sent. */
  readonly options: Dict;
  /** @internal */
  readonly handler: ProcedureHandler;
  /** @internal The most unread input chunks of a progressive invocation. */
  readonly inputBufferSize: number;
  #active = true;
  #revocationReason: string | undefined;
  readonly #ended = new EndedSignal();
  readonly #unregister: (registration: Registration) => Promise<void>;

  /** @internal Created by the session on REGISTERED. */
  constructor(init: {
    id: number;
    procedure: string;
    options: Dict;
    handler: ProcedureHandler;
    inputBufferSize: number;
    unregister: (registration: Registration) => Promise<void>;
  }) {
    this.id = init.id;
    this.procedure = init.procedure;
    this.options = init.options;
    this.handler = init.handler;
    this.inputBufferSize = init.inputBufferSize;
    this.#unregister = init.unregister;
  }

  /** False once unregistered, revoked by the router, or the session closed. */
  get active(): boolean {
    return this.#active;
  }

  /**
   * The reason the router gave when it revoked this registration
   * (spec: advanced "Registration Revocation"), if it did.
   */
  get revocationReason(): string | undefined {
    return this.#revocationReason;
  }

  /**
   * Resolves when the registration ends: unregistered here, revoked by the router (e.g. another
   * session registered with `force_reregister`, or an administrator removed this callee), or
   * the session closed. Never rejects.
   */
  get ended(): Promise<EndedInfo> {
    return this.#ended.promise;
  }

  /** Unregisters; resolves once the router confirmed. Does nothing if no longer active. */
  unregister(): Promise<void> {
    return this.#unregister(this);
  }

  /** `await using reg = await session.register(...)` unregisters at scope exit. */
  async [asyncDispose](): Promise<void> {
    await this.unregister();
  }

  /** @internal */
  deactivate(how: EndedInfo['how'], revocationReason?: string): void {
    if (!this.#active) return;
    this.#active = false;
    if (revocationReason !== undefined) this.#revocationReason = revocationReason;
    this.#ended.end({ how, reason: revocationReason });
  }
}
