/**
 * A `function` authenticator or authorizer written in Python (Crossbar's `"create":
 * "module.create_authenticator"`), run in a child process of the node
 * (python/auth_function_host.py): it calls `create(config, controller)` once, and the node calls
 * the function it returned over the child's pipes, one JSON line per call.
 *
 * The router treats the answers exactly as those of a JS `function`: a role name or a principal
 * dict accepts (router's principal-check.ts), an `ApplicationError` with the application's own
 * URI reaches the client in ABORT, any other exception is the uniform authentication failure.
 * While the process is not running (it died and starts again), calls fail the same uniform way.
 */
import { ApplicationError, ErrorUri } from '@interchange/protocol';
import type { Logger } from '../logger.js';
import { PythonChild, type PythonChildMessage, pythonScript } from './python-child.js';
import type { ControllerLink } from './python-controller-link.js';

/** Calls waiting for their answer at most; more fail at once (a stuck function must not grow memory). */
const MAX_PENDING = 1000;
/** A call unanswered this long is dropped (the router has given up on it long before, by its own timeout). */
const ANSWER_TIMEOUT_MS = 120_000;

/** Options of {@link PythonAuthFunction}. */
export interface PythonAuthFunctionOptions {
  /** Where the block is in the config, for logs and errors (`workers[0].transports[0].auth.ticket`). */
  where: string;
  /** The dotted name of the factory (`authenticator.create_authenticator`). */
  create: string;
  config: Record<string, unknown>;
  /** With `expose_controller`: where the function's controller calls go (python-controller-link.ts). */
  controller: ControllerLink | undefined;
  python: string;
  /** Absolute directories put first on the module path. */
  pythonpath: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Fails a call the way an exception without an application URI does: the uniform failure. */
function runtimeError(message: string): ApplicationError {
  return new ApplicationError(ErrorUri.RUNTIME_ERROR, { args: [message] });
}

/** The Python function of one `function` block. */
export class PythonAuthFunction {
  readonly child: PythonChild;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  constructor(options: PythonAuthFunctionOptions) {
    this.child = new PythonChild({
      name: `function ${options.create}`,
      python: options.python,
      script: pythonScript('auth_function_host.py'),
      spec: {
        create: options.create,
        config: options.config,
        expose_controller: options.controller !== undefined,
        pythonpath: options.pythonpath,
      },
      cwd: options.cwd,
      env: options.env,
      onMessage: (message, reply) => {
        if (options.controller?.(message, reply) !== true) this.#answer(message);
      },
      onExit: (why) => this.#failAll(`the Python process of ${options.create} ${why}`),
      logger: options.logger,
    });
  }

  /** Starts the process and creates the function. @throws PythonChildError when create fails. */
  start(): Promise<void> {
    return this.child.start();
  }

  /** Calls the function with `args` (JSON values); resolves with its answer. */
  readonly call = (...args: unknown[]): Promise<unknown> => {
    if (this.#pending.size >= MAX_PENDING)
      return Promise.reject(runtimeError(`${MAX_PENDING} calls of ${this.child.name} are waiting already`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(runtimeError(`${this.child.name} did not answer within ${ANSWER_TIMEOUT_MS} ms`));
      }, ANSWER_TIMEOUT_MS);
      timer.unref();
      this.#pending.set(id, { resolve, reject, timer });
      let sent = false;
      try {
        sent = this.child.send({ id, args });
      } catch {
        // Arguments JSON cannot carry (a BigInt): answered as a failure below.
      }
      if (!sent) {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(runtimeError(`the Python process of ${this.child.name} is not running`));
      }
    });
  };

  /** Stops the process; calls still waiting fail. */
  async stop(graceMs = 5000): Promise<void> {
    await this.child.stop(graceMs);
    this.#failAll('the node is stopping');
  }

  #answer(message: PythonChildMessage): void {
    if (typeof message.id !== 'number') return;
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    this.#pending.delete(message.id);
    clearTimeout(pending.timer);
    if ('result' in message) {
      pending.resolve(message.result);
      return;
    }
    const error = (message.error ?? {}) as { uri?: unknown; args?: unknown; kwargs?: unknown; message?: unknown };
    if (typeof error.uri === 'string' && error.uri !== '') {
      pending.reject(
        new ApplicationError(error.uri, {
          args: Array.isArray(error.args) ? error.args : [],
          kwargs:
            typeof error.kwargs === 'object' && error.kwargs !== null && !Array.isArray(error.kwargs)
              ? (error.kwargs as Record<string, unknown>)
              : {},
        }),
      );
      return;
    }
    pending.reject(runtimeError(typeof error.message === 'string' ? error.message : 'the function failed'));
  }

  #failAll(why: string): void {
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(runtimeError(why));
    }
  }
}
