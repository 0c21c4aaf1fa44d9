import {
  ApplicationError,
  type Dict,
  type ErrorMessage,
  type InterruptMessage,
  InvalidArgumentError,
  type InvocationMessage,
  MessageCode,
  type RegisteredMessage,
  type UnregisteredMessage,
} from '@interchange/protocol';
import { deferred } from './deferred.js';
import { InvocationRunner } from './invocation-runner.js';
import { fromWirePayload, isOptionsObject, isPlainDict } from './payload.js';
import { type ProcedureHandler, Registration } from './registration.js';
import type { Handled, SessionContext, Settle } from './session-context.js';
import { checkUri } from './uri-check.js';

export { RUNTIME_ERROR_URI } from './invocation-runner.js';

/** The invocation policies of shared registrations (spec: advanced "Shared Registration"). */
export type InvokePolicy = 'single' | 'roundrobin' | 'random' | 'first' | 'last';

/** Options of `Session.register`. Snake_case names are REGISTER.Options keys sent as they are. */
export interface RegisterOptions {
  /** How `procedure` matches called URIs (spec: advanced "Pattern-based Registration"). */
  match?: 'exact' | 'prefix' | 'wildcard';
  /**
   * How the dealer picks among several callees of the same procedure (spec: advanced "Shared
   * Registration"). All callees must register with the same policy; default `single`.
   */
  invoke?: InvokePolicy;
  /** Ask the dealer to disclose callers to this callee (spec: advanced "Caller Identification"). */
  disclose_caller?: boolean;
  /**
   * The most invocations this callee runs at once; the dealer passes further calls to another
   * callee, or fails them with `crossbar.error.max_concurrency_reached` (Crossbar's extension).
   */
  concurrency?: number;
  /**
   * Take the procedure over from the sessions that registered it: the dealer revokes their
   * registrations (Crossbar's extension; they see `Registration.ended` with `revoked`).
   */
  force_reregister?: boolean;
  /**
   * Ask the dealer to forward call timeouts to this callee instead of enforcing them (spec:
   * advanced "Call Timeouts", callee-initiated): the session then runs the timer, aborts
   * `invocation.signal` with a `TimeoutError` and answers `wamp.error.timeout`.
   */
  forward_timeout?: boolean;
  /**
   * The most input chunks of a progressive invocation buffered while the handler does not read
   * `invocation.input` (past it the call fails). Default 1024. Local; not sent.
   */
  inputBufferSize?: number;
  /** Further REGISTER.Options, merged in as they are. */
  extra?: Dict;
}

const INVOKE_POLICIES: readonly unknown[] = ['single', 'roundrobin', 'random', 'first', 'last'];

interface PendingRegister {
  procedure: string;
  options: Dict;
  handler: ProcedureHandler;
  inputBufferSize: number;
  settle: Settle<Registration>;
}

interface PendingUnregister {
  registration: Registration;
  settle: Settle<void>;
}

/** The callee role (spec: basic "Registering and Unregistering", "Calling and Invocations"). */
export class Callee {
  readonly #ctx: SessionContext;
  readonly #runner: InvocationRunner;
  readonly #registering = new Map<number, PendingRegister>();
  readonly #unregistering = new Map<number, PendingUnregister>();
  readonly #unregisterPromises = new WeakMap<Registration, Promise<void>>();
  readonly #registrations = new Map<number, Registration>();

  constructor(ctx: SessionContext) {
    this.#ctx = ctx;
    this.#runner = new InvocationRunner(ctx);
  }

  register(procedure: string, handler: ProcedureHandler, options: RegisterOptions): Promise<Registration> {
    if (!isOptionsObject(options)) throw new InvalidArgumentError('register: options must be an object');
    checkUri('register: procedure', procedure, options.match);
    if (typeof handler !== 'function') throw new InvalidArgumentError('register: handler must be a function');
    const wireOptions = registerWireOptions(options);
    const inputBufferSize = options.inputBufferSize ?? 1024;
    if (!(Number.isInteger(inputBufferSize) && inputBufferSize >= 1)) {
      throw new InvalidArgumentError(
        `register: inputBufferSize must be a positive integer, got ${String(options.inputBufferSize)}`,
      );
    }
    try {
      this.#ctx.assertEstablished();
    } catch (error) {
      return Promise.reject(error);
    }
    const id = this.#ctx.nextRequestId();
    this.#ctx.send({ type: 'REGISTER', requestId: id, options: wireOptions, procedure });
    const registered = deferred<Registration>();
    this.#registering.set(id, { procedure, options: wireOptions, handler, inputBufferSize, settle: registered });
    return registered.promise;
  }

