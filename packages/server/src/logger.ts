/**
 * The logging the server needs: the subset of pino's API it calls. The CLI passes a pino logger
 * writing to stdout; the library default is {@link silentLogger} (libraries never write to the
 * console, STYLE.md).
 */

/** One log method: structured fields first, then a human-readable message (pino's order). */
export type LogMethod = (obj: Record<string, unknown>, msg?: string) => void;

/**
 * A minimal pino-compatible logger; a pino logger is assignable to it.
 *
 * @example
 * import { pino } from 'pino';
 * const node = await InterchangeNode.start({ config, cbdir, logger: pino() });
 */
export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

const noop: LogMethod = () => {};

/** A logger that discards everything. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/** Adds fields to every entry of `logger` (pino's `child` when it has one). */
export function childLogger(logger: Logger, bindings: Record<string, unknown>): Logger {
  const maybeChild = (logger as Logger & { child?: (b: Record<string, unknown>) => Logger }).child;
  if (typeof maybeChild === 'function') return maybeChild.call(logger, bindings);
  const wrap =
    (method: LogMethod): LogMethod =>
    (obj, msg) =>
      method.call(logger, { ...bindings, ...obj }, msg);
  return { debug: wrap(logger.debug), info: wrap(logger.info), warn: wrap(logger.warn), error: wrap(logger.error) };
}
