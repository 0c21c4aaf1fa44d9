import type { ErrorMessage, YieldMessage } from '@interchange/protocol';
import type {
  Callee,
  ClusterRealmLink,
  DealerClusterHooks,
  Realm,
  RealmMember,
  RegistrationAdmission,
  RegistrationDetails,
  RegistrationRequest,
} from '@interchange/router';
import { CalleeReleases } from './callee-releases.js';
import type { ClusterContext } from './cluster-context.js';
import type { ClusterHistory } from './cluster-history.js';
import { ClusterMeta } from './cluster-meta.js';
import { ClusterPubSub } from './cluster-pubsub.js';
import { installClusterRegistrationMeta } from './cluster-registration-meta.js';
import { ClusterTestaments } from './cluster-testaments.js';
import { ClusterTurns } from './cluster-turns.js';
import { InvocationRelay } from './invocation-relay.js';
import { ClusterAdmission } from './registration-admission.js';
import { claimKey } from './registration-claims.js';
import { entryOf, type RegistrationEntry, registrationKey } from './registration-entry.js';
import { RegistrationMirror } from './registration-mirror.js';
import { RemoteCallee } from './remote-callee.js';

/** At most this many calls at once wait for the registration table to catch up on a miss. */
const MAX_CATCHING_UP = 64;

/**
 * One realm of this node joined to the realms of the same name on the other nodes: publish and
 * subscribe ({@link ClusterPubSub}), this node's registrations written to the cluster's
 * registration table, the other nodes' registrations mirrored here ({@link RegistrationMirror}),
 * and the calls they route to this node's callees relayed ({@link InvocationRelay}).
 */
export class ClusterRealmConnection implements ClusterRealmLink, DealerClusterHooks {
  readonly #context: ClusterContext;
  readonly #realm: Realm;
  readonly pubsub: ClusterPubSub;
  readonly mirror: RegistrationMirror;
  readonly relay: InvocationRelay;
  readonly meta: ClusterMeta;
  readonly testaments: ClusterTestaments;
  readonly admission: ClusterAdmission;
  readonly turns: ClusterTurns;
  /** Calls waiting for this node to catch up with the registration table (bounded). */
  #catchingUp = 0;
  /** Local sessions with registrations in the table (told to the others when they leave). */
  readonly #callees = new Set<RealmMember>();
  /** Releases of local callees on their way to NATS (UNREGISTERED and GOODBYE wait for them). */
  readonly #releases = new CalleeReleases();

  /** `history`: the realm's event histories on JetStream, when it configures any. */
  constructor(context: ClusterContext, realm: Realm, history?: ClusterHistory) {
    this.#context = context;
    this.#realm = realm;
    this.mirror = new RegistrationMirror(context, realm.name, realm.dealer);
    const mirror = this.mirror;
    this.pubsub = new ClusterPubSub(context, realm.name, realm.broker, (id) => mirror.isRemoteSession(id), history);
    this.relay = new InvocationRelay(context, realm);
    this.meta = new ClusterMeta(context, realm);
    this.testaments = new ClusterTestaments(context, realm);
    this.admission = new ClusterAdmission(context, realm.name, realm.dealer, this.relay);
    this.turns = new ClusterTurns(context, realm.name);
    installClusterRegistrationMeta(realm, this.mirror);
    realm.broker.setClusterHooks(this.pubsub);
    realm.dealer.setClusterHooks(this);
  }

