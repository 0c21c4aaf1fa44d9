import {
  type AbortMessage,
  ApplicationError,
  type ChallengeMessage,
  type Clock,
  createIdSequence,
  type Dict,
  type ErrorMessage,
  ErrorUri,
  type FeatureName,
  InvalidArgumentError,
  SessionClosedError,
  systemClock,
  type TimerHandle,
  TransportError,
  type WampMessage,
} from '@interchange/protocol';
import { type ClientAuthentication, checkAuthOptions, createClientAuthentication } from './auth-options.js';
import type { RegisterOptions } from './callee.js';
import type {
  CallOptions,
  ProgressiveCall,
  ProgressiveCallOptions,
  StreamingCall,
  StreamingCallOptions,
} from './caller.js';
import { asyncDispose } from './dispose.js';
import type { Publication } from './event.js';
import { CLIENT_ROLES, type RouterRoleName, routerHasFeature } from './features.js';
import { type Logger, silentLogger } from './logger.js';
import type { MetaApi } from './meta-api.js';
import { createMetaApi } from './meta-registry.js';
import { isOptionsObject, isPlainDict } from './payload.js';
import type { PublishOptions } from './publisher.js';
import type { ProcedureHandler, Registration } from './registration.js';
import type { CallResult } from './result.js';
import type { SessionContext } from './session-context.js';
import { SessionRoles } from './session-roles.js';
import {
  CANNOT_AUTHENTICATE_REASON,
  type Challenge,
  normalizeChallengeResponse,
  type SessionCloseInfo,
  type SessionOptions,
  type SessionState,
  TRANSPORT_LOST_REASON,
} from './session-types.js';
import type { SubscribeOptions } from './subscriber.js';
import type { EventHandler, Subscription } from './subscription.js';
import type { ClientTransport, TransportCloseInfo } from './transport.js';
import { checkUri } from './uri-check.js';

type CloseCause = Omit<SessionCloseInfo, 'transport' | 'wasEstablished'>;

/**
 * A WAMP session over one transport: join a realm, then call, register, subscribe and publish
 * (spec: basic "Sessions"). One session per transport; its end closes the transport.
 *
 * @example
 * const transport = await connectWebSocket({ url: 'ws://127.0.0.1:8080/ws' });
 * const session = new Session(transport, { realm: 'realm1' });
 * await session.join();
 * const { args } = await session.call('com.example.add', [2, 3]);
 * await session.leave();
 */
export class Session implements AsyncDisposable {
  /** The transport this session runs on. */
  readonly transport: ClientTransport;
  /** Resolves once the session has ended and its transport has closed; never rejects. */
  readonly closed: Promise<SessionCloseInfo>;

  readonly #options: SessionOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #roles: SessionRoles;
  readonly #resolveClosed: (info: SessionCloseInfo) => void;
  #state: SessionState = 'idle';
  #id: number | undefined;
  #welcome: Dict | undefined;
  #join: { resolve: (details: Dict) => void; reject: (error: unknown) => void } | undefined;
  #closeCause: (CloseCause & { wasEstablished: boolean }) | undefined;
  #transportClose: TransportCloseInfo | undefined;
  #leaveTimer: TimerHandle | undefined;
  #auth: ClientAuthentication | undefined;
  #meta: MetaApi | undefined;

