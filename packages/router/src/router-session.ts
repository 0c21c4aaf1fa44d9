import {
  CLIENT_ROLES,
  createIdSequence,
  type Dict,
  ErrorUri,
  type FeatureName,
  type GoodbyeMessage,
  hasFeature,
  type HelloMessage,
  type Id,
  isValidUri,
  MessageCode,
  type WampMessage,
} from '@interchange/protocol';
import { anonymousAuthid } from './anonymous-authid.js';
import { BROKER_FEATURES } from './broker.js';
import { DEALER_FEATURES } from './dealer.js';
import type { Logger } from './logger.js';
import { META_DEALER_FEATURES } from './meta-api.js';
import type { Peer, PeerConnection } from './peer.js';
import type { Realm } from './realm.js';
import type { ProtocolViolation } from './protocol-violation.js';
import type { RealmMember } from './realm-member.js';

/**
 * The lifecycle of a router session (spec: basic profile "Sessions", peer state chart):
 * waiting for HELLO, established after WELCOME, closing after the router sent GOODBYE and
 * waits for the reply, closed.
 */
export const SessionState = {
  AWAITING_HELLO: 'awaiting-hello',
  ESTABLISHED: 'established',
  CLOSING: 'closing',
  CLOSED: 'closed',
} as const;
/** One of the {@link SessionState} values. */
export type SessionStateValue = (typeof SessionState)[keyof typeof SessionState];

/** The identity the transport gives a session when the client does not authenticate. */
export interface ConnectOptions {
  /** Defaults to `anonymous`, Crossbar's role for anonymous sessions. */
  authrole?: string;
  /** Defaults to a random authid, as Crossbar gives anonymous sessions. */
  authid?: string;
  /** Defaults to `anonymous`. */
  authmethod?: string;
}

/** What a session needs from its router. */
export interface SessionHost {
  readonly logger: Logger;
  /** Whether the router is shutting down and accepts no new sessions. */
  readonly shuttingDown: boolean;
  /** The realm of this name, created on the fly if the router does that; else undefined. */
  resolveRealm(name: string): Realm | undefined;
  /** A fresh, unused, random session ID. */
  allocateSessionId(): Id;
  /** The session was welcomed. */
  sessionEstablished(session: RouterSession): void;
  /** The session reached its end. */
  sessionClosed(session: RouterSession): void;
}

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
 * One WAMP session on the router side: the state machine from HELLO to GOODBYE, handing each
 * established message to its realm's broker or dealer. Sans-IO: it reads typed messages from
 * the transport (as a {@link PeerConnection}) and writes typed messages to its {@link Peer}.
 *
 * Bad input never throws out of it: it becomes an ERROR or an ABORT for this peer only.
 */
export class RouterSession implements PeerConnection, RealmMember {
  readonly peer: Peer;
  readonly #host: SessionHost;
  readonly #options: ConnectOptions;
  #state: SessionStateValue = SessionState.AWAITING_HELLO;
  #id: Id = 0;
  #authid = '';
  #authrole = '';
  #authmethod = '';
  #realm: Realm | undefined;
  #clientRoles: Dict = {};
  readonly #requestIds = createIdSequence();
  #lastRequestId = 0;
  #requestIdsWrapped = false;
  readonly #closed: Promise<void>;
  #resolveClosed!: () => void;

