/**
 * The router's authentication and authorization services, shared by its sessions: the methods
 * built from each transport's `auth` config, failure throttling, the internal sessions that call
 * dynamic authenticators and authorizers, and the router's own cryptosign key.
 */
import {
  AuthMethod,
  type Clock,
  InvalidArgumentError,
  parseCryptosignPrivateKey,
  randomBytes,
  ScramDialect,
} from '@interchange/protocol';
import type { Logger } from '../logger.js';
import type { RouterStats } from '../router-stats.js';
import type { Peer, PeerConnection } from '../session/peer.js';
import type { ConnectOptions } from '../session/router-session.js';
import type { AuthMethodContext, AuthMethodHandler, AuthRequest } from './auth-method.js';
import { AuthThrottle, type ThrottleOptions } from './auth-throttle.js';
import { DynamicAuthorizer } from './dynamic-authorizer.js';
import { InternalCaller } from './internal-caller.js';
import { anonymousMethod } from './method-anonymous.js';
import { cookieMethod } from './method-cookie.js';
import { cryptosignMethod } from './method-cryptosign.js';
import { scramMethod } from './method-scram.js';
import { ticketMethod } from './method-ticket.js';
import { tlsMethod } from './method-tls.js';
import { wampcraMethod } from './method-wampcra.js';
import { SessionAuthentication } from './session-authentication.js';
import type { ExternalAuthConfig, TransportAuthConfig } from './transport-auth.js';
import { withTimeout } from './with-timeout.js';

/** Authentication and authorization options of a router (`RouterOptions.auth`). */
export interface RouterAuthOptions {
  /** Failed-attempt limits per authid and per remote address; see {@link ThrottleOptions}. */
  throttle?: ThrottleOptions;
  /** How long a CHALLENGE waits for its AUTHENTICATE, in ms. Default 30000. */
  challengeTimeoutMs?: number;
  /** How long a dynamic authenticator may take, in ms. Default 10000. */
  authenticatorTimeoutMs?: number;
  /** How long a dynamic authorizer may take before the request is denied, in ms. Default 10000. */
  authorizerTimeoutMs?: number;
  /**
   * The router's Ed25519 private key (hex seed, or an OpenSSH private key), with which it signs a
   * cryptosign client's `authextra.challenge` (spec: "Router Authentication"). Without it, such
   * a challenge goes unanswered and the client decides whether to go on.
   */
  routerKey?: string | Uint8Array;
}

/** The defaults of {@link RouterAuthOptions}. */
export const AUTH_DEFAULTS = {
  challengeTimeoutMs: 30_000,
  authenticatorTimeoutMs: 10_000,
  authorizerTimeoutMs: 10_000,
} as const;

/** Builds the handler of one configured method, or `undefined` when the method is not configured. */
function buildMethods(config: TransportAuthConfig, context: AuthMethodContext): Map<string, AuthMethodHandler> {
  const methods = new Map<string, AuthMethodHandler>();
  const add = (handler: AuthMethodHandler): void => {
    methods.set(handler.name, handler);
  };
  if (config.anonymous !== undefined) add(anonymousMethod(config.anonymous, context));
  if (config.ticket !== undefined) add(ticketMethod(config.ticket, context));
  if (config.wampcra !== undefined) add(wampcraMethod(config.wampcra, context));
  if (config.scram !== undefined) {
    add(scramMethod(config.scram, context, ScramDialect.SPEC));
    add(scramMethod(config.scram, context, ScramDialect.CROSSBAR));
  }
  if (config.cryptosign !== undefined) add(cryptosignMethod(config.cryptosign, context));
  if (config.tls !== undefined) add(tlsMethod(config.tls, context));
  if (config.cookie !== undefined) methods.set(AuthMethod.COOKIE, cookieMethod());
  return methods;
}

