/**
 * Dynamic authorization (Crossbar's roles with an `authorizer`): each request of a session in
 * such a role is decided by calling `authorizer(session, uri, action, options)` on the realm, as
 * the router, or by calling the role's authorizer function the same way. The answer is `true`/`false` or `{ allow, disclose?, cache? }`: `disclose` reveals
 * the caller (for `call`) or publisher (for `publish`), `cache` lets the router reuse the answer
 * for the same role, action and URI. An authorizer that errs, answers something else, or does not
 * answer within the timeout denies (spec: advanced "Authorization"; the safety rules).
 */
import type { Clock, Dict, Id } from '@interchange/protocol';
import type { Logger } from '../logger.js';
import type { ActionName } from '../realm/realm-config.js';
import { type Authorization, DENY, type StaticAuthorizer } from '../realm/static-authorizer.js';
import type { TransportInfo } from '../session/peer.js';
import { describeError } from './auth-method.js';
import type { InternalCaller } from './internal-caller.js';
import { withTimeout } from './with-timeout.js';

/** The session a request comes from, as the authorizer is told about it (Crossbar's session details). */
export interface AuthorizationSubject {
  readonly id: Id;
  readonly authid: string;
  readonly authrole: string;
  readonly authmethod: string;
  readonly authprovider: string;
  readonly authextra: Dict | undefined;
  readonly peer: { readonly info: TransportInfo };
}

/** Reads an authorizer's answer; `undefined` when it is neither a boolean nor a valid dict. */
export function readAuthorizerAnswer(
  answer: unknown,
  action: ActionName,
): { decision: Authorization; cache: boolean } | undefined {
  if (typeof answer === 'boolean')
    return { decision: { allowed: answer, discloseCaller: false, disclosePublisher: false }, cache: false };
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return undefined;
  const { allow, disclose, cache } = answer as Dict;
  if (typeof allow !== 'boolean') return undefined;
  if (disclose !== undefined && typeof disclose !== 'boolean') return undefined;
  if (cache !== undefined && typeof cache !== 'boolean') return undefined;
  const disclosed = disclose === true && allow;
  return {
    decision: {
      allowed: allow,
      discloseCaller: disclosed && action === 'call',
      disclosePublisher: disclosed && action === 'publish',
    },
    cache: cache === true,
  };
}

/** Calls dynamic authorizers on behalf of the router's realms. */
export class DynamicAuthorizer {
  readonly #caller: InternalCaller;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #timeoutMs: number;

  /** Authorizer procedures (realm and URI) known to take three arguments, not four. */
  readonly #threeArguments = new Set<string>();

  constructor(options: { caller: InternalCaller; logger: Logger; timeoutMs: number; clock: Clock }) {
    this.#caller = options.caller;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs;
  }

  /**
   * Decides a request of `session` (whose role is dynamic on `realm`): a cached answer at once,
   * else the authorizer's answer when it arrives. Never rejects: every failure is a denial.
   */
  authorize(
    realm: { name: string; authorizer: StaticAuthorizer },
    session: AuthorizationSubject,
    uri: string,
    action: ActionName,
    options: Dict,
  ): Authorization | Promise<Authorization> {
    const procedure = realm.authorizer.dynamicAuthorizer(session.authrole);
    if (procedure === undefined) return realm.authorizer.authorize(session.authrole, uri, action);
    const cached = realm.authorizer.cached(session.authrole, uri, action);
    if (cached !== undefined) return cached;
    const { type, serializer, peer } = session.peer.info;
    const details: Dict = {
      session: session.id,
      authid: session.authid,
      authrole: session.authrole,
      authmethod: session.authmethod,
      authprovider: session.authprovider,
      authextra: session.authextra ?? null,
      transport: { type, serializer, peer },
    };
    const answer =
      typeof procedure === 'function'
        ? withTimeout(this.#clock, this.#timeoutMs, 'the authorizer function', () =>
            procedure(details, uri, action, options),
          )
        : this.#callProcedure(realm.name, procedure, details, uri, action, options);
    const name = typeof procedure === 'function' ? procedure.name || 'function' : procedure;
    return answer.then(
      (result) => {
        const read = readAuthorizerAnswer(result, action);
        if (read === undefined) {
          this.#logger.warn(
            { realm: realm.name, authorizer: name, uri, action },
            'dynamic authorizer gave an invalid answer; denied',
          );
          return DENY;
        }
        if (read.cache) realm.authorizer.remember(session.authrole, uri, action, read.decision);
        return read.decision;
      },
      (error: unknown) => {
        this.#logger.warn(
          { realm: realm.name, authorizer: name, uri, action, session: session.id, error: describeError(error) },
          'dynamic authorizer failed; denied',
        );
        return DENY;
      },
    );
  }

  /**
   * Calls an authorizer procedure with `(session, uri, action, options)`. Authorizers written
   * before Crossbar added `options` take three arguments; a Python one then fails on its arity
   * ("takes 4 positional arguments but 5 were given"), and is called again with three, as
   * Crossbar does (crossbar-examples' authorization/dynamic still has such authorizers).
   */
  #callProcedure(
    realm: string,
    procedure: string,
    details: Dict,
    uri: string,
    action: ActionName,
    options: Dict,
  ): Promise<unknown> {
    const call = (args: unknown[]) =>
      this.#caller.call(realm, procedure, args, this.#timeoutMs).then((result) => result.args[0]);
    const key = `${realm}\u0000${procedure}`;
    if (this.#threeArguments.has(key)) return call([details, uri, action]);
    return call([details, uri, action, options]).catch((error: unknown) => {
      if (!isArityError(error)) throw error;
      // Remembered (bounded by the realms' configured authorizers), so it fails only once.
      this.#threeArguments.add(key);
      this.#logger.warn(
        { realm, authorizer: procedure },
        'dynamic authorizer takes no options argument (an older signature); called with three arguments',
      );
      return call([details, uri, action]);
    });
  }
}

/** Python's TypeError for a function given one argument too many, as Autobahn|Python sends it. */
const ARITY_MESSAGE = /takes (?:exactly )?4 (?:positional )?arguments? but 5 were given|takes exactly 4 arguments/;

function isArityError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('args' in error)) return false;
  const args = (error as { args: unknown }).args;
  return Array.isArray(args) && typeof args[0] === 'string' && ARITY_MESSAGE.test(args[0]);
}