  constructor(transport: ClientTransport, options: SessionOptions) {
    if (!isOptionsObject(options)) throw new InvalidArgumentError('Session: options must be an object');
    checkUri('Session: realm', options.realm);
    if (
      options.authmethods !== undefined &&
      !(Array.isArray(options.authmethods) && options.authmethods.every((m) => typeof m === 'string'))
    ) {
      throw new InvalidArgumentError('Session: authmethods must be an array of strings');
    }
    if (options.authid !== undefined && typeof options.authid !== 'string') {
      throw new InvalidArgumentError('Session: authid must be a string');
    }
    if (options.authextra !== undefined && !isPlainDict(options.authextra)) {
      throw new InvalidArgumentError('Session: authextra must be an object');
    }
    if (options.auth !== undefined) checkAuthOptions(options.auth);
    this.transport = transport;
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? systemClock;
    let resolveClosed!: (info: SessionCloseInfo) => void;
    this.closed = new Promise<SessionCloseInfo>((resolve) => {
      resolveClosed = resolve;
    });
    this.#resolveClosed = resolveClosed;

    const nextRequestId = createIdSequence();
    const ctx: SessionContext = {
      logger: this.#logger,
      clock: this.#clock,
      nextRequestId,
      send: (message) => this.#send(message),
      assertEstablished: () => {
        if (this.#state !== 'established') throw this.#notOpenError();
      },
      routerHasFeature: (role, feature) => this.routerHasFeature(role, feature),
      protocolViolation: (message) => this.#protocolViolation(message),
    };
    this.#roles = new SessionRoles(ctx);

    transport.attach({
      onMessage: (message) => this.#receive(message),
      onProtocolError: (error) => this.#protocolViolation(error.message),
      onClose: (info) => this.#onTransportClose(info),
    });
  }

  /** The session ID from WELCOME; `undefined` before the join and after the close. */
  get id(): number | undefined {
    return this.#id;
  }

  /** The realm this session joins. */
  get realm(): string {
    return this.#options.realm;
  }

  get state(): SessionState {
    return this.#state;
  }

  /** Whether the session is established (joined and not closing). */
  get isOpen(): boolean {
    return this.#state === 'established';
  }

  /** WELCOME.Details: `authid`, `authrole`, `authmethod`, router `roles`, ...; `undefined` before the join. */
  get details(): Dict | undefined {
    return this.#welcome;
  }

  /** Whether the router announced `feature` for `role` in WELCOME (spec: advanced "Feature Announcement"). */
  routerHasFeature(role: RouterRoleName, feature: FeatureName): boolean {
    return this.#welcome !== undefined && routerHasFeature(this.#welcome, role, feature);
  }

  /**
   * Sends HELLO and resolves with WELCOME.Details once the router welcomes the session
   * (spec: basic "Session Establishment"). Rejects with `ApplicationError` (the ABORT reason as
   * `uri`) when the router refuses, and with `SessionClosedError` when the transport closes first.
   *
   * @throws InvalidArgumentError when called twice.
   */
  join(): Promise<Dict> {
    if (this.#state !== 'idle') throw new InvalidArgumentError(`join: session is ${this.#state}, not idle`);
    const details: Dict = { roles: CLIENT_ROLES, agent: this.#options.agent ?? 'Interchange client' };
    // A fresh authentication per join: SCRAM nonces and cryptosign challenges are never reused.
    const auth =
      this.#options.auth === undefined
        ? undefined
        : createClientAuthentication(this.#options.auth, this.#options.authid);
    this.#auth = auth;
    const authmethods = this.#options.authmethods ?? auth?.authmethods;
    const authid = this.#options.authid ?? auth?.authid;
    const authextra =
      auth?.authextra === undefined ? this.#options.authextra : { ...auth.authextra, ...this.#options.authextra };
    if (authmethods !== undefined) details['authmethods'] = authmethods;
    if (authid !== undefined) details['authid'] = authid;
    if (authextra !== undefined) details['authextra'] = authextra;
    this.#state = 'joining';
    const joined = new Promise<Dict>((resolve, reject) => {
      this.#join = { resolve, reject };
    });
    this.#send({ type: 'HELLO', realm: this.#options.realm, details });
    return joined;
  }

  /**
   * Calls a procedure (spec: basic "Calling and Invocations").
   *
   * Rejects with `ApplicationError` when the callee or router answers ERROR, `SessionClosedError`
   * when the session ends first, `CanceledError` when `options.signal` aborts, `TimeoutError`
   * when `options.timeout` passes.
   *
   * @throws InvalidArgumentError at once for an invalid URI, args or options.
   * @example
   * const { args: [sum] } = await session.call('com.example.add', [2, 3], { timeout: 1000 });
   */
  call(procedure: string, args?: unknown[], options: CallOptions = {}): Promise<CallResult> {
    return this.#roles.caller.call(procedure, args, options);
  }

  /**
   * Calls a procedure that may answer with progressive results
   * (spec: advanced "Progressive Call Results"); see {@link ProgressiveCall}.
   *
   * @throws InvalidArgumentError at once for an invalid URI, args or options.
   */
  callProgressive(procedure: string, args?: unknown[], options: ProgressiveCallOptions = {}): ProgressiveCall {
    return this.#roles.caller.callProgressive(procedure, args, options);
  }

  /**
   * Calls a procedure with its input in chunks (spec: advanced "Progressive Call Invocations"):
   * `send` each chunk, then `end`; see {@link StreamingCall}. The callee's handler reads the
   * chunks from `invocation.input`.
   *
   * @throws InvalidArgumentError at once for an invalid URI or options.
   * @example
   * const upload = session.callStreaming('com.example.upload', { timeout: 30_000 });
   * for (const part of parts) upload.send([part]);
   * const { args: [stored] } = await upload.end();
   */
  callStreaming(procedure: string, options: StreamingCallOptions = {}): StreamingCall {
    return this.#roles.caller.callStreaming(procedure, options);
  }

  /**
   * Typed helpers over the router's meta API (spec: advanced "Meta API"): `meta.sessions`,
   * `meta.registrations`, `meta.subscriptions`, `meta.on(topic, handler)` for meta events, and
   * the testament procedures; see {@link MetaApi}. Needs `@interchange/client/meta` with the
   * core entry point (meta-registry.ts).
   *
   * @example
   * const ids = await session.meta.sessions.list();
   */
  get meta(): MetaApi {
    this.#meta ??= createMetaApi(this);
    return this.#meta;
  }

  /**
   * Registers a procedure (spec: basic "Registering and Unregistering"); see
   * {@link ProcedureHandler} for how the handler's result or error is answered.
   *
   * @throws InvalidArgumentError at once for an invalid URI, handler or options.
   * @example
   * await session.register('com.example.add', ({ args: [a, b] }) => Number(a) + Number(b));
   */
  register(procedure: string, handler: ProcedureHandler, options: RegisterOptions = {}): Promise<Registration> {
    return this.#roles.callee.register(procedure, handler, options);
  }

  /**
   * Subscribes to a topic (spec: basic "Subscribing and Unsubscribing"). Without a handler the
   * subscription is an async iterable of events; see {@link Subscription}.
   *
   * @throws InvalidArgumentError at once for an invalid URI, handler or options.
   * @example
   * await session.subscribe('com.example.on_vote', (event) => render(event.args[0]));
   */
  subscribe(topic: string, handler?: EventHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    return this.#roles.subscriber.subscribe(topic, handler, options);
  }

  /**
   * Publishes an event (spec: basic "Publishing and Events"). Resolves at once with `undefined`,
   * or with the `Publication` once the broker acknowledged when `options.acknowledge` is set.
   *
   * @throws InvalidArgumentError at once for an invalid URI, args or options.
   * @example
   * await session.publish('com.example.on_vote', [{ subject: 'banana', votes: 3 }]);
   */
  publish(topic: string, args?: unknown[], options: PublishOptions = {}): Promise<Publication | undefined> {
    return this.#roles.publisher.publish(topic, args, options);
  }

  /**
   * Leaves the realm: GOODBYE, then the router's GOODBYE, then the transport closes
   * (spec: basic "Session Closing"). Before the join completes, it aborts the join instead.
   * Resolves with the close info; calling it again returns the same.
   *
   * @param reason the GOODBYE reason URI; default `wamp.close.normal`.
   * @throws InvalidArgumentError at once for an invalid reason URI.
   */
  leave(reason: string = ErrorUri.NORMAL, options: { message?: string } = {}): Promise<SessionCloseInfo> {
    checkUri('leave: reason', reason);
    const details: Dict = options.message === undefined ? {} : { message: options.message };
    switch (this.#state) {
      case 'established':
        this.#state = 'closing';
        this.#send({ type: 'GOODBYE', details, reason });
        this.#leaveTimer = this.#clock.setTimeout(() => {
          this.#leaveTimer = undefined;
          this.#logger.warn({ reason }, 'no GOODBYE reply from the router; closing the transport');
          this.#finish({ kind: 'goodbye', initiator: 'client', reason, message: options.message, details });
        }, this.#options.leaveTimeout ?? 5000);
        break;
      case 'joining':
        this.#send({ type: 'ABORT', details, reason });
        this.#finish({ kind: 'abort', initiator: 'client', reason, message: options.message, details });
        break;
      case 'idle':
        this.#finish({ kind: 'abort', initiator: 'client', reason, message: options.message, details });
        break;
      default:
        break;
    }
    return this.closed;
  }

  /** `await using session = ...` leaves the realm at scope exit. */
  async [asyncDispose](): Promise<void> {
    await this.leave();
  }

  #receive(message: WampMessage): void {
    switch (this.#state) {
      case 'joining':
        this.#receiveWhileJoining(message);
        return;
      case 'established':
        this.#receiveEstablished(message);
        return;
      case 'closing':
        this.#receiveWhileClosing(message);
        return;
      case 'idle':
        this.#protocolViolation(`received ${message.type} before HELLO was sent`);
        return;
      default:
        return; // closed: whatever still arrives is dropped
    }
  }

  #receiveWhileJoining(message: WampMessage): void {
    switch (message.type) {
      case 'WELCOME': {
        // Mutual authentication (e.g. WAMP-SCRAM's verifier): a router that cannot prove itself is left.
        const unproven = this.#auth?.checkWelcome(message.details);
        if (unproven !== undefined) {
          this.#abortJoin(unproven, undefined);
          return;
        }
        this.#id = message.session;
        this.#welcome = message.details;
        this.#state = 'established';
        const join = this.#join;
        this.#join = undefined;
        this.#logger.debug({ session: message.session, realm: this.realm }, 'session established');
        join?.resolve(message.details);
        return;
      }
      case 'ABORT':
        this.#finish(abortCause(message, 'router'));
        return;
      case 'CHALLENGE':
        this.#answerChallenge(message);
        return;
      default:
        this.#protocolViolation(`received ${message.type} while joining`);
    }
  }

  #receiveEstablished(message: WampMessage): void {
    if (message.type === 'ABORT') {
      this.#finish(abortCause(message, 'router'));
      return;
    }
    if (message.type === 'GOODBYE') {
      // Spec: basic "GOODBYE": the receiving peer replies, then the session is over.
      this.#send({ type: 'GOODBYE', details: {}, reason: ErrorUri.GOODBYE_AND_OUT });
      this.#finish({
        kind: 'goodbye',
        initiator: 'router',
        reason: message.reason,
        message: messageOf(message.details),
        details: message.details,
      });
      return;
    }
    const handled = this.#roles.dispatch(message);
    if (handled === 'unexpected') {
      // WELCOME, CHALLENGE, and every message a router never sends to a client.
      this.#protocolViolation(`received ${message.type} on an established session`);
      return;
    }
    if (handled === 'bad-request-type') {
      this.#protocolViolation(`received ERROR for request type ${(message as ErrorMessage).requestType}`);
      return;
    }
    if (handled === 'unknown-request') {
      const id = 'requestId' in message ? message.requestId : undefined;
      this.#protocolViolation(`received ${message.type} for unknown request ${String(id)}`);
    }
  }

  /**
   * After our GOODBYE only the router's GOODBYE (or ABORT) ends the session; answers to requests
   * still in flight are taken, new work (INVOCATION, EVENT) is dropped since we can no longer reply.
   */
  #receiveWhileClosing(message: WampMessage): void {
    switch (message.type) {
      case 'GOODBYE':
        this.#finish({
          kind: 'goodbye',
          initiator: 'client',
          reason: message.reason,
          message: messageOf(message.details),
          details: message.details,
        });
        return;
      case 'ABORT':
        this.#finish(abortCause(message, 'router'));
        return;
      default:
        this.#roles.dispatchWhileClosing(message);
    }
  }

  #answerChallenge(message: ChallengeMessage): void {
    const auth = this.#auth;
    const handler =
      this.#options.onChallenge ?? (auth === undefined ? undefined : (challenge: Challenge) => auth.answer(challenge));
    if (handler === undefined) {
      this.#abortJoin(`received a ${message.authMethod} CHALLENGE, but no onChallenge handler is set`, undefined);
      return;
    }
    Promise.resolve()
      .then(() => handler({ authMethod: message.authMethod, extra: message.extra }))
      .then(
        (response) => {
          if (this.#state !== 'joining') return;
          const answer = normalizeChallengeResponse(response);
          if (answer === undefined) {
            this.#abortJoin('onChallenge returned neither a signature string nor { signature, extra }', undefined);
            return;
          }
          this.#send({ type: 'AUTHENTICATE', signature: answer.signature, extra: answer.extra });
        },
        (error: unknown) => {
          if (this.#state !== 'joining') return;
          this.#abortJoin(`onChallenge failed: ${error instanceof Error ? error.message : String(error)}`, error);
        },
      );
  }

  /** We cannot authenticate: ABORT, and the join rejects with the reason and the hook's error as cause. */
  #abortJoin(message: string, cause: unknown): void {
    const reason = CANNOT_AUTHENTICATE_REASON;
    const details = { message };
    this.#send({ type: 'ABORT', details, reason });
    const join = this.#join;
    this.#join = undefined;
    this.#finish({ kind: 'abort', initiator: 'client', reason, message, details });
    join?.reject(new ApplicationError(reason, { args: [message], details, cause }));
  }

  /** Spec: basic "Protocol Errors": ABORT `wamp.error.protocol_violation`, then drop the transport. */
  #protocolViolation(message: string): void {
    if (this.#state === 'closed') return;
    this.#logger.warn({ message }, 'protocol violation by the router; aborting the session');
    const details = { message };
    this.#send({ type: 'ABORT', details, reason: ErrorUri.PROTOCOL_VIOLATION });
    this.#finish({
      kind: 'protocol-violation',
      initiator: 'client',
      reason: ErrorUri.PROTOCOL_VIOLATION,
      message,
      details,
    });
  }

  #onTransportClose(info: TransportCloseInfo): void {
    if (this.#transportClose !== undefined) return;
    this.#transportClose = info;
    if (this.#state !== 'closed') {
      this.#finish({
        kind: 'transport',
        initiator: 'transport',
        reason: TRANSPORT_LOST_REASON,
        message: info.reason === '' ? undefined : info.reason,
        details: {},
      });
    }
    const cause = this.#closeCause;
    if (cause !== undefined) this.#resolveClosed({ ...cause, transport: info });
  }

  /**
   * Ends the session once: every pending request rejects with `SessionClosedError`, registrations
   * and subscriptions end, then the transport is closed (if it is not already).
   */
  #finish(cause: CloseCause): void {
    if (this.#state === 'closed') return;
    const wasEstablished = this.#state === 'established' || this.#state === 'closing';
    this.#state = 'closed';
    this.#id = undefined;
    if (this.#leaveTimer !== undefined) {
      this.#clock.clearTimeout(this.#leaveTimer);
      this.#leaveTimer = undefined;
    }
    this.#closeCause = { ...cause, wasEstablished };
    this.#logger.debug({ reason: cause.reason, kind: cause.kind, initiator: cause.initiator }, 'session closed');

    const error = new SessionClosedError(
      cause.reason,
      `session closed: ${cause.reason}${cause.message === undefined ? '' : ` (${cause.message})`}`,
    );
    this.#roles.close(error, cause.kind === 'goodbye' && cause.initiator === 'client');

    const join = this.#join;
    this.#join = undefined;
    if (join !== undefined) {
      if (cause.kind === 'abort' && cause.initiator === 'router') {
        join.reject(
          new ApplicationError(cause.reason, {
            args: cause.message === undefined ? [] : [cause.message],
            details: cause.details,
          }),
        );
      } else {
        join.reject(error);
      }
    }

    if (this.#transportClose === undefined) {
      try {
        this.transport.close(1000, cause.kind === 'protocol-violation' ? 'protocol violation' : 'session closed');
      } catch (closeError) {
        this.#logger.debug({ err: closeError }, 'closing the transport failed');
      }
    }
  }

  /**
   * Sends one message. A message the serializer cannot encode (a function, a cycle, a BigInt
   * with JSON, ...) is the caller's misuse: `InvalidArgumentError` with the cause.
   */
  #send(message: WampMessage): void {
    if (this.#transportClose !== undefined) return;
    try {
      this.transport.send(message);
    } catch (error) {
      if (error instanceof TransportError || error instanceof InvalidArgumentError) throw error;
      throw new InvalidArgumentError(
        `could not send ${message.type}: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  #notOpenError(): SessionClosedError {
    const cause = this.#closeCause;
    if (cause !== undefined) {
      return new SessionClosedError(cause.reason, `session closed: ${cause.reason}`);
    }
    return new SessionClosedError(this.#state, `session is ${this.#state}, not established`);
  }
}

function abortCause(message: AbortMessage, initiator: 'router'): CloseCause {
  return {
    kind: 'abort',
    initiator,
    reason: message.reason,
    message: messageOf(message.details),
    details: message.details,
  };
}

function messageOf(details: Dict): string | undefined {
  const message = details['message'];
  return typeof message === 'string' ? message : undefined;
}