  /** Unregisters; the same promise for concurrent calls; resolves at once when inactive. */
  unregister(registration: Registration): Promise<void> {
    const inFlight = this.#unregisterPromises.get(registration);
    if (inFlight !== undefined) return inFlight;
    if (!registration.active || this.#registrations.get(registration.id) !== registration) {
      return Promise.resolve();
    }
    try {
      this.#ctx.assertEstablished();
    } catch (error) {
      return Promise.reject(error);
    }
    const id = this.#ctx.nextRequestId();
    this.#ctx.send({ type: 'UNREGISTER', requestId: id, registration: registration.id });
    const unregistered = deferred<void>();
    this.#unregistering.set(id, { registration, settle: unregistered });
    this.#unregisterPromises.set(registration, unregistered.promise);
    return unregistered.promise;
  }

  handleRegistered(message: RegisteredMessage): Handled {
    const pending = this.#registering.get(message.requestId);
    if (pending === undefined) return 'unknown-request';
    this.#registering.delete(message.requestId);
    const registration = new Registration({
      id: message.registration,
      procedure: pending.procedure,
      options: pending.options,
      handler: pending.handler,
      inputBufferSize: pending.inputBufferSize,
      unregister: (r) => this.unregister(r),
    });
    this.#registrations.set(registration.id, registration);
    pending.settle.resolve(registration);
    return 'ok';
  }

  handleUnregistered(message: UnregisteredMessage): Handled {
    if (message.requestId === 0) {
      // Router-initiated (spec: advanced "Registration Revocation"). An ID we no longer know
      // raced with our own UNREGISTER and is ignored.
      const details = message.details ?? {};
      const id = details['registration'];
      const registration = typeof id === 'number' ? this.#registrations.get(id) : undefined;
      if (registration !== undefined) {
        this.#registrations.delete(registration.id);
        const reason = details['reason'];
        registration.deactivate('revoked', typeof reason === 'string' ? reason : undefined);
      }
      return 'ok';
    }
    const pending = this.#unregistering.get(message.requestId);
    if (pending === undefined) return 'unknown-request';
    this.#unregistering.delete(message.requestId);
    this.#registrations.delete(pending.registration.id);
    pending.registration.deactivate('local');
    pending.settle.resolve();
    return 'ok';
  }

  /** ERROR for REGISTER or UNREGISTER. */
  handleError(message: ErrorMessage): Handled {
    const error = new ApplicationError(message.error, { ...fromWirePayload(message), details: message.details });
    if (message.requestType === MessageCode.REGISTER) {
      const pending = this.#registering.get(message.requestId);
      if (pending === undefined) return 'unknown-request';
      this.#registering.delete(message.requestId);
      pending.settle.reject(error);
      return 'ok';
    }
    const pending = this.#unregistering.get(message.requestId);
    if (pending === undefined) return 'unknown-request';
    this.#unregistering.delete(message.requestId);
    // The dealer no longer knows the registration: it is gone either way.
    this.#registrations.delete(pending.registration.id);
    pending.registration.deactivate('local');
    pending.settle.reject(error);
    return 'ok';
  }

  /** INVOCATION: runs the registration's handler (see {@link InvocationRunner}). */
  handleInvocation(message: InvocationMessage): Handled {
    return this.#runner.handle(message, this.#registrations.get(message.registration));
  }

  /** INTERRUPT: aborts the invocation's signal (spec: advanced "Call Canceling"). */
  handleInterrupt(message: InterruptMessage): Handled {
    return this.#runner.interrupt(message);
  }

  /** The session ended: requests reject with `error`, handlers' signals abort, registrations end. */
  close(error: unknown): void {
    const registering = [...this.#registering.values()];
    const unregistering = [...this.#unregistering.values()];
    this.#registering.clear();
    this.#unregistering.clear();
    this.#runner.close(error);
    for (const registration of this.#registrations.values()) registration.deactivate('session-closed');
    this.#registrations.clear();
    for (const pending of registering) pending.settle.reject(error);
    for (const pending of unregistering) pending.settle.reject(error);
  }
}

/**
 * REGISTER.Options from the typed options, checked before anything is sent. Defaults are left
 * out (`match: exact`), so a plain registration goes out with `{}`.
 */
function registerWireOptions(options: RegisterOptions): Dict {
  if (options.extra !== undefined && !isPlainDict(options.extra)) {
    throw new InvalidArgumentError('register: extra must be an object');
  }
  if (options.invoke !== undefined && !INVOKE_POLICIES.includes(options.invoke)) {
    throw new InvalidArgumentError(
      `register: invoke must be one of ${INVOKE_POLICIES.join(', ')}, got ${String(options.invoke)}`,
    );
  }
  const { concurrency } = options;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    throw new InvalidArgumentError(`register: concurrency must be a positive integer, got ${String(concurrency)}`);
  }
  const wire: Dict = { ...options.extra };
  if (options.match !== undefined && options.match !== 'exact') wire['match'] = options.match;
  for (const key of ['invoke', 'disclose_caller', 'concurrency', 'force_reregister', 'forward_timeout'] as const) {
    if (options[key] !== undefined) wire[key] = options[key];
  }
  return wire;
}
