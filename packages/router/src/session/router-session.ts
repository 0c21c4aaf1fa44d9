import {
  type Dict,
  ErrorUri,
  type EventMessage,
  type FeatureName,
  type GoodbyeMessage,
  type HelloMessage,
  hasFeature,
  type Id,
  nextSequenceId,
  type WampMessage,
} from '@interchange/protocol';
import { type AuthorizationRequest, authorizationRequest, notAuthorized } from '../auth/authorization-request.js';
import type { Principal } from '../auth/principal.js';
import type { AuthStep, SessionAuthentication } from '../auth/session-authentication.js';
import type { TransportAuthConfig } from '../auth/transport-auth.js';
import type { Realm } from '../realm/realm.js';
import type { RealmMember } from '../realm/realm-member.js';
import { type Authorization, DENY } from '../realm/static-authorizer.js';
import type { RouterStats } from '../router-stats.js';
import { anonymousAuthid } from './anonymous-authid.js';
import { shareClientRoles } from './client-roles.js';
import { answerGoodbye } from './goodbye-reply.js';
import { admitHello, checkHello } from './hello-admission.js';
import { authRequestOf, offeredAuthMethods } from './hello-auth-request.js';
import type { Peer, PeerConnection } from './peer.js';
import { admitPrincipal } from './principal-admission.js';
import type { ProtocolViolation } from './protocol-violation.js';
import { type ConnectOptions, type SessionHost, SessionState, type SessionStateValue } from './router-session-types.js';
import { logProtocolViolation, logSessionJoined, logSessionLeft, logSessionRefused } from './session-log.js';
import { routeToRealm } from './session-routing.js';
import { type SessionIdentity, welcomeDetails } from './welcome-details.js';

