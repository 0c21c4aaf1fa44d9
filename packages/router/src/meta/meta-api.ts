import { type Id, RpcFeature, type RpcFeatureName } from '@interchange/protocol';
import type { Broker } from '../broker/broker.js';
import { installTestamentMetaApi, Testaments } from '../broker/testaments.js';
import type { Dealer } from '../dealer/dealer.js';
import type { Logger } from '../logger.js';
import type { RealmMember } from '../realm/realm-member.js';
import type { StaticAuthorizer } from '../realm/static-authorizer.js';
import { CROSSBAR_DIALECT, type WampDialect } from '../realm/wamp-dialect.js';
import { installRegistrationMetaApi } from './meta-registrations.js';
import { installSessionMetaApi, type JoinedSession, sessionDetails } from './meta-sessions.js';
import { installSubscriptionMetaApi } from './meta-subscriptions.js';
import type { RouterProcedures } from './router-procedures.js';

/**
 * The dealer features the meta API brings, announced in `WELCOME.Details.roles.dealer` beside
 * the dealer's own: `registration_meta_api` ("Registration Meta API"), `session_meta_api` (which
 * "MUST be announced by both Dealers and Brokers") and `testament_meta_api` ("Session
 * Testament": "MUST be announced by Dealers"; Crossbar announces it on the dealer only).
 */
export const META_DEALER_FEATURES: Readonly<Partial<Record<RpcFeatureName, true>>> = Object.freeze({
  [RpcFeature.REGISTRATION_META_API]: true,
  [RpcFeature.SESSION_META_API]: true,
  [RpcFeature.TESTAMENT_META_API]: true,
});

/** What the meta API needs from its realm. */
export interface MetaApiContext {
  readonly broker: Broker;
  readonly dealer: Dealer;
  readonly procedures: RouterProcedures;
  readonly authorizer: StaticAuthorizer;
  readonly logger: Logger;
  /** The shape of `wamp.session.on_leave`; Crossbar's when absent (see wamp-dialect.ts). */
  readonly dialect?: Pick<WampDialect, 'sessionOnLeave'>;
  session(id: Id): JoinedSession | undefined;
  sessions(): Iterable<JoinedSession>;
}

/**
 * The WAMP meta API of one realm (advanced profile "Meta API"): the session, subscription,
 * registration and testament meta procedures, registered as router procedures, and the meta
 * events, which the router publishes itself to the realm's subscribers of the `wamp.` topics.
 * Who may call or subscribe is the realm's permissions' business, as for any URI.
 *
 * The realm tells it when sessions join and leave.
 */
export class MetaApi {
  readonly #broker: Broker;
  readonly #testaments: Testaments;
  readonly #specOnLeave: boolean;
  /** Sessions being closed by `kill_all`, whose leaving raises no meta event and no testament. */
  readonly #silenced = new Set<RealmMember>();

  constructor(context: MetaApiContext) {
    this.#broker = context.broker;
    this.#specOnLeave = (context.dialect ?? CROSSBAR_DIALECT).sessionOnLeave === 'spec';
    this.#testaments = new Testaments(context.broker, context.logger);
    installSubscriptionMetaApi(context);
    installRegistrationMetaApi(context);
    installSessionMetaApi({
      procedures: context.procedures,
      session: (id) => context.session(id),
      sessions: () => context.sessions(),
      killSilently: (sessions, reason, message) => {
        for (const session of sessions) this.#silenced.add(session);
        for (const session of sessions) session.goodbye(reason, message);
      },
    });
    installTestamentMetaApi(context.procedures, context.broker, this.#testaments);
  }

  /** A session joined: `wamp.session.on_join` with its details (spec: "Session Meta API", "Events"). */
  sessionJoined(session: JoinedSession): void {
    this.#broker.publishMetaEvent('wamp.session.on_join', () => [sessionDetails(session)]);
  }

  /**
   * A session left the realm, however it ended, after its subscriptions and registrations are
   * gone (so it receives nothing of its own leaving): its testaments are published, then
   * `wamp.session.on_leave`. Its arguments are `[session]` as Crossbar sends them (Python
   * handlers written for Crossbar take exactly one), or in the realm's `spec` dialect
   * `[session, authid, authrole]` (spec: "wamp.session.on_leave": "three positional
   * arguments"). A session closed by `kill_all` raises neither (spec: "wamp.session.kill_all":
   * "will not generate session meta events or testament events").
   */
  sessionLeft(session: JoinedSession): void {
    if (this.#silenced.delete(session)) {
      this.#testaments.discard(session);
      return;
    }
    this.#testaments.publish(session);
    this.#broker.publishMetaEvent('wamp.session.on_leave', () =>
      this.#specOnLeave ? [session.id, session.authid, session.authrole] : [session.id],
    );
  }
}
