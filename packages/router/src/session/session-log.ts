/**
 * What the router logs of a session's life: joined, left, refused before WELCOME, aborted for a
 * protocol violation. Kept together so the fields of these records stay alike (operators search
 * them by `session`, `authid`, `transport`, `peer`), and apart from the session's state machine.
 * Never a credential: the messages are the router's own texts.
 */
import type { Id } from '@interchange/protocol';
import type { Logger } from '../logger.js';
import type { Peer } from './peer.js';

/** What these records read of a session. */
interface LoggedSession {
  readonly id: Id;
  readonly authid: string;
  readonly authrole: string;
  readonly authmethod: string;
  readonly peer: Peer;
}

/** The session joined `realm` (info). */
export function logSessionJoined(logger: Logger, session: LoggedSession, realm: string): void {
  logger.info(
    {
      session: session.id,
      realm,
      authid: session.authid,
      authrole: session.authrole,
      authmethod: session.authmethod,
      transport: session.peer.info.type,
      peer: session.peer.info.peer,
    },
    'session joined',
  );
}

/** The session left `realm` (info). */
export function logSessionLeft(logger: Logger, session: LoggedSession, realm: string): void {
  logger.info(
    {
      session: session.id,
      realm,
      authid: session.authid,
      authrole: session.authrole,
      transport: session.peer.info.type,
      peer: session.peer.info.peer,
    },
    'session left',
  );
}

/** The session was refused before WELCOME, with ABORT `reason` (info). */
export function logSessionRefused(logger: Logger, peer: Peer, reason: string, message: string | undefined): void {
  logger.info({ reason, message, transport: peer.info.type, peer: peer.info.peer }, 'session refused');
}

/** The session is aborted for a protocol violation (warn). */
export function logProtocolViolation(logger: Logger, session: Id, peer: Peer, reason: string): void {
  logger.warn({ session, reason, transport: peer.info.type, peer: peer.info.peer }, 'protocol violation');
}
