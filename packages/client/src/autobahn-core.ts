/**
 * The Autobahn|JS-compatible namespace of the core entry point (core.ts): everything of
 * autobahn.ts except the `auth_cra` and `auth_cryptosign` helpers, whose crypto code a page
 * without WAMP-CRA or Cryptosign does not need. Pages that sign challenges themselves import
 * them from `@interchange/client/auth/wampcra` or `/auth/cryptosign`, or load the full build.
 */

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

/** The members the core and the full compat namespace share. */
const coreMembers = {
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
};

/**
 * The compat namespace without auth helpers: `new autobahn.Connection({ url, realm })`,
 * `autobahn.Result`, `autobahn.Error`, ...
 *
 * @example
 * const connection = new autobahn.Connection({ url: 'ws://127.0.0.1:8080/ws', realm: 'votesapp' });
 * connection.onopen = (session) => session.call('com.example.votedemo.vote', ['Banana']).then(show);
 * connection.open();
 */
export const autobahn: Readonly<typeof coreMembers> = Object.freeze(coreMembers);