  calleeAdded(registration: RegistrationDetails, callee: Callee): void {
    if (callee.session instanceof RemoteCallee) return;
    this.#callees.add(callee.session);
    const { node } = this.#context;
    const key = registrationKey(this.#realm.name, node, callee.session.id, registration.id);
    void this.#context.putRegistration(key, entryOf(this.#realm.name, node, registration, callee));
  }

  calleeRemoved(registration: RegistrationDetails, session: RealmMember): Promise<void> | undefined {
    if (session instanceof RemoteCallee) return undefined;
    const deleted = this.#context.deleteRegistration(
      registrationKey(this.#realm.name, this.#context.node, session.id, registration.id),
    );
    const released = this.#context.releaseClaim(
      claimKey(this.#realm.name, registration.match, registration.uri),
      session.id,
    );
    this.relay.calleeRemoved(session, registration.id);
    // Another node's registration refused here while this one stood in its way can be mirrored now.
    this.mirror.retryRefused();
    // UNREGISTERED (and the GOODBYE reply of a session that left) waits for both: then every
    // node that catches up no longer routes to the callee, and its claim admits a new REGISTER.
    return this.#releases.add(session, [deleted, released]);
  }

  admit(request: RegistrationRequest): Promise<RegistrationAdmission> | undefined {
    return this.admission.admit(request);
  }

  admitAbandoned(request: RegistrationRequest): void {
    this.admission.abandoned(request);
  }

  callMissed(): Promise<void> | undefined {
    // A flood of calls to procedures nobody registered must not become a flood of NATS requests.
    if (this.#catchingUp >= MAX_CATCHING_UP) return undefined;
    this.#catchingUp++;
    return this.#context.caughtUp().finally(() => {
      this.#catchingUp--;
    });
  }

  turn(
    registration: RegistrationDetails,
    callees: readonly Callee[],
  ): Callee | Promise<Callee | undefined> | undefined {
    return this.turns.turn(registration, callees);
  }

  calleeRevoked(registration: RegistrationDetails, session: RealmMember, reason: string | undefined): void {
    // force_reregister here took over a registration of a callee on another node: that node
    // revokes it (its callee gets UNREGISTERED), and its table entry goes.
    if (session instanceof RemoteCallee) this.mirror.revoke(session, registration.id, reason);
  }

  answered(session: RealmMember, message: YieldMessage | ErrorMessage): boolean {
    return this.relay.answered(session, message);
  }

  sessionLeft(session: RealmMember): Promise<void> | undefined {
    this.relay.sessionLeft(session);
    this.testaments.sessionLeft(session);
    if (this.#callees.delete(session)) this.#context.sessionGone(this.#realm.name, session.id);
    return this.#releases.of(session);
  }

  /** An entry of another node's registrations appeared in the table. */
  tablePut(key: string, entry: RegistrationEntry): void {
    this.mirror.put(key, entry);
  }

  /** An entry of another node's registrations went from the table. */
  tableDelete(key: string): void {
    this.mirror.delete(key);
  }

  /** A message for this realm in this node's inbox. */
  inbox(e: Record<string, unknown>): void {
    if (typeof e.n !== 'string') return;
    if (e.t === 'inv') this.relay.invocation(e.n, e);
    else if (e.t === 'int') this.relay.interrupt(e.n, e);
    else if (e.t === 'ans') this.mirror.answer(e.n, e);
    else if (e.t === 'rev') this.#revoked(e);
  }

  /** Another node took over a registration of a local callee (force_reregister). */
  #revoked(e: Record<string, unknown>): void {
    if (typeof e.s !== 'number' || typeof e.g !== 'number') return;
    const reason = typeof e.why === 'string' ? e.why : undefined;
    try {
      this.#realm.dealer.removeCallee(e.g, e.s, reason);
    } catch {
      this.#realm.dealer.removeCallee(e.g, e.s);
    }
  }

  /** The connection to NATS is lost (see {@link RegistrationMirror.connectionLost}). */
  connectionLost(): void {
    this.mirror.connectionLost();
  }

  /** A node is gone; `elected` when this node is the one to publish its sessions' testaments. */
  nodeDead(node: string, elected: boolean): void {
    this.mirror.nodeDead(node);
    this.relay.nodeDead(node);
    void this.testaments
      .nodeDead(node, elected)
      .catch((error: unknown) => this.#context.logger.error({ err: error, node }, 'testaments of a dead node failed'));
  }

  close(): void {
    this.pubsub.close();
    this.meta.close();
    this.turns.close();
    this.#realm.broker.setClusterHooks(undefined);
    this.#realm.dealer.setClusterHooks(undefined);
  }
}
