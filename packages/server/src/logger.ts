/** The pino-compatible logger type, shared by every package (defined in protocol). */
export { type Logger, type LogMethod, silentLogger } from '@interchange/protocol';

import type { Logger, LogMethod } from '@interchange/protocol';

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
