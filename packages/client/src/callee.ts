import {
  ApplicationError,
  CanceledError,
  ErrorUri,
  InvalidArgumentError,
  MessageCode,
  type Dict,
  type ErrorMessage,
  type InterruptMessage,
  type InvocationMessage,
  type Payload,
  type RegisteredMessage,
  type UnregisteredMessage,
} from '@interchange/protocol';
import { deferred } from './deferred.js';
import { Invocation } from './invocation.js';
import { fromWirePayload, isOptionsObject, isPlainDict, yieldPayload } from './payload.js';
import { Registration, type ProcedureHandler } from './registration.js';
import type { Handled, SessionContext, Settle } from './session-context.js';
import { checkUri } from './uri-check.js';

/**
 * The error URI Autobahn uses (and routers and clients understand) for a callee that failed
 * with something other than an application error. Not in the spec's predefined URIs.
 */
export const RUNTIME_ERROR_URI = ErrorUri.RUNTIME_ERROR;

/** Options of `Session.register`. Snake_case names are REGISTER.Options keys sent as they are. */
export interface RegisterOptions {
  /** How `procedure` matches called URIs (spec: advanced "Pattern-based Registration"). */
  match?: 'exact' | 'prefix' | 'wildcard';
  /** How the dealer picks among several callees (spec: advanced "Shared Registration"). */
  invoke?: 'single' | 'roundrobin' | 'random' | 'first' | 'last';
  /** Ask the dealer to disclose callers to this callee. */
  disclose_caller?: boolean;
  /** Further REGISTER.Options, merged in as they are. */
  extra?: Dict;
}

interface PendingRegister {
  procedure: string;
  options: Dict;
  handler: ProcedureHandler;
  settle: Settle<Registration>;
}

interface PendingUnregister {
  registration: Registration;
  settle: Settle<void>;
}

/** The callee role (spec: basic "Registering and Unregistering", "Calling and Invocations"). */
export class Callee {
  readonly #ctx: SessionContext;
  readonly #registering = new Map<number, PendingRegister>();
  readonly #unregistering = new Map<number, PendingUnregister>();
  readonly #unregisterPromises = new WeakMap<Registration, Promise<void>>();
  readonly #registrations = new Map<number, Registration>();
  // Invocations whose handler has not answered yet, by INVOCATION request ID.
  readonly #running = new Map<number, AbortController>();

  constructor(ctx: SessionContext) {
    this.#ctx = ctx;
  }

