import type { Peer, PeerConnection, TransportAuthConfig, TransportCredentials } from '@interchange/router';

/** The identity a transport gives a session that does not authenticate (router `ConnectOptions`). */
export interface AcceptOptions {
  authrole: string;
  authid?: string;
  authmethod?: string;
  /** The transport's `auth` block: with it, clients authenticate by those methods (router `ConnectOptions`). */
  transportAuth?: TransportAuthConfig;
  /** What the transport knows that authenticates: TLS channel IDs, client certificate, cookie. */
  transportCredentials?: TransportCredentials;
}

/**
 * Where the server's transports attach their connections: the part of the router's API they use.
 * A `Router` satisfies it; tests can pass a fake.
 */
export interface SessionAcceptor {
  connect(peer: Peer, options: AcceptOptions): PeerConnection;
}
