import type { Clock, Id } from '@interchange/protocol';
import type { RouterAuth } from '../auth/router-auth.js';
import type { TransportAuthConfig, TransportCredentials } from '../auth/transport-auth.js';
import type { Logger } from '../logger.js';
import type { Realm } from '../realm/realm.js';
import type { RouterStats } from '../router-stats.js';
import type { RouterSession } from './router-session.js';
import type { RouterPlacement } from './welcome-details.js';

/**
 * The lifecycle of a router session (spec: basic profile "Sessions", peer state chart):
 * waiting for HELLO, established after WELCOME, closing after the router sent GOODBYE and
 * waits for the reply, closed.
 */
export const SessionState = {
  AWAITING_HELLO: 'awaiting-hello',
  /** After HELLO, while the client authenticates (CHALLENGE sent, or a dynamic authenticator asked). */
  AUTHENTICATING: 'authenticating',
  ESTABLISHED: 'established',
  CLOSING: 'closing',
  CLOSED: 'closed',
} as const;
/** One of the {@link SessionState} values. */
export type SessionStateValue = (typeof SessionState)[keyof typeof SessionState];

/** The identity the transport gives a session when the client does not authenticate. */
export interface ConnectOptions {
  /** Defaults to `anonymous`, Crossbar's role for anonymous sessions. */
  authrole?: string;
  /** Defaults to a random authid, as Crossbar gives anonymous sessions. */
  authid?: string;
  /** Defaults to `anonymous`. */
  authmethod?: string;
  /**
   * The methods the transport lets clients authenticate with (its `auth` config). With it, the
   * client authenticates (spec: advanced "Authentication") and `authrole`, `authid` and
   * `authmethod` above are not used; without it, the session gets that identity at once.
   */
  transportAuth?: TransportAuthConfig;
  /** What the transport knows that authenticates: TLS channel IDs, client certificate, cookie. */
  transportCredentials?: TransportCredentials;
}

/** What a session needs from its router. */
export interface SessionHost {
  readonly logger: Logger;
  /** Whether the router is shutting down and accepts no new sessions. */
  readonly shuttingDown: boolean;
  /** The realm of this name, created on the fly if the router does that; else undefined. */
  resolveRealm(name: string): Realm | undefined;
  /** A fresh, unused, random session ID. */
  allocateSessionId(): Id;
  /** The session was welcomed. */
  sessionEstablished(session: RouterSession): void;
  /** The session reached its end. */
  sessionClosed(session: RouterSession): void;
  /** Authentication and dynamic authorization. */
  readonly auth: RouterAuth;
  /** Where the session counts its messages (and finds the trace logger). */
  readonly stats: RouterStats;
  /** The router's time source: a session's join time is read from it. */
  readonly clock: Clock;
  /** Where the router runs, for WELCOME (see welcome-details.ts); absent: not told. */
  readonly placement?: RouterPlacement | undefined;
}
