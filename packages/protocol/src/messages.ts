/**
 * Every WAMP message as a typed object with named fields. Arrays exist only at the
 * serializer edge (`message-codec.ts`); everything past it reads `msg.procedure`, not `msg[3]`.
 *
 * Field order and meaning follow the spec's message definitions
 * (wamp-proto, rfc/text/basic and rfc/text/advanced).
 */

/** A WAMP dictionary: string keys, any serializable values. */
export type Dict = Record<string, unknown>;

/** A WAMP ID: an integer in 1..2^53 (spec: "Identifiers"). */
export type Id = number;

/**
 * Application payload carried by PUBLISH, EVENT, CALL, INVOCATION, YIELD, RESULT and ERROR.
 * `args` and `kwargs` are omitted when absent, never `null` on the wire.
 * `payload` replaces both in payload passthru mode (spec: "Payload Passthru Mode"), where the
 * router forwards an opaque value it does not decode.
 */
export interface Payload {
  args?: unknown[];
  kwargs?: Dict;
  payload?: Uint8Array | string;
}

export interface HelloMessage {
  type: 'HELLO';
  /**
   * The realm to join; absent when the client sent `null` and leaves the realm to the router's
   * authentication (Autobahn|Python's `join(None)`; Crossbar's authenticators may assign it).
   */
  realm?: string;
  details: Dict;
}
export interface WelcomeMessage {
  type: 'WELCOME';
  session: Id;
  details: Dict;
}
export interface AbortMessage {
  type: 'ABORT';
  details: Dict;
  reason: string;
}
export interface ChallengeMessage {
  type: 'CHALLENGE';
  authMethod: string;
  extra: Dict;
}
export interface AuthenticateMessage {
  type: 'AUTHENTICATE';
  signature: string;
  extra: Dict;
}
export interface GoodbyeMessage {
  type: 'GOODBYE';
  details: Dict;
  reason: string;
}
/** ERROR answers a request; `requestType` is the code of the message it answers. */
export interface ErrorMessage extends Payload {
  type: 'ERROR';
  requestType: number;
  requestId: Id;
  details: Dict;
  error: string;
}
export interface PublishMessage extends Payload {
  type: 'PUBLISH';
  requestId: Id;
  options: Dict;
  topic: string;
}
export interface PublishedMessage {
  type: 'PUBLISHED';
  requestId: Id;
  publication: Id;
}
export interface SubscribeMessage {
  type: 'SUBSCRIBE';
  requestId: Id;
  options: Dict;
  topic: string;
}
export interface SubscribedMessage {
  type: 'SUBSCRIBED';
  requestId: Id;
  subscription: Id;
}
export interface UnsubscribeMessage {
  type: 'UNSUBSCRIBE';
  requestId: Id;
  subscription: Id;
}
/** `details` is present only on router-initiated revocation (Advanced Profile). */
export interface UnsubscribedMessage {
  type: 'UNSUBSCRIBED';
  requestId: Id | 0;
  details?: Dict;
}
export interface EventMessage extends Payload {
  type: 'EVENT';
  subscription: Id;
  publication: Id;
  details: Dict;
  /**
   * Router-internal, never encoded (the codec writes EVENT's fields by name): the publisher
   * asked for an acknowledgement (`PUBLISH.Options.acknowledge`). The MQTT bridge reads it as
   * the publication's QoS, 1 with it and 0 without, since an MQTT publish at QoS 1 is published
   * with `acknowledge` (packages/server/src/mqtt/mqtt-session.ts).
   */
  acknowledged?: true;
}
export interface CallMessage extends Payload {
  type: 'CALL';
  requestId: Id;
  options: Dict;
  procedure: string;
}
export interface CancelMessage {
  type: 'CANCEL';
  requestId: Id;
  options: Dict;
}
export interface ResultMessage extends Payload {
  type: 'RESULT';
  requestId: Id;
  details: Dict;
}
export interface RegisterMessage {
  type: 'REGISTER';
  requestId: Id;
  options: Dict;
  procedure: string;
}
export interface RegisteredMessage {
  type: 'REGISTERED';
  requestId: Id;
  registration: Id;
}
export interface UnregisterMessage {
  type: 'UNREGISTER';
  requestId: Id;
  registration: Id;
}
/** `details` is present only on router-initiated revocation (Advanced Profile). */
export interface UnregisteredMessage {
  type: 'UNREGISTERED';
  requestId: Id | 0;
  details?: Dict;
}
export interface InvocationMessage extends Payload {
  type: 'INVOCATION';
  requestId: Id;
  registration: Id;
  details: Dict;
}
export interface InterruptMessage {
  type: 'INTERRUPT';
  requestId: Id;
  options: Dict;
}
export interface YieldMessage extends Payload {
  type: 'YIELD';
  requestId: Id;
  options: Dict;
}

/** Any WAMP message. Switch on `msg.type` to narrow. */
export type WampMessage =
  | HelloMessage
  | WelcomeMessage
  | AbortMessage
  | ChallengeMessage
  | AuthenticateMessage
  | GoodbyeMessage
  | ErrorMessage
  | PublishMessage
  | PublishedMessage
  | SubscribeMessage
  | SubscribedMessage
  | UnsubscribeMessage
  | UnsubscribedMessage
  | EventMessage
  | CallMessage
  | CancelMessage
  | ResultMessage
  | RegisterMessage
  | RegisteredMessage
  | UnregisterMessage
  | UnregisteredMessage
  | InvocationMessage
  | InterruptMessage
  | YieldMessage;

/** The message object of a given type name, e.g. `MessageOf<'CALL'>`. */
export type MessageOf<T extends WampMessage['type']> = Extract<WampMessage, { type: T }>;