  constructor(host: SessionHost, peer: Peer, options: ConnectOptions = {}) {
    this.#host = host;
    this.peer = peer;
    this.#options = options;
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  /** The WAMP session ID; 0 until WELCOME. */
  get id(): Id {
    return this.#id;
  }
  /** The authenticated identity; '' until WELCOME. */
  get authid(): string {
    return this.#authid;
  }
  /** The role permissions are checked against; '' until WELCOME. */
  get authrole(): string {
    return this.#authrole;
  }
  /** How the session was authenticated (`anonymous` by default); '' until WELCOME. */
  get authmethod(): string {
    return this.#authmethod;
  }
  /** Who authenticated the session: `static`, the router's own configuration. */
  get authprovider(): string {
    return 'static';
  }
  /** Where the session is in its lifecycle. */
  get state(): SessionStateValue {
    return this.#state;
  }
  /** The realm the session joined, once established. */
  get realm(): Realm | undefined {
    return this.#realm;
  }
  /** `HELLO.Details.roles` as the client announced them. */
  get clientRoles(): Dict {
    return this.#clientRoles;
  }
  /** Settles when the session is closed, however it ended. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** {@inheritDoc RealmMember.announces} */
  announces(role: string, feature: FeatureName): boolean {
    return hasFeature(this.#clientRoles[role], feature);
  }

  /** {@inheritDoc RealmMember.send} */
  send(message: WampMessage): void {
    // After its GOODBYE the router sends nothing more (spec: peer state chart, SHUTTING DOWN),
    // such as the late answer of a router procedure to a session that was killed meanwhile.
    if (this.#state === SessionState.CLOSED || this.#state === SessionState.CLOSING) return;
    try {
      this.peer.send(message);
    } catch (error) {
      // Peer.send must not throw; if one does, it must not break the fan-out to other peers.
      this.#host.logger.error({ session: this.#id, err: error }, 'peer.send threw');
    }
  }

  /** {@inheritDoc RealmMember.nextRequestId} */
  nextRequestId(): Id {
    const id = this.#requestIds();
    if (id <= this.#lastRequestId) this.#requestIdsWrapped = true;
    this.#lastRequestId = id;
    return id;
  }

  /** {@inheritDoc RealmMember.hasIssuedRequestId} */
  hasIssuedRequestId(id: Id): boolean {
    return this.#requestIdsWrapped || (id >= 1 && id <= this.#lastRequestId);
  }

  /** {@inheritDoc PeerConnection.receive} */
  receive(message: WampMessage): void {
    try {
      this.#dispatch(message);
    } catch (error) {
      // A bug of ours must not take down the router or other sessions; end this one cleanly.
      this.#host.logger.error({ session: this.#id, type: message.type, err: error }, 'failed to process message');
      if (this.#state !== SessionState.CLOSED) this.#abort(ErrorUri.PROTOCOL_VIOLATION, `internal error processing ${message.type}`);
    }
  }

  /** {@inheritDoc PeerConnection.protocolViolation} */
  protocolViolation(reason: string): void {
    if (this.#state === SessionState.CLOSED) return;
    this.#violation(reason);
  }

  /** {@inheritDoc PeerConnection.transportClosed} */
  transportClosed(): void {
    if (this.#state === SessionState.CLOSED) return;
    this.#host.logger.debug({ session: this.#id }, 'transport closed');
    this.#finish();
  }

  /**
   * Starts the closing handshake from the router side: sends GOODBYE and leaves the realm at
   * once; the peer is closed when the client's GOODBYE arrives (or by {@link close}).
   * Sessions not yet established are aborted with the same reason instead.
   */
  goodbye(reason: string, message?: string): void {
    const details: Dict = message === undefined ? {} : { message };
    if (this.#state === SessionState.AWAITING_HELLO) {
      this.#abort(reason, message);
    } else if (this.#state === SessionState.ESTABLISHED) {
      this.send({ type: 'GOODBYE', details, reason });
      this.#state = SessionState.CLOSING;
      this.#leaveRealm();
    }
  }

  /** Closes the transport now, without a handshake (e.g. when a GOODBYE reply is overdue). */
  close(): void {
    if (this.#state === SessionState.CLOSED) return;
    this.#finish();
    try {
      this.peer.close();
    } catch (error) {
      this.#host.logger.error({ session: this.#id, err: error }, 'peer.close threw');
    }
  }

  #dispatch(message: WampMessage): void {
    switch (this.#state) {
      case SessionState.AWAITING_HELLO:
        this.#beforeWelcome(message);
        break;
      case SessionState.ESTABLISHED: {
        const violation = this.#route(message);
        if (violation !== undefined) this.#violation(violation);
        break;
      }
      case SessionState.CLOSING:
        // Spec: peer state chart, SHUTTING DOWN: "Received other / ignore" until the GOODBYE.
        if (message.type === 'GOODBYE' || message.type === 'ABORT') this.close();
        break;
      case SessionState.CLOSED:
        break;
    }
  }

  #beforeWelcome(message: WampMessage): void {
    if (message.type === 'HELLO') {
      this.#hello(message);
    } else if (message.type === 'ABORT') {
      // "No response to an ABORT message is expected" (spec: "ABORT").
      this.close();
    } else {
      // Spec: "The HELLO message MUST be the very first message sent by the Client"; "Protocol
      // Errors" lists e.g. GOODBYE or ERROR before the session was established.
      this.#violation(`Received ${message.type} message before HELLO.`);
    }
  }

  #hello(hello: HelloMessage): void {
    const admission = this.#admit(hello);
    if ('reason' in admission) {
      if (admission.reason === ErrorUri.PROTOCOL_VIOLATION) this.#violation(admission.message);
      else this.#abort(admission.reason, admission.message);
      return;
    }
    const host = this.#host;
    const { realm } = admission;
    // Without authentication configured, the transport's identity applies; an authid the
    // client proposes is not proof of anything and is not taken over.
    const authrole = this.#options.authrole ?? 'anonymous';
    this.#authrole = authrole;
    this.#authid = this.#options.authid ?? anonymousAuthid();
    this.#authmethod = this.#options.authmethod ?? 'anonymous';
    this.#clientRoles = hello.details.roles as Dict;
    this.#id = host.allocateSessionId();
    this.#realm = realm;
    this.#state = SessionState.ESTABLISHED;
    realm.join(this);
    host.sessionEstablished(this);
    host.logger.debug({ session: this.#id, realm: realm.name, authid: this.#authid, authrole }, 'session joined');
    this.send({
      type: 'WELCOME',
      session: this.#id,
      details: {
        realm: realm.name,
        authid: this.#authid,
        authrole,
        authmethod: this.#authmethod,
        authprovider: this.authprovider,
        // Spec: "Router: Role and Feature Announcement": exactly the features that work.
        roles: {
          broker: { features: { ...BROKER_FEATURES } },
          dealer: { features: { ...DEALER_FEATURES, ...META_DEALER_FEATURES } },
        },
      },
    });
  }

  /** The realm a HELLO joins, or why it cannot be welcomed (the ABORT reason and message). */
  #admit(hello: HelloMessage): { realm: Realm } | { reason: string; message: string } {
    if (this.#host.shuttingDown) return { reason: ErrorUri.SYSTEM_SHUTDOWN, message: 'The router is shutting down.' };
    // Spec: "Client: Role and Feature Announcement": a client "must support at least one role".
    const roles = hello.details.roles;
    if (!isDict(roles) || !CLIENT_ROLES.some((role) => isDict(roles[role]))) {
      return {
        reason: ErrorUri.PROTOCOL_VIOLATION,
        message: 'HELLO.Details.roles must announce at least one of caller, callee, publisher, subscriber.',
      };
    }
    if (!isValidUri(hello.realm)) return { reason: ErrorUri.INVALID_URI, message: `Invalid realm URI '${hello.realm}'.` };
    const realm = this.#host.resolveRealm(hello.realm);
    if (realm === undefined) {
      return { reason: ErrorUri.NO_SUCH_REALM, message: `The realm '${hello.realm}' does not exist.` };
    }
    const authrole = this.#options.authrole ?? 'anonymous';
    if (!realm.authorizer.hasRole(authrole)) {
      return { reason: ErrorUri.NO_SUCH_ROLE, message: `The role '${authrole}' does not exist on realm '${realm.name}'.` };
    }
    return { realm };
  }

  /** Hands an established session's message to its realm; returns a protocol violation, if any. */
  #route(message: WampMessage): ProtocolViolation {
    const realm = this.#realm as Realm;
    switch (message.type) {
      case 'SUBSCRIBE':
        return realm.broker.subscribe(this, message);
      case 'UNSUBSCRIBE':
        return realm.broker.unsubscribe(this, message);
      case 'PUBLISH':
        return realm.broker.publish(this, message);
      case 'REGISTER':
        return realm.dealer.register(this, message);
      case 'UNREGISTER':
        return realm.dealer.unregister(this, message);
      case 'CALL':
        return realm.dealer.call(this, message);
      case 'YIELD':
        return realm.dealer.yield(this, message);
      case 'ERROR':
        // Spec: "Protocol Errors": "Receiving ERROR message with invalid REQUEST.Type". A client
        // only answers the router's requests, and in this router those are INVOCATIONs.
        if (message.requestType !== MessageCode.INVOCATION) {
          return `Received ERROR with request type ${message.requestType}; a client only sends ERROR for INVOCATION.`;
        }
        return realm.dealer.invocationError(this, message);
      case 'CANCEL':
        return realm.dealer.cancel(this, message);
      case 'GOODBYE':
        this.#goodbyeReceived(message);
        return undefined;
      case 'ABORT':
        this.close();
        return undefined;
      case 'HELLO':
        return 'Received HELLO message after session was established.';
      case 'AUTHENTICATE':
        return 'Received AUTHENTICATE message after session was established.';
      default:
        if (ROUTER_TO_CLIENT.has(message.type)) return `Received ${message.type} message, which only a router sends.`;
        return `Received unexpected ${(message as WampMessage).type} message.`;
    }
  }

  /** Spec: "GOODBYE": the receiving peer replies `wamp.close.goodbye_and_out`. */
  #goodbyeReceived(message: GoodbyeMessage): void {
    this.#host.logger.debug({ session: this.#id, reason: message.reason }, 'client said goodbye');
    this.send({ type: 'GOODBYE', details: {}, reason: ErrorUri.GOODBYE_AND_OUT });
    this.close();
  }

  /**
   * Spec: "Protocol Errors": send ABORT `wamp.error.protocol_violation` with a message, dispose
   * of the session's resources without processing anything further, and drop the transport.
   */
  #violation(reason: string): void {
    this.#host.logger.warn({ session: this.#id, reason }, 'protocol violation');
    this.#abort(ErrorUri.PROTOCOL_VIOLATION, reason);
  }

  #abort(reason: string, message?: string): void {
    this.send({ type: 'ABORT', details: message === undefined ? {} : { message }, reason });
    this.close();
  }

  #leaveRealm(): void {
    const realm = this.#realm;
    if (realm === undefined) return;
    this.#realm = undefined;
    realm.leave(this);
  }

  /** Ends the session: leaves the realm, tells the host, settles `closed`. Sends nothing. */
  #finish(): void {
    this.#leaveRealm();
    this.#state = SessionState.CLOSED;
    this.#host.sessionClosed(this);
    this.#resolveClosed();
  }
}

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