/** `clientRoles` before HELLO: shared, never mutated. */
const EMPTY_ROLES: Dict = Object.freeze({});
/** The identity options of a transport that gives none: shared, never mutated. */
const NO_OPTIONS: ConnectOptions = Object.freeze({});

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
  /** The router's counters, kept at hand: every message in and out bumps one. */
  readonly #stats: RouterStats;
  readonly #options: ConnectOptions;
  #state: SessionStateValue = SessionState.AWAITING_HELLO;
  #id: Id = 0;
  #authid = '';
  #authrole = '';
  #authmethod = '';
  #authprovider = 'static';
  #authextra: Dict | undefined;
  /** When the session joined its realm (ms since the epoch); 0 until WELCOME. */
  #joinedAt = 0;
  #authentication: SessionAuthentication | undefined;
  /** Messages waiting behind a dynamic authorization in flight, so requests keep their order. */
  #authorizationQueue: WampMessage[] | undefined;
  #realm: Realm | undefined;
  #clientRoles: Dict = EMPTY_ROLES;
  /** The last router-to-client request ID handed out (spec: "IDs", session scope); 0 before the first. */
  #lastRequestId = 0;
  #requestIdsWrapped = false;
  // Made on first use: an idle session should not pay for a promise and its resolver nobody awaits.
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;

  constructor(host: SessionHost, peer: Peer, options: ConnectOptions = NO_OPTIONS) {
    this.#host = host;
    this.#stats = host.stats;
    this.peer = peer;
    this.#options = options;
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
  /** Who authenticated the session: `static` (the config), `dynamic` (an authenticator), `cookie`. */
  get authprovider(): string {
    return this.#authprovider;
  }
  /** `WELCOME.Details.authextra`: what the principal carries for the client, if anything. */
  get authextra(): Dict | undefined {
    return this.#authextra;
  }
  /** When the session joined its realm (WELCOME), as milliseconds since the epoch; 0 before. */
  get joinedAt(): number {
    return this.#joinedAt;
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
    if (this.#closed === undefined) {
      if (this.#state === SessionState.CLOSED) this.#closed = Promise.resolve();
      else this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    }
    return this.#closed;
  }

  /** {@inheritDoc RealmMember.announces} */
  announces(role: string, feature: FeatureName): boolean {
    return hasFeature(this.#clientRoles[role], feature);
  }

  /** {@inheritDoc RealmMember.send} */
  send(message: WampMessage): string | undefined {
    // After its GOODBYE the router sends nothing more (spec: peer state chart, SHUTTING DOWN),
    // such as the late answer of a router procedure to a session that was killed meanwhile.
    if (this.#state === SessionState.CLOSED || this.#state === SessionState.CLOSING) return;
    const stats = this.#stats;
    stats.countSent(message.type);
    if (stats.trace !== undefined) stats.traceMessage(this.#id, message.type, 'message sent');
    try {
      const refused = this.peer.send(message);
      return typeof refused === 'string' ? refused : undefined;
    } catch (error) {
      // Peer.send must not throw; if one does, it must not break the fan-out to other peers.
      this.#host.logger.error({ session: this.#id, err: error }, 'peer.send threw');
    }
  }

  /** {@inheritDoc RealmMember.sendUncounted} */
  sendUncounted(message: WampMessage): string | boolean {
    // As send, without the count: the dealer counts a call's messages (dealer/call-message-count.ts).
    if (this.#state === SessionState.CLOSED || this.#state === SessionState.CLOSING) return false;
    const stats = this.#stats;
    if (stats.trace !== undefined) stats.traceMessage(this.#id, message.type, 'message sent');
    try {
      const refused = this.peer.send(message);
      return typeof refused === 'string' ? refused : true;
    } catch (error) {
      this.#host.logger.error({ session: this.#id, err: error }, 'peer.send threw');
      return true;
    }
  }

  /** {@inheritDoc RealmMember.deliverEvent} */
  deliverEvent(event: EventMessage): boolean {
    // As send, without the count: the broker counts the whole fan-out once (broker/delivery-count.ts).
    if (this.#state === SessionState.CLOSED || this.#state === SessionState.CLOSING) return false;
    const stats = this.#stats;
    if (stats.trace !== undefined) stats.traceMessage(this.#id, 'EVENT', 'message sent');
    try {
      this.peer.send(event);
    } catch (error) {
      this.#host.logger.error({ session: this.#id, err: error }, 'peer.send threw');
    }
    return true;
  }

  /** {@inheritDoc RealmMember.nextRequestId} */
  nextRequestId(): Id {
    const id = nextSequenceId(this.#lastRequestId);
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
    const stats = this.#stats;
    stats.countReceived(message.type);
    if (stats.trace !== undefined) stats.traceMessage(this.#id, message.type, 'message received');
    try {
      this.#dispatch(message);
    } catch (error) {
      // A bug of ours must not take down the router or other sessions; end this one cleanly.
      this.#host.logger.error({ session: this.#id, type: message.type, err: error }, 'failed to process message');
      if (this.#state !== SessionState.CLOSED)
        this.#abort(ErrorUri.PROTOCOL_VIOLATION, `internal error processing ${message.type}`);
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
    if (this.#state === SessionState.AWAITING_HELLO || this.#state === SessionState.AUTHENTICATING) {
      this.#abort(reason, message);
    } else if (this.#state === SessionState.ESTABLISHED) {
      this.send({ type: 'GOODBYE', details, reason });
      // An in-process peer may answer at once, inside send(): then the session has already ended.
      if (this.#state !== SessionState.ESTABLISHED) return;
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
      case SessionState.AUTHENTICATING:
        this.#whileAuthenticating(message);
        break;
      case SessionState.ESTABLISHED:
        this.#established(message);
        break;
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
    if (this.#options.transportAuth !== undefined) {
      this.#startAuthentication(hello, this.#options.transportAuth);
      return;
    }
    const admission = admitHello(hello, this.#host, this.#options.authrole ?? 'anonymous');
    if ('reason' in admission) {
      if (admission.reason === ErrorUri.PROTOCOL_VIOLATION) this.#violation(admission.message);
      else this.#abort(admission.reason, admission.message);
      return;
    }
    // Without authentication configured, the transport's identity applies; an authid the
    // client proposes is not proof of anything and is not taken over.
    this.#clientRoles = shareClientRoles(hello.details.roles as Dict);
    this.#id = this.#host.allocateSessionId();
    this.#establish(admission.realm, {
      authid: this.#options.authid ?? anonymousAuthid(),
      authrole: this.#options.authrole ?? 'anonymous',
      authmethod: this.#options.authmethod ?? 'anonymous',
      authprovider: 'static',
      authextra: undefined,
    });
  }

  /** Joins the realm under `identity` and sends WELCOME. */
  #establish(realm: Realm, identity: SessionIdentity): void {
    const host = this.#host;
    this.#authrole = identity.authrole;
    this.#authid = identity.authid;
    this.#authmethod = identity.authmethod;
    this.#authprovider = identity.authprovider;
    this.#authextra = identity.authextra;
    this.#realm = realm;
    this.#state = SessionState.ESTABLISHED;
    this.#joinedAt = host.clock.now();
    realm.join(this);
    host.sessionEstablished(this);
    this.#stats.joined += 1;
    logSessionJoined(host.logger, this, realm.name);
    this.send({
      type: 'WELCOME',
      session: this.#id,
      details: welcomeDetails(realm.name, identity, host.placement, this.peer.info.peer),
    });
  }

  /**
   * Starts authenticating (spec: advanced "Authentication"): the transport's `auth` config
   * decides which of the client's `authmethods` runs; its answer is WELCOME, CHALLENGE or ABORT.
   */
  #startAuthentication(hello: HelloMessage, config: TransportAuthConfig): void {
    const problem = checkHello(hello, this.#host.shuttingDown);
    if (problem !== undefined) {
      if (problem.reason === ErrorUri.PROTOCOL_VIOLATION) this.#violation(problem.message);
      else this.#abort(problem.reason, problem.message);
      return;
    }
    this.#clientRoles = shareClientRoles(hello.details.roles as Dict);
    this.#id = this.#host.allocateSessionId();
    this.#state = SessionState.AUTHENTICATING;
    const request = authRequestOf(hello, this.#id, this.peer.info, this.#options.transportCredentials ?? {});
    const offered = offeredAuthMethods(hello);
    const authentication = this.#host.auth.begin(config, request, offered, () => {
      if (this.#authentication === authentication)
        this.#abort(ErrorUri.AUTHENTICATION_FAILED, 'Authentication timed out.');
    });
    this.#authentication = authentication;
    this.#authStep(authentication, authentication.start());
  }

  /** Only AUTHENTICATE (or ABORT) may come while the client authenticates. */
  #whileAuthenticating(message: WampMessage): void {
    const authentication = this.#authentication;
    if (message.type === 'ABORT') {
      this.close();
    } else if (message.type === 'AUTHENTICATE' && authentication !== undefined) {
      this.#authStep(authentication, authentication.authenticate(message.signature, message.extra));
    } else {
      this.#violation(`Received ${message.type} message during authentication.`);
    }
  }

  /** Carries out what the authentication decided, now or when it has decided. */
  #authStep(authentication: SessionAuthentication, step: AuthStep | Promise<AuthStep>): void {
    if (step instanceof Promise) {
      step.then(
        (next) => this.#authStep(authentication, next),
        (error: unknown) => {
          this.#host.logger.error({ session: this.#id, err: error }, 'authentication failed unexpectedly');
          this.#authStep(authentication, {
            kind: 'abort',
            reason: ErrorUri.AUTHENTICATION_FAILED,
            message: 'Authentication failed.',
          });
        },
      );
      return;
    }
    // The session may have closed, or moved on, while an authenticator was being asked.
    if (this.#authentication !== authentication || this.#state !== SessionState.AUTHENTICATING) return;
    try {
      switch (step.kind) {
        case 'challenge':
          this.send({ type: 'CHALLENGE', authMethod: step.authMethod, extra: step.extra });
          return;
        case 'welcome':
          this.#welcomePrincipal(authentication, step.principal);
          return;
        case 'abort':
          this.#abort(step.reason, step.message);
          return;
        case 'violation':
          this.#violation(step.message);
          return;
      }
    } catch (error) {
      this.#host.logger.error({ session: this.#id, err: error }, 'failed to complete authentication');
      if ((this.#state as SessionStateValue) !== SessionState.CLOSED)
        this.#abort(ErrorUri.AUTHENTICATION_FAILED, 'Authentication failed.');
    }
  }

  /** The client authenticated as `principal`: joins the principal's realm under its role. */
  #welcomePrincipal(authentication: SessionAuthentication, principal: Principal): void {
    const admission = admitPrincipal(principal, this.#host);
    if ('reason' in admission) {
      this.#abort(admission.reason, admission.message);
      return;
    }
    authentication.welcomed(principal);
    authentication.dispose();
    this.#authentication = undefined;
    this.#establish(admission.realm, { ...principal, authextra: principal.authextra });
  }

  /**
   * An established session's message: decided by the role's dynamic authorizer first when the
   * role has one (advanced "Authorization"), then routed. While a decision is pending, later
   * requests wait behind it so they keep their order; answers to the router's own requests
   * (YIELD, ERROR) and the end of the session do not wait.
   */
  #established(message: WampMessage): void {
    const waitsInLine =
      message.type !== 'YIELD' && message.type !== 'ERROR' && message.type !== 'GOODBYE' && message.type !== 'ABORT';
    if (this.#authorizationQueue !== undefined && waitsInLine) {
      // Bounded (the realm's `limits.authorization_queue`): a session that keeps sending while
      // a slow authorizer decides must not make the router hold its messages without end.
      const realm = this.#realm as Realm;
      if (this.#authorizationQueue.length >= realm.limits.authorizationQueue) {
        realm.offenders.hit('limits.authorization_queue', this, 'too many requests waiting for authorization', {
          bound: realm.limits.authorizationQueue,
        });
        this.#abort(ErrorUri.PROTOCOL_VIOLATION, 'too many requests waiting for a pending authorization');
        return;
      }
      this.#authorizationQueue.push(message);
      return;
    }
    const realm = this.#realm as Realm;
    // The role first: reading the request makes an object, and most roles are static.
    const request =
      realm.authorizer.dynamicAuthorizer(this.#authrole) === undefined ? undefined : authorizationRequest(message);
    if (request !== undefined) {
      const decision = this.#host.auth.authorizer.authorize(realm, this, request.uri, request.action, request.options);
      if (!(decision instanceof Promise)) {
        this.#routeDecided(realm, message, request, decision);
        return;
      }
      this.#authorizationQueue = [];
      // An authorizer that fails denies (advanced "Authorization"); the queue moves on either way.
      void decision.then(
        (decided) => this.#afterDecision(realm, message, request, decided),
        (error: unknown) => {
          this.#host.logger.error({ session: this.#id, err: error }, 'dynamic authorization failed; denying');
          this.#afterDecision(realm, message, request, DENY);
        },
      );
      return;
    }
    const violation = this.#route(message);
    if (violation !== undefined) this.#violation(violation);
  }

  /** A decision that was pending arrived: route the message, then the ones that waited behind it. */
  #afterDecision(realm: Realm, message: WampMessage, request: AuthorizationRequest, decided: Authorization): void {
    if (this.#state !== SessionState.ESTABLISHED || this.#realm !== realm) return;
    try {
      this.#routeDecided(realm, message, request, decided);
      this.#drainAuthorizationQueue();
    } catch (error) {
      this.#host.logger.error({ session: this.#id, err: error }, 'failed to process an authorized message');
      if ((this.#state as SessionStateValue) !== SessionState.CLOSED) {
        this.#abort(ErrorUri.PROTOCOL_VIOLATION, `internal error processing ${message.type}`);
      }
    }
  }

  /** Refuses, or routes with the decision standing in for the role's permissions. */
  #routeDecided(realm: Realm, message: WampMessage, request: AuthorizationRequest, decision: Authorization): void {
    if (!decision.allowed) {
      const error = notAuthorized(message, request);
      if (error !== undefined) this.send(error);
      return;
    }
    const violation = realm.authorizer.withDecision(this.#authrole, request.uri, request.action, decision, () =>
      this.#route(message),
    );
    if (violation !== undefined) this.#violation(violation);
  }

  /** Processes the messages that waited for a decision, until one has to wait again. */
  #drainAuthorizationQueue(): void {
    const queue = this.#authorizationQueue ?? [];
    this.#authorizationQueue = undefined;
    for (let i = 0; i < queue.length; i++) {
      if (this.#state !== SessionState.ESTABLISHED) return;
      this.#established(queue[i] as WampMessage);
      const waiting = this.#authorizationQueue as WampMessage[] | undefined;
      if (waiting !== undefined) {
        waiting.push(...queue.slice(i + 1));
        return;
      }
    }
  }

  /** Hands an established session's message to its realm; returns a protocol violation, if any. */
  #route(message: WampMessage): ProtocolViolation {
    if (message.type === 'GOODBYE') {
      this.#goodbyeReceived(message);
      return undefined;
    }
    if (message.type === 'ABORT') {
      this.close();
      return undefined;
    }
    if (message.type === 'PUBLISH') {
      // Delivery is synchronous: the EVENTs sent meanwhile are this publication's fan-out.
      const stats = this.#stats;
      const before = stats.eventsSent;
      const violation = routeToRealm(this.#realm as Realm, this, message);
      stats.fanout.observe(stats.eventsSent - before);
      return violation;
    }
    return routeToRealm(this.#realm as Realm, this, message);
  }

  /** Answers a client's GOODBYE (goodbye-reply.ts) and closes. */
  #goodbyeReceived(message: GoodbyeMessage): void {
    this.#host.logger.debug({ session: this.#id, reason: message.reason }, 'client said goodbye');
    const reply = answerGoodbye(message, this.#realm, this.#options);
    // Closing before the reply goes out: a peer that answers every GOODBYE, and does so at once
    // (in-process, inside send), then finds the session closing instead of starting the
    // exchange again, whatever reason the reply carries.
    this.#state = SessionState.CLOSING;
    const answer = () => {
      if (this.#state === SessionState.CLOSED) return;
      try {
        this.peer.send(reply);
      } catch (error) {
        this.#host.logger.error({ session: this.#id, err: error }, 'peer.send threw');
      }
      this.close();
    };
    // On a cluster the reply waits until the other nodes no longer route to the session's
    // registrations (realm.ts `leave`): the router's GOODBYE says the procedures are free.
    // Elsewhere it goes first, so the session's last statistics count it (session-stats).
    if (this.#realm?.clustered !== true) {
      answer();
      return;
    }
    const released = this.#leaveRealm();
    if (released === undefined) answer();
    else released.then(answer, answer);
  }

  /**
   * Spec: "Protocol Errors": send ABORT `wamp.error.protocol_violation` with a message, dispose
   * of the session's resources without processing anything further, and drop the transport.
   */
  #violation(reason: string): void {
    this.#stats.violations += 1;
    logProtocolViolation(this.#host.logger, this.#id, this.peer, reason);
    this.#abort(ErrorUri.PROTOCOL_VIOLATION, reason);
  }

  #abort(reason: string, message?: string): void {
    if (this.#state === SessionState.AWAITING_HELLO || this.#state === SessionState.AUTHENTICATING) {
      this.#stats.helloRefused(reason);
      // A violation was logged as such; the message is the router's own text, never a credential.
      if (reason !== ErrorUri.PROTOCOL_VIOLATION) logSessionRefused(this.#host.logger, this.peer, reason, message);
    }
    this.send({ type: 'ABORT', details: message === undefined ? {} : { message }, reason });
    this.close();
  }

  #leaveRealm(): Promise<void> | undefined {
    const realm = this.#realm;
    if (realm === undefined) return undefined;
    this.#realm = undefined;
    this.#stats.left += 1;
    logSessionLeft(this.#host.logger, this, realm.name);
    return realm.leave(this);
  }

  /** Ends the session: leaves the realm, tells the host, settles `closed`. Sends nothing. */
  #finish(): void {
    this.#authentication?.dispose();
    this.#authentication = undefined;
    this.#authorizationQueue = undefined;
    this.#leaveRealm();
    this.#state = SessionState.CLOSED;
    this.#host.sessionClosed(this);
    this.#resolveClosed?.();
  }
}

export { type ConnectOptions, type SessionHost, SessionState, type SessionStateValue } from './router-session-types.js';
