import type { Clock, Dict } from '@interchange/protocol';
import { ErrorUri } from '@interchange/protocol';
import type { AuthOptions } from './auth-options.js';
import type { Logger } from './logger.js';
import { isPlainDict } from './payload.js';
import type { TransportCloseInfo } from './transport.js';

/**
 * The reason reported when the transport went away without GOODBYE or ABORT. Autobahn|Python
 * reports the same URI in that case; it is local and never sent on the wire.
 */
export const TRANSPORT_LOST_REASON = ErrorUri.TRANSPORT_LOST;

/**
 * The ABORT reason a client sends when it cannot answer a CHALLENGE (no handler, or the handler
 * failed): Autobahn's convention, understood by Crossbar. Not one of the spec's predefined URIs.
 */
export const CANNOT_AUTHENTICATE_REASON = ErrorUri.CANNOT_AUTHENTICATE;

/** A CHALLENGE from the router (spec: advanced "Authentication"). */
export interface Challenge {
  /** The authentication method challenged, e.g. `wampcra`, `ticket`. */
  authMethod: string;
  /** CHALLENGE.Extra: method-specific data, e.g. the `challenge` string of WAMP-CRA. */
  extra: Dict;
}

/** The answer to a CHALLENGE: the signature, alone or with AUTHENTICATE.Extra. */
export type ChallengeResponse = string | { signature: string; extra?: Dict };

/** Answers CHALLENGE messages; a thrown error aborts the join with `wamp.error.cannot_authenticate`. */
export type ChallengeHandler = (challenge: Challenge) => ChallengeResponse | Promise<ChallengeResponse>;

/** Options of a {@link Session}. */
export interface SessionOptions {
  /** The realm to join. */
  realm: string;
  /** HELLO.Details.authid. */
  authid?: string;
  /** HELLO.Details.authmethods, e.g. `['ticket']`. */
  authmethods?: string[];
  /** HELLO.Details.authextra. */
  authextra?: Dict;
  /** Answers CHALLENGE during the join. Without it (and without `auth`), a CHALLENGE aborts the join. */
  onChallenge?: ChallengeHandler;
  /**
   * How to authenticate, typed: fills in `authmethods`, `authid` and `authextra` (those given
   * above take precedence), answers the CHALLENGE unless `onChallenge` is given, and checks what
   * WELCOME proves about the router (SCRAM's server signature).
   */
  auth?: AuthOptions;
  /** HELLO.Details.agent. */
  agent?: string;
  /** Time source for call timeouts and the GOODBYE wait; a fake clock in tests. */
  clock?: Clock;
  /** pino-compatible logger; silent by default. */
  logger?: Logger;
  /** How long `leave` waits for the router's GOODBYE before closing the transport (ms). Default 5000. */
  leaveTimeout?: number;
}

/** Where a session is in its life (spec: basic "Session Establishment", "Session Closing"). */
export type SessionState = 'idle' | 'joining' | 'established' | 'closing' | 'closed';

/**
 * How a session ended: a GOODBYE handshake, an ABORT (sent or received), a protocol violation
 * (ABORT `wamp.error.protocol_violation`, either side), or the transport going away first.
 */
export type SessionCloseKind = 'goodbye' | 'abort' | 'protocol-violation' | 'transport';

/** What `Session.closed` resolves to. */
export interface SessionCloseInfo {
  /** The GOODBYE or ABORT reason URI, or {@link TRANSPORT_LOST_REASON}. */
  reason: string;
  /** `details.message` of the GOODBYE or ABORT, when there was one. */
  message: string | undefined;
  /** Details of the GOODBYE or ABORT (`{}` when the transport was lost). */
  details: Dict;
  kind: SessionCloseKind;
  /** Who started the close: this client, the router, or neither (the transport dropped). */
  initiator: 'client' | 'router' | 'transport';
  /** Whether the session had been established (WELCOME received). */
  wasEstablished: boolean;
  /** How the transport closed. */
  transport: TransportCloseInfo;
}

/** Accepts a string, `{ signature, extra }`, or Autobahn's `[signature, extra]`. */
export function normalizeChallengeResponse(response: unknown): { signature: string; extra: Dict } | undefined {
  if (typeof response === 'string') return { signature: response, extra: {} };
  if (Array.isArray(response) && typeof response[0] === 'string') {
    const extra: unknown = response[1];
    return { signature: response[0], extra: isPlainDict(extra) ? extra : {} };
  }
  if (isPlainDict(response) && typeof response['signature'] === 'string') {
    const extra = response['extra'];
    return { signature: response['signature'], extra: isPlainDict(extra) ? extra : {} };
  }
  return undefined;
}
