import { MessageCode, type WampMessage } from '@interchange/protocol';
import type { Realm } from '../realm/realm.js';
import type { RealmMember } from '../realm/realm-member.js';
import type { ProtocolViolation } from './protocol-violation.js';

/** Message types only a router sends (spec: "Message Codes and Direction"). */
const ROUTER_TO_CLIENT: ReadonlySet<WampMessage['type']> = new Set([
  'WELCOME',
  'CHALLENGE',
  'PUBLISHED',
  'SUBSCRIBED',
  'UNSUBSCRIBED',
  'EVENT',
  'RESULT',
  'REGISTERED',
  'UNREGISTERED',
  'INVOCATION',
  'INTERRUPT',
]);

/**
 * Hands an established session's request to its realm's broker or dealer (spec: basic profile
 * "Publish and Subscribe", "Remote Procedure Calls"). Returns a protocol violation for messages
 * a client may not send once established.
 */
export function routeToRealm(realm: Realm, session: RealmMember, message: WampMessage): ProtocolViolation {
  switch (message.type) {
    case 'SUBSCRIBE':
      return realm.broker.subscribe(session, message);
    case 'UNSUBSCRIBE':
      return realm.broker.unsubscribe(session, message);
    case 'PUBLISH':
      return realm.broker.publish(session, message);
    case 'REGISTER':
      return realm.dealer.register(session, message);
    case 'UNREGISTER':
      return realm.dealer.unregister(session, message);
    case 'CALL':
      return realm.dealer.call(session, message);
    case 'YIELD':
      return realm.dealer.yield(session, message);
    case 'ERROR':
      // Spec: "Protocol Errors": "Receiving ERROR message with invalid REQUEST.Type". A client
      // only answers the router's requests, and in this router those are INVOCATIONs.
      if (message.requestType !== MessageCode.INVOCATION) {
        return `Received ERROR with request type ${message.requestType}; a client only sends ERROR for INVOCATION.`;
      }
      return realm.dealer.invocationError(session, message);
    case 'CANCEL':
      return realm.dealer.cancel(session, message);
    case 'GOODBYE':
    case 'ABORT':
      // The session itself handles its closing; it never hands these over.
      return `Received ${message.type} message that the session should have handled.`;
    case 'HELLO':
    case 'AUTHENTICATE':
      return `Received ${message.type} message after session was established.`;
    default:
      if (ROUTER_TO_CLIENT.has(message.type)) return `Received ${message.type} message, which only a router sends.`;
      return `Received unexpected ${(message as WampMessage).type} message.`;
  }
}
