import { type Id, InvalidArgumentError, isValidUri } from '@interchange/protocol';
import { Broker } from './broker.js';
import { Dealer } from './dealer.js';
import { type Logger, silentLogger } from './logger.js';
import type { RealmConfig } from './realm-config.js';
import type { RealmMember } from './realm-member.js';
import { StaticAuthorizer } from './static-authorizer.js';

/**
 * A realm: a routing and administrative domain with its own broker, dealer and sessions
 * (spec: basic profile "Realms, Sessions and Transports"). Sessions of different realms never
 * see each other's topics or procedures.
 *
 * @example
 * const realm = router.addRealm({ name: 'realm1' });
 * realm.sessionCount; // 0
 */
export class Realm {
  readonly name: string;
  readonly authorizer: StaticAuthorizer;
  readonly broker: Broker;
  readonly dealer: Dealer;
  readonly #sessions = new Map<Id, RealmMember>();

  /**
   * @throws InvalidArgumentError when the realm name is not a valid URI or a role is malformed.
   */
  constructor(config: RealmConfig, options: { logger?: Logger } = {}) {
    // Spec: "Incorrect URIs" names the realm among the URI-valued attributes.
    if (typeof config.name !== 'string' || !isValidUri(config.name)) {
      throw new InvalidArgumentError(`realm name '${String(config.name)}' is not a valid URI`);
    }
    const logger = options.logger ?? silentLogger;
    this.name = config.name;
    this.authorizer = new StaticAuthorizer(config.roles);
    this.broker = new Broker({ authorizer: this.authorizer, logger });
    this.dealer = new Dealer({ authorizer: this.authorizer, logger });
  }

  /** Number of sessions attached to this realm. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** The attached session with this ID, if any. */
  session(id: Id): RealmMember | undefined {
    return this.#sessions.get(id);
  }

  /** The attached sessions. */
  sessions(): IterableIterator<RealmMember> {
    return this.#sessions.values();
  }

  /** Attaches an established session. */
  join(session: RealmMember): void {
    this.#sessions.set(session.id, session);
  }

  /**
   * Detaches a session and disposes of everything it held: subscriptions, registrations, and
   * the calls in flight to and from it.
   */
  leave(session: RealmMember): void {
    if (this.#sessions.get(session.id) !== session) return;
    this.#sessions.delete(session.id);
    this.broker.removeSession(session);
    this.dealer.removeSession(session);
  }
}