  register(procedure: string, handler: ProcedureHandler, options: RegisterOptions): Promise<Registration> {
    if (!isOptionsObject(options)) throw new InvalidArgumentError('register: options must be an object');
    checkUri('register: procedure', procedure, options.match);
    if (typeof handler !== 'function') throw new InvalidArgumentError('register: handler must be a function');
    if (options.extra !== undefined && !isPlainDict(options.extra)) {
      throw new InvalidArgumentError('register: extra must be an object');
    }
    try {
      this.#ctx.assertEstablished();
    } catch (error) {
      return Promise.reject(error);
    }
    const wireOptions: Dict = { ...options.extra };
    if (options.match !== undefined && options.match !== 'exact') wireOptions['match'] = options.match;
    if (options.invoke !== undefined) wireOptions['invoke'] = options.invoke;
    if (options.disclose_caller !== undefined) wireOptions['disclose_caller'] = options.disclose_caller;
    const id = this.#ctx.nextRequestId();
    this.#ctx.send({ type: 'REGISTER', requestId: id, options: wireOptions, procedure });
    const registered = deferred<Registration>();
    this.#registering.set(id, { procedure, options: wireOptions, handler, settle: registered });
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
        registration.deactivate(typeof reason === 'string' ? reason : '');
      }
      return 'ok';
    }
    const pending = this.#unregistering.get(message.requestId);
    if (pending === undefined) return 'unknown-request';
    this.#unregistering.delete(message.requestId);
    this.#registrations.delete(pending.registration.id);
    pending.registration.deactivate();
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
    pending.registration.deactivate();
    pending.settle.reject(error);
    return 'ok';
  }

  handleInvocation(message: InvocationMessage): Handled {
    const id = message.requestId;
    const registration = this.#registrations.get(message.registration);
    if (registration === undefined) {
      // An INVOCATION that crossed our UNREGISTER on the wire.
      this.#send({ type: 'ERROR', requestType: MessageCode.INVOCATION, requestId: id, details: {}, error: ErrorUri.NO_SUCH_REGISTRATION });
      return 'ok';
    }
    const controller = new AbortController();
    this.#running.set(id, controller);
    const procedureDetail = message.details['procedure'];
    const invocation = new Invocation({
      ...fromWirePayload(message),
      details: message.details,
      procedure: typeof procedureDetail === 'string' ? procedureDetail : registration.procedure,
      registration,
      signal: controller.signal,
      sendProgress: (value) => {
        if (this.#running.get(id) !== controller) {
          throw new InvalidArgumentError(`progress: the invocation of ${registration.procedure} has been answered`);
        }
        this.#send({ type: 'YIELD', requestId: id, options: { progress: true }, ...yieldPayload(value) });
      },
    });
    let outcome: unknown;
    try {
      outcome = registration.handler(invocation);
    } catch (error) {
      this.#answerError(id, controller, registration.procedure, error);
      return 'ok';
    }
    if (isThenable(outcome)) {
      outcome.then(
        (value) => this.#answer(id, controller, registration.procedure, value),
        (error: unknown) => this.#answerError(id, controller, registration.procedure, error),
      );
    } else {
      this.#answer(id, controller, registration.procedure, outcome);
    }
    return 'ok';
  }

  /**
   * INTERRUPT: aborts the handler's signal and answers `wamp.error.canceled` at once, so a
   * `kill` cancel completes without waiting for the handler; the handler's eventual answer is
   * dropped. With `killnowait` the dealer ignores answers, so none is sent
   * (spec: advanced "Call Canceling").
   */
  handleInterrupt(message: InterruptMessage): Handled {
    const controller = this.#running.get(message.requestId);
    // Unknown: our answer crossed the INTERRUPT on the wire; nothing left to cancel.
    if (controller === undefined) return 'ok';
    this.#running.delete(message.requestId);
    controller.abort(new CanceledError('the router interrupted this invocation'));
    if (message.options['mode'] !== 'killnowait') {
      this.#send({
        type: 'ERROR',
        requestType: MessageCode.INVOCATION,
        requestId: message.requestId,
        details: {},
        error: ErrorUri.CANCELED,
      });
    }
    return 'ok';
  }

  /** The session ended: requests reject with `error`, handlers' signals abort, registrations end. */
  close(error: unknown): void {
    const registering = [...this.#registering.values()];
    const unregistering = [...this.#unregistering.values()];
    const running = [...this.#running.values()];
    this.#registering.clear();
    this.#unregistering.clear();
    this.#running.clear();
    for (const registration of this.#registrations.values()) registration.deactivate();
    this.#registrations.clear();
    for (const pending of registering) pending.settle.reject(error);
    for (const pending of unregistering) pending.settle.reject(error);
    for (const controller of running) controller.abort(error);
  }

  #answer(id: number, controller: AbortController, procedure: string, value: unknown): void {
    if (this.#running.get(id) !== controller) return; // interrupted, or the session closed
    let payload: Payload;
    try {
      payload = yieldPayload(value);
    } catch (error) {
      this.#answerError(id, controller, procedure, error);
      return;
    }
    this.#running.delete(id);
    try {
      this.#ctx.send({ type: 'YIELD', requestId: id, options: {}, ...payload });
    } catch (error) {
      // The result could not be serialized (e.g. a BigInt with JSON): tell the caller instead
      // of leaving the call hanging.
      this.#ctx.logger.warn({ procedure, err: error }, 'procedure result could not be sent');
      this.#send(runtimeError(id, error));
    }
  }

  #answerError(id: number, controller: AbortController, procedure: string, error: unknown): void {
    if (this.#running.get(id) !== controller) return;
    this.#running.delete(id);
    if (error instanceof ApplicationError) {
      this.#ctx.logger.debug({ procedure, uri: error.uri }, 'procedure answered an application error');
      const payload: Payload = {};
      const hasKwargs = Object.keys(error.kwargs).length > 0;
      if (error.args.length > 0 || hasKwargs) payload.args = error.args;
      if (hasKwargs) payload.kwargs = error.kwargs;
      this.#send({ type: 'ERROR', requestType: MessageCode.INVOCATION, requestId: id, details: {}, error: error.uri, ...payload });
      return;
    }
    this.#ctx.logger.warn({ procedure, err: error }, 'procedure handler failed');
    this.#send(runtimeError(id, error));
  }

  /** Sends unless the session has closed meanwhile (a late answer is simply dropped). */
  #send(message: Parameters<SessionContext['send']>[0]): void {
    try {
      this.#ctx.assertEstablished();
      this.#ctx.send(message);
    } catch (error) {
      this.#ctx.logger.debug({ err: error }, 'answer dropped: session no longer established');
    }
  }
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
