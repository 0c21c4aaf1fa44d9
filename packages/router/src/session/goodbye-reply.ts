/**
 * What the router answers a client's GOODBYE with, and what that GOODBYE ends besides the
 * session. Apart from the session's state machine (router-session.ts), which only decides when
 * the reply goes out.
 */
import { ErrorUri, type GoodbyeMessage, type WampMessage } from '@interchange/protocol';
import type { Realm } from '../realm/realm.js';
import type { ConnectOptions } from './router-session-types.js';

/**
 * Spec: "GOODBYE": the receiving peer replies with a GOODBYE. Its reason is the realm's choice:
 * `wamp.close.normal` as Crossbar answers (Autobahn|Python programs check for it), or the spec's
 * `wamp.close.goodbye_and_out` (see wamp-dialect.ts). As in Crossbar, a client leaving with
 * `wamp.close.logout` also ends its cookie's authentication.
 */
export function answerGoodbye(message: GoodbyeMessage, realm: Realm | undefined, options: ConnectOptions): WampMessage {
  if (message.reason === ErrorUri.LOGOUT) options.transportCredentials?.cookie?.logout?.();
  return { type: 'GOODBYE', details: {}, reason: realm?.dialect.goodbyeReply ?? ErrorUri.NORMAL };
}
