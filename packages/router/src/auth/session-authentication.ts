/**
 * The authentication of one session, from HELLO to WELCOME or ABORT (spec: advanced profile
 * "Authentication"): picks the first method the client offers that the transport allows, sends
 * its CHALLENGE, checks the one AUTHENTICATE that may answer it, and keeps the rules that do not
 * depend on the method:
 *
 * - a challenge is answered once: a second AUTHENTICATE finds nothing to answer;
 * - a challenge expires: after the timeout the session is aborted, and a late answer fails;
 * - attempts are counted per authid and address pair and per address as they start (a challenge
 *   sent is an attempt in flight), refused at HELLO past the limit and at AUTHENTICATE during a
 *   lockout (auth-throttle.ts);
 * - every credential failure looks the same to the client (`wamp.error.authentication_failed`,
 *   one message), and the log says why without quoting secrets, tickets or signatures.
 */
import { type Clock, type Dict, ErrorUri, type TimerHandle } from '@interchange/protocol';
import type { Logger } from '../logger.js';
import type { RouterStats } from '../router-stats.js';
import type {
  AuthAccepted,
  AuthFailed,
  AuthMethodHandler,
  AuthRequest,
  HelloOutcome,
  MaybePromise,
} from './auth-method.js';
import { type AuthThrottle, remoteAddress } from './auth-throttle.js';
import type { Principal } from './principal.js';

/** The message of every credential failure: the same whatever was wrong. */
export const AUTHENTICATION_FAILED_MESSAGE = 'Authentication failed.';

/** What the session does next. */
export type AuthStep =
  | { kind: 'welcome'; principal: Principal }
  | { kind: 'challenge'; authMethod: string; extra: Dict }
  | { kind: 'abort'; reason: string; message: string }
  /** The client broke the protocol (e.g. AUTHENTICATE without a challenge to answer). */
  | { kind: 'violation'; message: string };

/** What a session authentication needs from the router. */
export interface SessionAuthenticationContext {
  /** The methods the transport allows, by authmethod name. */
  methods: ReadonlyMap<string, AuthMethodHandler>;
  throttle: AuthThrottle;
  clock: Clock;
  logger: Logger;
  challengeTimeoutMs: number;
  /** Whether successful authentications are recorded with the connection's cookie. */
  recordCookie: boolean;
  /** Where failures and throttled attempts are counted (metrics). */
  stats?: RouterStats | undefined;
}

interface PendingChallenge {
  authMethod: string;
  verify: (signature: string, extra: Dict) => MaybePromise<AuthAccepted | AuthFailed>;
  expiresAt: number;
  timer: TimerHandle;
}

/** Methods whose failure is a wrong guess worth counting (anonymous and cookie cannot be guessed). */
const GUESSABLE = new Set(['ticket', 'wampcra', 'wamp-scram', 'scram', 'cryptosign', 'tls']);

/** Runs `then` on a value now, or when the promise settles. */
function after<T, R>(value: MaybePromise<T>, then: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(then) : then(value);
}

/** One session's authentication. Create it at HELLO; call {@link start}, then {@link authenticate} per AUTHENTICATE. */
export class SessionAuthentication {
  readonly #context: SessionAuthenticationContext;
  readonly #request: AuthRequest;
  readonly #authmethods: readonly string[];
  readonly #onExpired: () => void;
  readonly #address: string;
  #pending: PendingChallenge | undefined;
  #method: string | undefined;
  /** Whether a challenge of a guessable method counts as an attempt in flight with the throttle. */
  #inFlight = false;
  #disposed = false;

  /**
   * @param authmethods `HELLO.Details.authmethods`; `anonymous` when the client names none.
   * @param onExpired called when a challenge goes unanswered past the timeout; the session aborts.
   */
  constructor(
    context: SessionAuthenticationContext,
    request: AuthRequest,
    authmethods: readonly string[],
    onExpired: () => void,
  ) {
    this.#context = context;
    this.#request = request;
    this.#authmethods = authmethods.length > 0 ? authmethods : ['anonymous'];
    this.#onExpired = onExpired;
    this.#address = remoteAddress(request.transport.peer);
  }

