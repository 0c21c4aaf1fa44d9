import type { Clock, FeatureName, WampMessage } from '@interchange/protocol';
import type { RouterRoleName } from './features.js';
import type { Logger } from './logger.js';

/**
 * What the role handlers (caller, callee, publisher, subscriber) need from their session.
 * Internal: it lets each role live in its own file without reaching into `Session`.
 */
export interface SessionContext {
  readonly logger: Logger;
  readonly clock: Clock;
  /** The next session-scope request ID (spec: basic "IDs", session scope). */
  nextRequestId(): number;
  /** Sends one message on the transport. Only called while the session is established. */
  send(message: WampMessage): void;
  /**
   * Throws `SessionClosedError` unless the session is established, so a request made on a
   * closed or closing session fails before it reaches the wire.
   */
  assertEstablished(): void;
  /** Whether the router announced `feature` for `role` in WELCOME. */
  routerHasFeature(role: RouterRoleName, feature: FeatureName): boolean;
  /** Aborts the session with `wamp.error.protocol_violation` (spec: basic "Protocol Errors"). */
  protocolViolation(message: string): void;
}

/** The outcome a role handler reports for a message addressed to it. */
export type Handled = 'ok' | 'unknown-request';

/**
 * A promise's settle functions, kept in a request table until the router answers.
 * `reject` takes any error: `ApplicationError` for ERROR, `SessionClosedError` on close.
 */
export interface Settle<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}
