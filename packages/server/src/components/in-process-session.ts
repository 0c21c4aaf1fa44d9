/**
 * A client session joined to a router in the node's own process, through an in-memory transport
 * pair: no socket, no serialization, the same WAMP semantics as a remote client. Hosted
 * components and the HTTP bridge services (publisher, caller, webhook) use it, as Crossbar gives
 * each of them a router-side service session.
 */
import { createMemoryTransportPair, Session } from '@interchange/client';
import type { Logger } from '../logger.js';
import type { SessionAcceptor } from '../session-acceptor.js';

/** Options of {@link joinInProcess}. */
export interface InProcessSessionOptions {
  router: SessionAcceptor;
  realm: string;
  /** The session's authrole, given by the node (no authentication). */
  authrole: string;
  /** The session's authid. */
  authid: string;
  /** How the router reports the session's authmethod; `trusted` by default. */
  authmethod?: string;
  /** The remote address the router reports, e.g. `component:backend`. */
  peer: string;
  logger: Logger;
}

/**
 * Connects and joins a session in-process.
 *
 * @throws what `Session.join` throws: an ABORT (no such realm, role not allowed) or a closed transport.
 * @example
 * const session = await joinInProcess({ router, realm: 'realm1', authrole: 'anonymous', authid: 'http-publisher', peer: 'http:/publish', logger });
 * await session.publish('com.example.topic', ['hello'], { acknowledge: true });
 */
export async function joinInProcess(options: InProcessSessionOptions): Promise<Session> {
  const { client, router: end } = createMemoryTransportPair({ peer: options.peer });
  const connection = options.router.connect(end, {
    authrole: options.authrole,
    authid: options.authid,
    authmethod: options.authmethod ?? 'trusted',
  });
  end.attach({
    onMessage: (message) => connection.receive(message),
    onProtocolError: (error) => connection.protocolViolation(error.message),
    onClose: () => connection.transportClosed(),
  });
  const session = new Session(client, { realm: options.realm, logger: options.logger });
  await session.join();
  return session;
}