/** What {@link RouterAuth} needs from its router. */
export interface RouterAuthDependencies {
  clock: Clock;
  logger: Logger;
  /** Where authentication failures are counted (metrics). */
  stats?: RouterStats;
  connect(peer: Peer, options: ConnectOptions): PeerConnection;
}

/** The authentication and authorization services of one router. */
export class RouterAuth {
  readonly throttle: AuthThrottle;
  readonly authorizer: DynamicAuthorizer;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #stats: RouterStats | undefined;
  readonly #caller: InternalCaller;
  readonly #context: AuthMethodContext;
  readonly #challengeTimeoutMs: number;
  readonly #authenticatorTimeoutMs: number;
  /** Methods built from each transport config object, built once per config. */
  readonly #methods = new WeakMap<TransportAuthConfig, Map<string, AuthMethodHandler>>();

  /** @throws InvalidArgumentError when `routerKey` cannot be read or a timeout is not positive. */
  constructor(options: RouterAuthOptions, dependencies: RouterAuthDependencies) {
    this.#clock = dependencies.clock;
    this.#logger = dependencies.logger;
    this.#stats = dependencies.stats;
    for (const key of ['challengeTimeoutMs', 'authenticatorTimeoutMs', 'authorizerTimeoutMs'] as const) {
      const value = options[key];
      if (value !== undefined && !(Number.isFinite(value) && value > 0))
        throw new InvalidArgumentError(`auth.${key} must be a positive number`);
    }
    this.#challengeTimeoutMs = options.challengeTimeoutMs ?? AUTH_DEFAULTS.challengeTimeoutMs;
    this.#authenticatorTimeoutMs = options.authenticatorTimeoutMs ?? AUTH_DEFAULTS.authenticatorTimeoutMs;
    this.throttle = new AuthThrottle(this.#clock, options.throttle);
    this.#caller = new InternalCaller({ connect: dependencies.connect, clock: this.#clock, logger: this.#logger });
    this.authorizer = new DynamicAuthorizer({
      caller: this.#caller,
      logger: this.#logger,
      timeoutMs: options.authorizerTimeoutMs ?? AUTH_DEFAULTS.authorizerTimeoutMs,
      clock: this.#clock,
    });
    const routerKey = options.routerKey === undefined ? undefined : parseCryptosignPrivateKey(options.routerKey);
    const caller = this.#caller;
    const clock = this.#clock;
    const timeoutMs = this.#authenticatorTimeoutMs;
    this.#context = {
      logger: this.#logger,
      now: () => this.#clock.now(),
      mockKey: randomBytes(32),
      routerKey,
      async callAuthenticator(config: ExternalAuthConfig, realm: string, args: unknown[]): Promise<unknown> {
        if (config.type === 'function') {
          const [realmArg, authid, details] = args as Parameters<typeof config.authenticate>;
          return withTimeout(clock, timeoutMs, 'the authenticator function', () =>
            config.authenticate(realmArg, authid, details),
          );
        }
        const result = await caller.call(config['authenticator-realm'] ?? realm, config.authenticator, args, timeoutMs);
        return result.args[0];
      },
    };
  }

  /**
   * Starts authenticating a session whose transport allows `config`.
   * @param onExpired called when the CHALLENGE goes unanswered too long.
   */
  begin(
    config: TransportAuthConfig,
    request: AuthRequest,
    authmethods: readonly string[],
    onExpired: () => void,
  ): SessionAuthentication {
    let methods = this.#methods.get(config);
    if (methods === undefined) {
      methods = buildMethods(config, this.#context);
      this.#methods.set(config, methods);
    }
    return new SessionAuthentication(
      {
        methods,
        throttle: this.throttle,
        clock: this.#clock,
        logger: this.#logger,
        challengeTimeoutMs: this.#challengeTimeoutMs,
        recordCookie: config.cookie !== undefined,
        stats: this.#stats,
      },
      request,
      authmethods,
      onExpired,
    );
  }

  /** Leaves the realms the internal sessions joined (at router shutdown). */
  close(): void {
    this.#caller.close();
  }
}
