/**
 * The logger of a transport with Crossbar's `debug: true`: its connections, handshakes, closes
 * and protocol errors, which a transport logs at debug level, are written even when the node
 * logs at info or above. With pino (or any logger whose `child` takes pino's options), the
 * transport gets a child at level debug; with another logger, the debug entries of this
 * transport are written at info level instead.
 */
import type { Logger } from '../logger.js';

type ChildWithLevel = (bindings: Record<string, unknown>, options: { level: string }) => Logger;

/** The logger a transport uses: `logger` itself unless `debug` is set. */
export function transportLogger(logger: Logger, debug: boolean | undefined): Logger {
  if (debug !== true) return logger;
  const child = (logger as Logger & { child?: ChildWithLevel; level?: unknown }).child;
  if (typeof child === 'function' && typeof (logger as { level?: unknown }).level === 'string') {
    return child.call(logger, { debug: true }, { level: 'debug' });
  }
  return {
    debug: logger.info.bind(logger),
    info: logger.info.bind(logger),
    warn: logger.warn.bind(logger),
    error: logger.error.bind(logger),
  };
}
