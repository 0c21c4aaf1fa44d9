import { ApplicationError, type Dict, ErrorUri, InvalidArgumentError, isValidUri } from '@interchange/protocol';
import type { RealmMember } from '../realm/realm-member.js';

/**
 * The error URI a caller gets when a router procedure fails with something other than an
 * {@link ApplicationError}. The spec predefines no URI for it; Autobahn (and so Crossbar, whose
 * meta procedures run in an Autobahn session) answers `wamp.error.runtime_error` when a
 * procedure raises an unexpected exception, so callers written for Crossbar recognise it.
 */
export const RUNTIME_ERROR_URI = ErrorUri.RUNTIME_ERROR;

/** One call of a router procedure, as the dealer hands it over. */
export interface RouterProcedureCall {
  /** The calling session. */
  caller: RealmMember;
  /** `CALL.Arguments`, `[]` when absent. */
  args: unknown[];
  /** `CALL.ArgumentsKw`, `{}` when absent. */
  kwargs: Dict;
  /** `CALL.Options`, as sent. */
  options: Dict;
}

/** What a router procedure returns: the RESULT payload, or `undefined` for an empty RESULT. */
export type RouterProcedureResult = { args?: unknown[]; kwargs?: Dict } | undefined;

/**
 * A procedure the router implements itself (the meta API). Throw an {@link ApplicationError}
 * to answer the caller with that ERROR (its `uri`, `args`, `kwargs`); anything else thrown (or
 * rejected) becomes ERROR {@link RUNTIME_ERROR_URI}.
 */
export type RouterProcedureHandler = (
  call: RouterProcedureCall,
) => RouterProcedureResult | Promise<RouterProcedureResult>;

/**
 * The procedures of one realm that the router implements itself (`realm.procedures`). A CALL
 * whose procedure equals a registered URI exactly goes to its handler, before any client
 * registration is considered; clients cannot register `wamp.*` URIs anyway (basic profile
 * "Reserved URIs").
 *
 * @example
 * realm.procedures.register('wamp.session.count', ({ caller }) => ({ args: [realm.sessionCount] }));
 */
export class RouterProcedures {
  readonly #handlers = new Map<string, RouterProcedureHandler>();

  /**
   * Adds a router procedure.
   * @throws InvalidArgumentError when `uri` is not a valid URI or already has a handler.
   */
  register(uri: string, handler: RouterProcedureHandler): void {
    if (!isValidUri(uri)) throw new InvalidArgumentError(`invalid procedure URI '${uri}'`);
    if (this.#handlers.has(uri)) throw new InvalidArgumentError(`router procedure '${uri}' is already registered`);
    this.#handlers.set(uri, handler);
  }

  /**
   * Replaces the handler of `uri` with one built from the current one: a cluster backend answers
   * a meta procedure for the whole cluster by asking every node's own handler.
   *
   * @throws InvalidArgumentError when `uri` has no handler.
   */
  wrap(uri: string, wrapper: (current: RouterProcedureHandler) => RouterProcedureHandler): void {
    const current = this.#handlers.get(uri);
    if (current === undefined) throw new InvalidArgumentError(`router procedure '${uri}' is not registered`);
    this.#handlers.set(uri, wrapper(current));
  }

  /** The handler of exactly this URI, if any. */
  get(uri: string): RouterProcedureHandler | undefined {
    return this.#handlers.get(uri);
  }
}

/** How a router procedure call ended: a result, or an error to send the caller. */
export type RouterProcedureOutcome =
  | { ok: true; result: RouterProcedureResult }
  | { ok: false; error: string; args: unknown[]; kwargs: Dict };

/**
 * Runs a handler and settles with its outcome; never rejects. Synchronous handlers still
 * settle asynchronously, which keeps one code path for both kinds.
 */
export async function runRouterProcedure(
  handler: RouterProcedureHandler,
  call: RouterProcedureCall,
): Promise<RouterProcedureOutcome> {
  try {
    return { ok: true, result: await handler(call) };
  } catch (error) {
    if (error instanceof ApplicationError)
      return { ok: false, error: error.uri, args: error.args, kwargs: error.kwargs };
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: RUNTIME_ERROR_URI, args: [message], kwargs: {} };
  }
}
