/**
 * The Autobahn|JS-compatible surface: code written for Autobahn|JS runs against Interchange
 * as written (docs/architecture.md, "Wire and compatibility contracts").
 *
 * In a page, the browser bundle sets `globalThis.autobahn` to {@link autobahn}; in a module,
 * `import { autobahn } from '@interchange/client/autobahn'`, or the named exports.
 *
 * This entry point loads every serializer, transport and auth method; core.ts has a namespace
 * without them for pages that need less.
 *
 * Not provided (yet): `session.log`, when.js promises (`call` with `receive_progress` takes progress handlers as
 * the third argument of `then`, or through `progress(handler)`).
 */

import { AutobahnConnection } from './autobahn-connection.js';
import { autobahn as core, version } from './autobahn-core.js';
import {
  AutobahnEventDetails,
  AutobahnInvocationDetails,
  AutobahnRegistration,
  AutobahnSession,
  AutobahnSubscription,
} from './autobahn-session.js';
import { auth_cryptosign } from './entry-auth-cryptosign.js';
import { auth_cra } from './entry-auth-wampcra.js';
import { Publication } from './event.js';
import { Result } from './result.js';
import { WampApplicationError } from './wamp-application-error.js';
// Everything else loads too, as `require('autobahn')` has it all: msgpack and CBOR serializers,
// long-poll and RawSocket transports, SCRAM (core.ts has the small alternative).
import './entry-auth-scram.js';
import './entry-cbor.js';
import './entry-longpoll.js';
import './entry-meta.js';
import './entry-msgpack.js';
import './entry-rawsocket.js';

export { version };

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
  ...core,
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
