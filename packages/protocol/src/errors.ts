/**
 * The error classes of the project. One base class with a stable `code`; subclasses say who is
 * at fault. Never throw a string or a plain object; wrap with `{ cause }`.
 */

/** Stable codes, one per error class; safe to switch on across versions. */
export const ErrorCode = {
  APPLICATION: 'ERR_WAMP_APPLICATION',
  PROTOCOL_VIOLATION: 'ERR_WAMP_PROTOCOL_VIOLATION',
  TRANSPORT: 'ERR_WAMP_TRANSPORT',
  TIMEOUT: 'ERR_WAMP_TIMEOUT',
  CANCELED: 'ERR_WAMP_CANCELED',
  SESSION_CLOSED: 'ERR_WAMP_SESSION_CLOSED',
  INVALID_ARGUMENT: 'ERR_WAMP_INVALID_ARGUMENT',
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Base class of every error Interchange throws. `name` is the class's name (`new.target`, so a
 * subclass of an application's own gets its own); each class here also states it as a static
 * field, since a minifier renames classes (the browser bundles would show `l: ...`).
 */
export class WampError extends Error {
  static override readonly name: string = 'WampError';
  readonly code: ErrorCodeValue;
  constructor(code: ErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The peer answered with ERROR (or the router refused a request): keeps the error URI and payload. */
export class ApplicationError extends WampError {
  static override readonly name: string = 'ApplicationError';
  readonly uri: string;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
  readonly details: Record<string, unknown>;
  constructor(
    uri: string,
    init: {
      args?: unknown[];
      kwargs?: Record<string, unknown>;
      details?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    const first = init.args?.[0];
    super(ErrorCode.APPLICATION, typeof first === 'string' ? `${uri}: ${first}` : uri, {
      cause: init.cause,
    });
    this.uri = uri;
    this.args = init.args ?? [];
    this.kwargs = init.kwargs ?? {};
    this.details = init.details ?? {};
  }
}

/** A peer sent something the spec does not allow. `field` names the offending part, when known. */
export class ProtocolViolationError extends WampError {
  static override readonly name: string = 'ProtocolViolationError';
  readonly field: string | undefined;
  constructor(message: string, options: { field?: string; cause?: unknown } = {}) {
    super(ErrorCode.PROTOCOL_VIOLATION, message, { cause: options.cause });
    this.field = options.field;
  }
}

/** The transport failed: could not connect, closed unexpectedly, or refused the handshake. */
export class TransportError extends WampError {
  static override readonly name: string = 'TransportError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.TRANSPORT, message, options);
  }
}

/** An operation did not complete in time. */
export class TimeoutError extends WampError {
  static override readonly name: string = 'TimeoutError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.TIMEOUT, message, options);
  }
}

/** An operation was canceled, by an `AbortSignal` or by the router (`wamp.error.canceled`). */
export class CanceledError extends WampError {
  static override readonly name: string = 'CanceledError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.CANCELED, message, options);
  }
}

/** The session closed (GOODBYE, ABORT or transport loss) before the operation completed. */
export class SessionClosedError extends WampError {
  static override readonly name: string = 'SessionClosedError';
  readonly reason: string;
  constructor(reason: string, message?: string, options?: { cause?: unknown }) {
    super(ErrorCode.SESSION_CLOSED, message ?? `session closed: ${reason}`, options);
    this.reason = reason;
  }
}

/** Local misuse of an API, thrown at once (bad URI, bad option). */
export class InvalidArgumentError extends WampError {
  static override readonly name: string = 'InvalidArgumentError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.INVALID_ARGUMENT, message, options);
  }
}
