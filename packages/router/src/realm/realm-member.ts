import type { EventMessage, FeatureName, Id, WampMessage } from '@interchange/protocol';

/**
 * What a realm's broker and dealer know of an established session: its identity, a way to
 * send it messages, and its router-to-client request IDs. `RouterSession` implements it; tests
 * of the broker and dealer may implement it directly.
 */
export interface RealmMember {
  /** The WAMP session ID (global scope, random). */
  readonly id: Id;
  readonly authid: string;
  readonly authrole: string;
  /** Whether the client announced `feature` for `role` in `HELLO.Details.roles`. */
  announces(role: string, feature: FeatureName): boolean;
  /**
   * Delivers a message to the session's peer. Never throws. Returns a reason when the peer could
   * not encode the message and did not send it (router `Peer.send`).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: implementations that always send keep returning void.
  send(message: WampMessage): string | void;
  /**
   * Delivers one EVENT of a publication's fan-out as {@link send} does, except that it is not
   * counted in the router's statistics: the broker counts a publication's deliveries once, n
   * receivers in one add (broker/delivery-count.ts), instead of one count per receiver.
   * Returns whether the EVENT was handed to the session's transport, i.e. whether it counts as
   * sent. A member without it (a test double) gets {@link send}, which counts for itself.
   */
  deliverEvent?(event: EventMessage): boolean;
  /**
   * Sends as {@link send} does, except that it is not counted in the router's statistics: the
   * dealer counts the INVOCATIONs and RESULTs it sends itself (dealer/call-message-count.ts).
   * Returns `false` when nothing was handed to the transport (a closing session: not counted),
   * the reason when the transport refused it (counted, as {@link send} counts it), else `true`.
   * A member without it gets {@link send}, which counts for itself.
   */
  sendUncounted?(message: WampMessage): string | boolean;
  /**
   * The next router-to-client request ID: sequential from 1 in the session scope (spec: basic
   * profile "IDs", session scope IDs: one sequence per direction).
   */
  nextRequestId(): Id;
  /**
   * Whether `id` has been handed out by {@link nextRequestId}. Tells a late answer to a request
   * that is no longer pending (ignored) from an answer to a request never made (a protocol
   * violation: "Receiving YIELD message with invalid INVOCATION.Request").
   */
  hasIssuedRequestId(id: Id): boolean;
}
