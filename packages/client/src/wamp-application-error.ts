import { ApplicationError, type Dict } from '@interchange/protocol';

/**
 * Autobahn|JS's `autobahn.Error(error, args, kwargs)`: an application error with the URI in
 * `error`. The compat surface exports it as `autobahn.Error`; inside Interchange it keeps this
 * name so the global `Error` is never shadowed. It is an `ApplicationError`, so a compat
 * endpoint that throws one answers ERROR with its URI, args and kwargs, and the typed API
 * catches it like any other application error.
 *
 * @example
 * session.register('com.example.div', function (args) {
 *   if (args[1] === 0) throw new autobahn.Error('com.example.div_by_zero', ['cannot divide by zero']);
 *   return args[0] / args[1];
 * });
 */
export class WampApplicationError extends ApplicationError {
  static override readonly name: string = 'WampApplicationError';
  constructor(
    error: string,
    args?: unknown[],
    kwargs?: Record<string, unknown>,
    options: { details?: Dict; cause?: unknown } = {},
  ) {
    super(error, {
      ...(args === undefined || args === null ? {} : { args }),
      ...(kwargs === undefined || kwargs === null ? {} : { kwargs }),
      ...options,
    });
  }

  /** The error URI, under Autobahn's name for it. */
  get error(): string {
    return this.uri;
  }

  /** An `ApplicationError` from the typed API as the compat error; other errors unchanged. */
  static from(error: unknown): unknown {
    if (error instanceof WampApplicationError || !(error instanceof ApplicationError)) return error;
    return new WampApplicationError(error.uri, error.args, error.kwargs, { details: error.details, cause: error });
  }
}
