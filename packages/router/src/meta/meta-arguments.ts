import {
  ApplicationError,
  type Dict,
  ErrorUri,
  type Id,
  isMatchPolicy,
  isValidId,
  isValidUri,
  type MatchPolicyValue,
} from '@interchange/protocol';

/**
 * Reading the arguments of the router's meta procedures. A meta procedure answers a malformed
 * argument with ERROR `wamp.error.invalid_argument` (basic profile "Predefined URIs": "The
 * application ... was called with invalid arguments"), never with a generic runtime error, and
 * never disturbs anything else.
 */

/** The error URI of the session meta API for an unknown session (spec: "wamp.session.get", "Errors"). */
export const NO_SUCH_SESSION = ErrorUri.NO_SUCH_SESSION;

/** An ERROR `wamp.error.invalid_argument` with a human-readable message. */
export function invalidArgument(message: string): ApplicationError {
  return new ApplicationError(ErrorUri.INVALID_ARGUMENT, { args: [message] });
}

/** An ERROR with `uri` and a human-readable message as its first argument. */
export function metaError(uri: string, message: string): ApplicationError {
  return new ApplicationError(uri, { args: [message] });
}

/** Refuses more positional arguments than a procedure takes. */
export function expectAtMost(args: readonly unknown[], count: number, procedure: string): void {
  if (args.length > count)
    throw invalidArgument(
      `${procedure} takes at most ${count} positional argument${count === 1 ? '' : 's'}, got ${args.length}`,
    );
}

/** Refuses keyword arguments a procedure does not know. */
export function expectKwargs(kwargs: Dict, allowed: readonly string[], procedure: string): void {
  for (const key of Object.keys(kwargs)) {
    if (!allowed.includes(key)) throw invalidArgument(`${procedure} has no keyword argument '${key}'`);
  }
}

/** A required ID (subscription, registration, session). */
export function readId(value: unknown, name: string): Id {
  if (!isValidId(value))
    throw invalidArgument(`${name} must be an ID (an integer from 1 to 2^53), got ${JSON.stringify(value)}`);
  return value;
}

/** A required string. */
export function readString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalidArgument(`${name} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

/** A required URI (a topic or procedure), valid under its match policy. */
export function readUri(value: unknown, name: string, match: MatchPolicyValue = 'exact'): string {
  const uri = readString(value, name);
  if (!isValidUri(uri, { match }))
    throw metaError(ErrorUri.INVALID_URI, `${name} '${uri}' is not a valid URI for ${match} matching`);
  return uri;
}

/** An optional dict; `null` counts as absent (Autobahn sends `None` for an omitted optional). */
export function readOptionalDict(value: unknown, name: string): Dict {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidArgument(`${name} must be a dict`);
  return value as Dict;
}

/** An optional list; `null` counts as absent. */
export function readOptionalList(value: unknown, name: string): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidArgument(`${name} must be a list`);
  return value;
}

/** An optional list of strings; `null` counts as absent. */
export function readOptionalStringList(value: unknown, name: string): string[] | undefined {
  const list = readOptionalList(value, name);
  if (list !== undefined && !list.every((element) => typeof element === 'string'))
    throw invalidArgument(`${name} must be a list of strings`);
  return list as string[] | undefined;
}

/** The `match` option of a lookup (same options as SUBSCRIBE or REGISTER); defaults to `exact`. */
export function readMatchOption(options: Dict): MatchPolicyValue {
  const match = options.match ?? 'exact';
  if (!isMatchPolicy(match)) throw invalidArgument(`unknown match policy ${JSON.stringify(match)}`);
  return match;
}

/**
 * An argument that may come positionally or by keyword, as Autobahn lets a caller pass a
 * Python keyword parameter either way (Crossbar's meta procedures are such functions).
 */
export function positionalOrKeyword(
  args: readonly unknown[],
  index: number,
  kwargs: Dict,
  key: string,
  procedure: string,
): unknown {
  const positional = args[index];
  const keyword = kwargs[key];
  if (positional !== undefined && keyword !== undefined)
    throw invalidArgument(`${procedure}: ${key} given both positionally and by keyword`);
  return positional ?? keyword;
}

/**
 * Crossbar hides the meta API's own URIs (`wamp.`) from callers other than its internal
 * `trusted` role (crossbar/router/observation.py `is_protected_uri`): they are not listed, and
 * asking about them by ID is refused with `not_authorized`.
 */
export function isProtectedUri(uri: string, callerAuthrole: string): boolean {
  return callerAuthrole !== 'trusted' && (uri === 'wamp' || uri.startsWith('wamp.'));
}

/** The one argument of a procedure that takes at most one, positionally or by keyword `key`. */
export function onlyArgument(args: readonly unknown[], kwargs: Dict, key: string, procedure: string): unknown {
  expectAtMost(args, 1, procedure);
  expectKwargs(kwargs, [key], procedure);
  return positionalOrKeyword(args, 0, kwargs, key, procedure);
}

/**
 * The arguments of `wamp.subscription.lookup` and `wamp.registration.lookup`: the URI (`key`)
 * and the `options` whose `match` policy it is read with.
 */
export function readLookupArguments(
  args: readonly unknown[],
  kwargs: Dict,
  key: string,
  procedure: string,
): { uri: string; match: MatchPolicyValue } {
  expectAtMost(args, 2, procedure);
  expectKwargs(kwargs, [key, 'options'], procedure);
  const options = readOptionalDict(positionalOrKeyword(args, 1, kwargs, 'options', procedure), 'options');
  const match = readMatchOption(options);
  return { uri: readUri(positionalOrKeyword(args, 0, kwargs, key, procedure), key, match), match };
}

/**
 * The arguments of Crossbar's `remove_subscriber` and `remove_callee` (service.py): the
 * subscription or registration ID, the session ID, and an optional `reason`.
 */
export function readRemoveArguments(
  args: readonly unknown[],
  kwargs: Dict,
  names: readonly [id: string, session: string],
  procedure: string,
): { id: Id; session: Id; reason: string | undefined } {
  expectAtMost(args, 3, procedure);
  expectKwargs(kwargs, ['reason'], procedure);
  const id = readId(args[0], names[0]);
  const session = readId(args[1], names[1]);
  const rawReason = positionalOrKeyword(args, 2, kwargs, 'reason', procedure);
  const reason = rawReason === undefined || rawReason === null ? undefined : readString(rawReason, 'reason');
  return { id, session, reason };
}

/** The error of a meta procedure naming a session that is not on this router. */
export function noSuchSession(id: unknown): ApplicationError {
  return metaError(NO_SUCH_SESSION, `no session with ID ${String(id)} exists on this router`);
}
