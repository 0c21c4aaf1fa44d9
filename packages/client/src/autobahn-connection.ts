import { AutobahnSession } from './autobahn-session.js';
import { ConnectionBase, type ConnectionOptions } from './connection.js';
import type { Session } from './session.js';

/**
 * `autobahn.Connection`: the typed `Connection`'s reconnect machinery, handing Autobahn-style
 * sessions to `onopen` and `onchallenge`.
 *
 * @example
 * var connection = new autobahn.Connection({ url: 'ws://127.0.0.1:8080/ws', realm: 'votesapp' });
 * connection.onopen = function (session, details) {
 *   session.subscribe('com.example.votedemo.on_vote', updateVotes);
 * };
 * connection.open();
 */
export class AutobahnConnection extends ConnectionBase<AutobahnSession> {
  constructor(options: ConnectionOptions<AutobahnSession>) {
    super(options);
  }

  protected wrap(session: Session): AutobahnSession {
    return new AutobahnSession(session);
  }

  /** Autobahn|JS ends on any GOODBYE, `wamp.close.system_shutdown` included. */
  protected override retriesOnSystemShutdown(): boolean {
    return false;
  }
}
