/**
 * A real Interchange router (`@interchange/router`) behind a plain `ws` server on 127.0.0.1
 * port 0, for end-to-end tests that need sessions with chosen identities: the identity of each
 * connection comes from its URL, `?authid=alice&authrole=user` (the router's `ConnectOptions`
 * for a transport without authentication), so a test can open sessions as any principals it
 * likes. The node config can give a realm a `store` block (event-history-node-config.test.ts),
 * but on a node transport every anonymous session gets the transport's one authrole and a
 * random (or the one configured) authid, and any other principal would need an authentication
 * method and credentials. So tests about authids and authroles (black- and whitelisting, meta
 * API identities, event history filtered by authid) use this router instead.
 *
 * It bypasses the node's transports on purpose: those are exercised by every test on
 * `startTestNode`; this one only carries frames, encoding and decoding them with the protocol
 * package's serializers.
 */
import type { AddressInfo } from 'node:net';
import { createSerializer, type Frame, type SerializerName, type WampMessage } from '@interchange/protocol';
import {
  type ClusterBackend,
  type ConnectOptions,
  type PeerConnection,
  type RealmConfig,
  Router,
  type TransportAuthConfig,
} from '@interchange/router';
import { type RawData, WebSocketServer } from 'ws';

export interface AdvancedRouter {
  readonly router: Router;
  /** The WebSocket URL for a session with this identity (anonymous and random authid by default). */
  url(identity?: { authid?: string; authrole?: string }): string;
  stop(): Promise<void>;
}

const SUBPROTOCOLS: Record<string, SerializerName> = {
  'wamp.2.json': 'json',
  'wamp.2.msgpack': 'msgpack',
  'wamp.2.cbor': 'cbor',
};

/**
 * Starts a router with `realms` (default: `realm1` with no roles, so everything is allowed).
 * With `transportAuth`, a connection whose URL names no identity authenticates by those methods.
 */
export async function startAdvancedRouter(
  options: { realms?: RealmConfig[]; cluster?: ClusterBackend; transportAuth?: TransportAuthConfig } = {},
): Promise<AdvancedRouter> {
  const router = new Router({
    realms: options.realms ?? [{ name: 'realm1' }],
    ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
  });
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (offered) => [...offered].find((p) => p in SUBPROTOCOLS) ?? false,
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));

  wss.on('connection', (socket, request) => {
    const serializer = createSerializer(SUBPROTOCOLS[socket.protocol] ?? 'json');
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
    const identity: ConnectOptions = {};
    const authid = query.get('authid');
    const authrole = query.get('authrole');
    if (authid !== null) identity.authid = authid;
    if (authrole !== null) identity.authrole = authrole;
    if (authid === null && authrole === null && options.transportAuth !== undefined) {
      identity.transportAuth = options.transportAuth;
    }
    const connection: PeerConnection = router.connect(
      {
        info: {
          type: 'websocket',
          serializer: serializer.name,
          peer: `tcp4:127.0.0.1:${request.socket.remotePort ?? 0}`,
        },
        send: (message: WampMessage) => {
          if (socket.readyState !== socket.OPEN) return undefined;
          let frame: Frame;
          try {
            frame = serializer.encode(message);
          } catch {
            // As the node's transports do (router `Peer.send`): a reason, not an exception.
            return `cannot be encoded in ${serializer.name}`;
          }
          socket.send(frame);
          return undefined;
        },
        close: () => socket.close(1000),
      },
      identity,
    );
    socket.on('message', (data: RawData, isBinary: boolean) => {
      const buffer = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
      const frame: Frame = isBinary ? new Uint8Array(buffer) : buffer.toString('utf8');
      let messages: WampMessage[];
      try {
        messages = serializer.decode(frame);
      } catch (error) {
        connection.protocolViolation(error instanceof Error ? error.message : String(error));
        return;
      }
      for (const message of messages) connection.receive(message);
    });
    socket.on('close', () => connection.transportClosed());
  });

  const port = (wss.address() as AddressInfo).port;
  return {
    router,
    url(identity = {}) {
      const query = new URLSearchParams();
      if (identity.authid !== undefined) query.set('authid', identity.authid);
      if (identity.authrole !== undefined) query.set('authrole', identity.authrole);
      const search = query.toString();
      return `ws://127.0.0.1:${port}/ws${search === '' ? '' : `?${search}`}`;
    },
    stop: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
