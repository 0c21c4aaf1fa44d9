import type { Peer, PeerConnection } from '@interchange/router';

/** The identity a transport gives a session that does not authenticate (router `ConnectOptions`). */
export interface AcceptOptions {
  authrole: string;
  authid?: string;
  authmethod?: string;
}

/**
 * Where the server's transports attach their connections: the part of the router's API they use.
 * A `Router` satisfies it; tests can pass a fake.
 */
export interface SessionAcceptor {
  connect(peer: Peer, options: AcceptOptions): PeerConnection;
}
