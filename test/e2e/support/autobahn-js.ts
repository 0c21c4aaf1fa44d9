/**
 * Autobahn|JS (npm `autobahn` 26, a client nobody on this team wrote) for the interop tests:
 * a connection opened once over WebSocket with a chosen serializer, and closed waiting for its
 * end. Autobahn|JS 26 uses the global WebSocket, which Node 20 lacks; importing this module
 * makes `ws` stand in for it.
 */
import autobahn from 'autobahn';
import { WebSocket } from 'ws';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const serializerFor = {
  json: () => new autobahn.serializer.JSONSerializer(),
  msgpack: () => new autobahn.serializer.MsgpackSerializer(),
  cbor: () => new autobahn.serializer.CBORSerializer(),
} as const;

/** A serializer Autobahn|JS offers (`wamp.2.json`, `wamp.2.msgpack`, `wamp.2.cbor`). */
export type AutobahnSerializer = keyof typeof serializerFor;

export interface AutobahnPeer {
  session: autobahn.Session;
  connection: autobahn.Connection;
}

/**
 * Opens an Autobahn|JS connection to realm1 at `url` speaking `serializer`, without retries;
 * resolves once the session is open, rejects when the connection closes before.
 */
export function openAutobahn(url: string, serializer: AutobahnSerializer): Promise<AutobahnPeer> {
  return new Promise((resolve, reject) => {
    const connection = new autobahn.Connection({
      realm: 'realm1',
      max_retries: 0,
      transports: [{ type: 'websocket', url, serializers: [serializerFor[serializer]()] }],
    } as autobahn.IConnectionOptions);
    connection.onopen = (session) => resolve({ session, connection });
    connection.onclose = (reason, details) => {
      reject(new Error(`connection ${reason}: ${JSON.stringify(details)}`));
      return true;
    };
    connection.open();
  });
}

/** Closes an Autobahn|JS connection and waits until it is closed (so it does not log the node's shutdown). */
export function closeAutobahn(connection: autobahn.Connection): Promise<void> {
  return new Promise((resolve) => {
    connection.onclose = () => {
      resolve();
      return true;
    };
    connection.close();
  });
}
