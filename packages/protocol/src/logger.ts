/**
 * The logging every package needs: the subset of pino's API they call. A pino logger (or a child of
 * one) is assignable to it; anything else that takes `(obj, msg)` works too. Libraries never
 * write to the console (docs/architecture.md, "Conventions"), so the default is {@link silentLogger}.
 */

/** One log method: structured fields first, then a human-readable message (pino's order). */
export type LogMethod = (obj: Record<string, unknown>, msg?: string) => void;

/**
 * A minimal pino-compatible logger.
 *
 * @example
 * import pino from 'pino';
 * const router = new Router({ logger: pino() });   // or connect({ ..., logger }), InterchangeNode.start({ ..., logger })
 */
export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

const noop: LogMethod = () => {};

/** A logger that discards everything: the default of the router, the client and the server. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
