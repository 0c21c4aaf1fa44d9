/**
 * The Autobahn|JS-compatible surface: code written for Autobahn|JS runs against Interchange
 * as written (docs/architecture.md, "Wire and compatibility contracts").
 *
 * In a page, the browser bundle sets `globalThis.autobahn` to {@link autobahn}; in a module,
 * `import { autobahn } from '@interchange/client/autobahn'`, or the named exports.
 *
 * Not provided (yet): long-poll and RawSocket transports,
 * `session.log`, when.js promises (`call` with `receive_progress` takes progress handlers as
 * the third argument of `then`, or through `progress(handler)`).
 */

import { auth_cra } from './auth-cra.js';
import { auth_cryptosign } from './auth-cryptosign.js';
import { AutobahnConnection } from './autobahn-connection.js';
import {
  AutobahnEventDetails,
  AutobahnInvocationDetails,
  AutobahnRegistration,
  AutobahnSession,
  AutobahnSubscription,
} from './autobahn-session.js';
import { Publication } from './event.js';
import { Result } from './result.js';
import { WampApplicationError } from './wamp-application-error.js';

/** The version of the compat surface's host library. */
export const version = '0.1.0';

/**
 * The compat namespace, shaped like `require('autobahn')`: `new autobahn.Connection({ url, realm })`,
 * `autobahn.Result`, `autobahn.Error`, ...
 *
 * @example
 * const connection = new autobahn.Connection({ url: 'ws://127.0.0.1:8080/ws', realm: 'votesapp' });
 * connection.onopen = (session) => session.call('com.example.votedemo.vote', ['Banana']).then(show);
 * connection.open();
 */
export const autobahn = Object.freeze({
  version,
  Connection: AutobahnConnection,
  Session: AutobahnSession,
  Invocation: AutobahnInvocationDetails,
  Event: AutobahnEventDetails,
  Result,
  Error: WampApplicationError,
  Subscription: AutobahnSubscription,
  Registration: AutobahnRegistration,
  Publication,
  /** WAMP-CRA: `auth_cra.sign(key, challenge)`, `auth_cra.derive_key(secret, salt, iterations, keylen)`. */
  auth_cra,
  /** WAMP-Cryptosign: `sign_challenge(pkey, extra)`, `public_key(pkey)`, `load_private_key(name)`, ... */
  auth_cryptosign,
});

export type {
  AutobahnCallPromise,
  AutobahnEndpoint,
  AutobahnEventHandler,
  AutobahnProgressHandler,
} from './autobahn-session.js';
export type { ConnectionCloseDetails, ConnectionCloseReason, ConnectionOptions } from './connection.js';
export {
  AutobahnConnection as Connection,
  AutobahnEventDetails as Event,
  AutobahnInvocationDetails as Invocation,
  AutobahnRegistration as Registration,
  AutobahnSession as Session,
  AutobahnSubscription as Subscription,
  auth_cra,
  auth_cryptosign,
  Publication,
  Result,
  WampApplicationError,
};