  /** Answers the HELLO: WELCOME, CHALLENGE or ABORT. */
  start(): MaybePromise<AuthStep> {
    const { throttle } = this.#context;
    if (!throttle.admits(this.#request.authid, this.#address)) return this.#lockedOut('at HELLO');
    return this.#tryMethod(0);
  }

  #lockedOut(where: string): AuthStep {
    if (this.#context.stats !== undefined) this.#context.stats.throttled += 1;
    this.#log('authentication refused: too many failed attempts', undefined, `locked out ${where}`);
    return {
      kind: 'abort',
      reason: ErrorUri.AUTHENTICATION_FAILED,
      message: 'Too many failed authentication attempts; try again later.',
    };
  }

  /** The attempt in flight, if any, is over (decided, abandoned or refused). */
  #release(): void {
    if (!this.#inFlight) return;
    this.#inFlight = false;
    this.#context.throttle.end(this.#request.authid, this.#address);
  }

  /** Answers an AUTHENTICATE: WELCOME or ABORT (or a protocol violation when nothing was challenged). */
  authenticate(signature: string, extra: Dict): MaybePromise<AuthStep> {
    const pending = this.#pending;
    if (pending === undefined)
      return { kind: 'violation', message: 'Received AUTHENTICATE without a pending CHALLENGE.' };
    // Single use: whatever the outcome, this challenge cannot be answered again.
    this.#pending = undefined;
    this.#context.clock.clearTimeout(pending.timer);
    if (this.#context.clock.now() > pending.expiresAt) return this.#failed(pending.authMethod, 'challenge expired');
    // Parallel sessions that got their challenges before a lockout must not have their answers
    // checked during it.
    if (this.#context.throttle.blocked(this.#request.authid, this.#address)) {
      this.#release();
      return this.#lockedOut('at AUTHENTICATE');
    }
    let outcome: MaybePromise<AuthAccepted | AuthFailed>;
    try {
      outcome = pending.verify(signature, extra);
    } catch (error) {
      return this.#internalError(pending.authMethod, error);
    }
    const settled = after(
      outcome,
      (result): AuthStep =>
        result.kind === 'welcome' ? result : this.#failed(pending.authMethod, result.log, result.abort),
    );
    return settled instanceof Promise
      ? settled.catch((error: unknown) => this.#internalError(pending.authMethod, error))
      : settled;
  }

  /** The session was welcomed as `principal`: the authid's failure count starts over, and the cookie remembers it. */
  welcomed(principal: Principal): void {
    this.#release();
    this.#context.throttle.success(this.#request.authid, this.#address);
    const cookie = this.#request.credentials.cookie;
    if (this.#context.recordCookie && cookie !== undefined && principal.authprovider !== 'cookie') {
      const identity = {
        realm: principal.realm,
        authid: principal.authid,
        authrole: principal.authrole,
        authmethod: principal.authmethod,
      };
      cookie.set(principal.authextra === undefined ? identity : { ...identity, authextra: principal.authextra });
    }
  }

  /** Stops the expiry timer; nothing further is answered. */
  dispose(): void {
    this.#disposed = true;
    this.#release();
    if (this.#pending !== undefined) this.#context.clock.clearTimeout(this.#pending.timer);
    this.#pending = undefined;
  }

  #tryMethod(index: number): MaybePromise<AuthStep> {
    for (let i = index; i < this.#authmethods.length; i++) {
      const name = this.#authmethods[i] as string;
      const handler = this.#context.methods.get(name);
      // Spec: a router "MAY either skip forward trying other authentication methods ... or send an ABORT".
      if (handler === undefined) continue;
      let outcome: MaybePromise<HelloOutcome>;
      try {
        outcome = handler.hello(this.#request);
      } catch (error) {
        return this.#internalError(name, error);
      }
      const step = after(outcome, (result) => this.#helloOutcome(name, result, i));
      return step instanceof Promise ? step.catch((error: unknown) => this.#internalError(name, error)) : step;
    }
    return {
      kind: 'abort',
      reason: ErrorUri.NO_AUTH_METHOD,
      message: `Cannot authenticate using any of the offered authmethods ${JSON.stringify(this.#authmethods)}.`,
    };
  }

  #helloOutcome(name: string, outcome: HelloOutcome, index: number): MaybePromise<AuthStep> {
    this.#method = name;
    switch (outcome.kind) {
      case 'welcome':
        return outcome;
      case 'skip':
        this.#log('authentication method skipped', name, outcome.log, 'debug');
        return this.#tryMethod(index + 1);
      case 'fail':
        return this.#failed(name, outcome.log, outcome.abort);
      case 'challenge': {
        if (this.#disposed)
          return { kind: 'abort', reason: ErrorUri.AUTHENTICATION_FAILED, message: AUTHENTICATION_FAILED_MESSAGE };
        const { clock, challengeTimeoutMs } = this.#context;
        const timer = clock.setTimeout(() => {
          if (this.#pending === undefined) return;
          this.#pending = undefined;
          this.#release();
          this.#log('authentication challenge expired', name, 'no AUTHENTICATE in time');
          this.#onExpired();
        }, challengeTimeoutMs);
        // The attempt counts from now, not from its answer (auth-throttle.ts).
        if (GUESSABLE.has(name) && !this.#inFlight) {
          this.#inFlight = true;
          this.#context.throttle.begin(this.#request.authid, this.#address);
        }
        this.#pending = {
          authMethod: name,
          verify: outcome.verify,
          expiresAt: clock.now() + challengeTimeoutMs,
          timer,
        };
        return { kind: 'challenge', authMethod: name, extra: outcome.extra };
      }
    }
  }

  #failed(authMethod: string, why: string, abort?: AuthFailed['abort']): AuthStep {
    this.#release();
    if (GUESSABLE.has(authMethod)) this.#context.throttle.failure(this.#request.authid, this.#address);
    this.#context.stats?.authFailed(authMethod);
    this.#log('authentication failed', authMethod, why);
    if (abort !== undefined) return { kind: 'abort', reason: abort.reason, message: abort.message ?? abort.reason };
    return { kind: 'abort', reason: ErrorUri.AUTHENTICATION_FAILED, message: AUTHENTICATION_FAILED_MESSAGE };
  }

  #internalError(authMethod: string, error: unknown): AuthStep {
    this.#context.logger.error(
      {
        authmethod: authMethod,
        authid: this.#request.authid,
        err: error instanceof Error ? { name: error.name, message: error.message } : String(error),
      },
      'authentication method threw',
    );
    return { kind: 'abort', reason: ErrorUri.AUTHENTICATION_FAILED, message: AUTHENTICATION_FAILED_MESSAGE };
  }

  /** Logs an outcome with who and where, never what was sent as a credential. */
  #log(msg: string, authMethod: string | undefined, why: string, level: 'info' | 'debug' = 'info'): void {
    this.#context.logger[level](
      {
        authmethod: authMethod ?? this.#method,
        authid: this.#request.authid,
        realm: this.#request.realm,
        peer: this.#request.transport.peer,
        session: this.#request.session,
        reason: why,
      },
      msg,
    );
  }
}
