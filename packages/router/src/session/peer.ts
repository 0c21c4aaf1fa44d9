import type { WampMessage } from '@interchange/protocol';
import type { TrafficMeter } from './traffic-meter.js';

/**
 * What the router knows of the transport a session runs on. The server fills it in;
 * the router exposes it in session details (`transport`) and logs.
 */
export interface TransportInfo {
  /** `websocket`, `rawsocket`, `longpoll`, `memory`. */
  type: string;
  /** `json`, `msgpack` or `cbor`. */
  serializer: string;
  /** Remote address as Crossbar writes it, e.g. `tcp4:127.0.0.1:53122`. */
  peer: string;
  /** HTTP headers of the opening handshake, where there was one. */
  httpHeaders?: Record<string, string | string[] | undefined>;
}

/**
 * The router's view of one connected peer: the server (or a test) implements it.
 * The router hands typed messages to `send` and never touches bytes.
 *
 * For fan-out the router passes the same message object to every receiver of a subscription,
 * so an implementation can encode it once per serializer and reuse the frame.
 */
export interface Peer {
  readonly info: TransportInfo;
  /**
   * Delivers one message. Must not throw; a dead transport drops it. Returns a reason when the
   * message could not be encoded for this peer's serializer and was not sent (a JSON value nested
   * deeper than the encoder goes, a CBOR bignum for msgpack...), so the router can answer for
   * it: a call must always end (issue 12).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: implementations that always send keep returning void.
  send(message: WampMessage): string | void;
  /** Closes the transport, after an ABORT or the GOODBYE handshake. */
  close(): void;
  /**
   * Starts (or with `undefined`, stops) counting this peer's traffic into `meter`: each message
   * sent with its serialized size, each frame received after its messages were handled. Only for
   * sessions of realms with `stats`; a transport without it is not metered.
   */
  meterTraffic?(meter: TrafficMeter | undefined): void;
}

/**
 * The transport's handle on its router session, returned by `Router.connect(peer)`.
 * The transport feeds it what arrives and tells it when the connection is gone.
 */
export interface PeerConnection {
  /** One decoded, validated message from the peer. */
  receive(message: WampMessage): void;
  /**
   * The transport could not decode a frame (or it broke a transport rule such as size).
   * The router answers ABORT `wamp.error.protocol_violation` and closes the peer.
   */
  protocolViolation(reason: string): void;
  /** The transport closed; the session is torn down (its calls canceled, subscriptions removed). */
  transportClosed(): void;
}
