/**
 * The logging the client needs: the subset of pino's API it calls. A pino logger (or a child of
 * one) is assignable to it. Libraries never write to the console (STYLE.md), so the default is
 * {@link silentLogger}.
 */

/** One log method: structured fields first, then a human-readable message (pino's order). */
export type LogMethod = (obj: Record<string, unknown>, msg?: string) => void;

/**
 * A minimal pino-compatible logger.
 *
 * @example
 * import pino from 'pino';
 * const session = await connect({ url, realm, logger: pino({ level: 'debug' }) });
 */
export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

const noop: LogMethod = () => {};

/** A logger that discards everything: the client's default. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
