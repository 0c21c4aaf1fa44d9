/**
 * Field checks for the message codec: what each positional field and each known option or
 * detail key must be. Internal to the package; `message-codec.ts` is the public face.
 *
 * Spec: basic profile "Messages" and "Extensibility" (option keys), and the advanced profile
 * sections that define each option (publisher exclusion, subscriber black/whitelisting, ...).
 */
import { ProtocolViolationError } from './errors.js';
import { isValidId } from './ids.js';
import { isMatchPolicy, isValidUri, type MatchPolicyValue } from './uri.js';

/** Returns `undefined` when `value` is fine, else what it should have been ("a boolean"). */
export type FieldCheck = (value: unknown) => string | undefined;

/** Whether `value` is a WAMP dict: a plain object (JSON object, msgpack or CBOR map). */
export function isDict(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Whether `value` is binary as the serializers hand it over (Node's Buffer is a Uint8Array). */
export function isBinary(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/**
 * A typed array other than bytes: what a CBOR peer's typed-array tags (RFC 8746) decode to. JSON
 * and msgpack have no such type; their serializers write its numbers as a list.
 */
export function isNumericTypedArray(v: unknown): boolean {
  return ArrayBuffer.isView(v) && !(v instanceof Uint8Array) && !(v instanceof DataView);
}

export const isBoolean: FieldCheck = (v) => (typeof v === 'boolean' ? undefined : 'a boolean');
export const isString: FieldCheck = (v) => (typeof v === 'string' ? undefined : 'a string');
export const isNonEmptyString: FieldCheck = (v) =>
  typeof v === 'string' && v.length > 0 ? undefined : 'a non-empty string';
export const isId: FieldCheck = (v) => (isValidId(v) ? undefined : 'an ID (an integer in 1..2^53)');
export const isDictCheck: FieldCheck = (v) => (isDict(v) ? undefined : 'a dict');
export const isNonNegativeInteger: FieldCheck = (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? undefined : 'a non-negative integer';
export const isPositiveInteger: FieldCheck = (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? undefined : 'a positive integer';
export const isUri: FieldCheck = (v) => (typeof v === 'string' && isValidUri(v) ? undefined : 'a valid URI');
export const isMatch: FieldCheck = (v) => (isMatchPolicy(v) ? undefined : "one of 'exact', 'prefix', 'wildcard'");

export function listOf(item: FieldCheck, what: string): FieldCheck {
  return (v) => (Array.isArray(v) && v.every((x) => item(x) === undefined) ? undefined : what);
}

export function oneOf(...values: readonly string[]): FieldCheck {
  const set = new Set(values);
  const what = `one of ${values.map((x) => `'${x}'`).join(', ')}`;
  return (v) => (typeof v === 'string' && set.has(v) ? undefined : what);
}

const isIdList = /* @__PURE__ */ listOf(isId, 'a list of IDs');
const isStringList = /* @__PURE__ */ listOf(isString, 'a list of strings');

/**
 * `forward_for` (router-to-router links): a list of `{session, authid, authrole}` dicts naming the
 * sessions a message was forwarded for.
 */
const isForwardFor: FieldCheck = (v) =>
  Array.isArray(v) &&
  v.every(
    (hop) =>
      isDict(hop) && isValidId(hop.session) && typeof hop.authid === 'string' && typeof hop.authrole === 'string',
  )
    ? undefined
    : 'a list of {session, authid, authrole} dicts';

/**
 * `enc_algo` (payload transparency, the Autobahn|Python form of payload passthru): the standard
 * identifiers, or a custom one starting with `x_`. Anything else is rejected, as the test vectors
 * require.
 */
export const ENC_ALGOS = ['cryptobox', 'mqtt', 'xbr'] as const;
const CUSTOM_ATTRIBUTE = /^x_[a-z0-9_]*$/;
const isEncAlgo: FieldCheck = (v) =>
  typeof v === 'string' && ((ENC_ALGOS as readonly string[]).includes(v) || CUSTOM_ATTRIBUTE.test(v))
    ? undefined
    : `one of ${ENC_ALGOS.map((x) => `'${x}'`).join(', ')} or a custom 'x_...' name`;

/** `roles` of HELLO and WELCOME details: a dict of role name to a dict (spec: "HELLO"). */
const isRoles: FieldCheck = (v) =>
  isDict(v) && Object.values(v).every((role) => isDict(role) && (role.features === undefined || isDict(role.features)))
    ? undefined
    : 'a dict of role dicts';

/**
 * Types of the option and detail keys the spec defines, in any message where they appear.
 * A key means the same thing in every message that carries it, so one table serves all;
 * `mode` is the exception and is checked per message. Unknown keys are ignored
 * (spec: "Extensibility": attributes unknown to an implementation MUST be ignored).
 */
export const KNOWN_KEYS: Readonly<Record<string, FieldCheck>> = {
  // Session establishment (HELLO, WELCOME, ABORT, GOODBYE)
  roles: isRoles,
  agent: isString,
  authid: isString,
  authrole: isString,
  authmethod: isString,
  authmethods: isStringList,
  authprovider: isString,
  authextra: isDictCheck,
  resumable: isBoolean,
  message: isString,
  // Publish & subscribe
  acknowledge: isBoolean,
  exclude_me: isBoolean,
  exclude: isIdList,
  exclude_authid: isStringList,
  exclude_authrole: isStringList,
  eligible: isIdList,
  eligible_authid: isStringList,
  eligible_authrole: isStringList,
  retain: isBoolean,
  get_retained: isBoolean,
  retained: isBoolean,
  transaction_hash: isString,
  x_acknowledged_delivery: isBoolean,
  publisher: isId,
  publisher_authid: isString,
  publisher_authrole: isString,
  topic: isUri,
  match: isMatch,
  // Remote procedure calls
  disclose_me: isBoolean,
  receive_progress: isBoolean,
  progress: isBoolean,
  // `timeout`, `invoke` and `concurrency` are semantic choices the dealer answers with ERROR
  // (`invalid_argument`, `option_not_allowed`) so a caller can correct itself; only `match` has a
  // test vector demanding a protocol violation for an unknown value.
  force_reregister: isBoolean,
  disclose_caller: isBoolean,
  caller: isId,
  caller_authid: isString,
  caller_authrole: isString,
  callee: isId,
  callee_authid: isString,
  callee_authrole: isString,
  procedure: isUri,
  trustlevel: isNonNegativeInteger,
  // Revocation (UNSUBSCRIBED / UNREGISTERED details)
  subscription: isId,
  registration: isId,
  reason: isString,
  // Router-to-router links
  forward_for: isForwardFor,
  // Payload transparency / passthru
  enc_algo: isEncAlgo,
  enc_serializer: isString,
  enc_key: isString,
  enc_keyname: isString,
  enc_resp_key: isString,
  ppt_scheme: isNonEmptyString,
  ppt_serializer: isString,
  ppt_cipher: isString,
  ppt_keyid: isString,
};

/**
 * Option and detail keys (spec: "Extensibility"): predefined keys match `[a-z][a-z0-9_]{2,}`,
 * implementation-specific keys `_[a-z0-9_]{3,}`. Both are accepted.
 */
const OPTION_KEY = /^(?:[a-z][a-z0-9_]{2,}|_[a-z0-9_]{3,})$/;

/** Builds the error for one bad field; the field name always appears in the message. */
export function violation(
  messageType: string,
  field: string,
  expected: string,
  value: unknown,
): ProtocolViolationError {
  return new ProtocolViolationError(`${messageType}: ${field} must be ${expected}, got ${describe(value)}`, { field });
}

/** How {@link checkDict} checks one dict. */
export interface DictCheckOptions {
  /** Checks that add to or override {@link KNOWN_KEYS} for this message type (CANCEL's `mode`). */
  extraChecks?: Readonly<Record<string, FieldCheck>>;
  /** Check the types of known keys (not for CHALLENGE/AUTHENTICATE Extra, which is free-form). */
  typedKeys?: boolean;
  /** Check key names against the spec's patterns (default true). */
  checkKeyNames?: boolean;
}

/** `table[key]` when `key` is the table's own, not inherited, property. */
function ownEntry<T>(table: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * Checks an Options, Details or Extra dict: its shape, its keys, and the type of each known key.
 */
export function checkDict(
  messageType: string,
  field: string,
  value: unknown,
  options: DictCheckOptions = {},
): Record<string, unknown> {
  if (!isDict(value)) throw violation(messageType, field, 'a dict', value);
  const { extraChecks, typedKeys = true, checkKeyNames = true } = options;
  // for-in, not Object.keys: no array per dict (isDict admits plain objects only, so no
  // inherited keys show up).
  for (const key in value) {
    if (checkKeyNames && !OPTION_KEY.test(key)) {
      throw violation(messageType, `${field} key`, 'a string matching [a-z][a-z0-9_]{2,}', key);
    }
    // Own keys only: `constructor` or `__proto__` must not find Object.prototype's members.
    const check = ownEntry(extraChecks, key) ?? (typedKeys ? ownEntry(KNOWN_KEYS, key) : undefined);
    if (check === undefined) continue;
    const expected = check(value[key]);
    if (expected !== undefined) throw violation(messageType, `${field}.${key}`, expected, value[key]);
  }
  return value;
}

/** Checks one positional field. */
export function checkField<T>(messageType: string, field: string, value: unknown, check: FieldCheck): T {
  const expected = check(value);
  if (expected !== undefined) throw violation(messageType, field, expected, value);
  return value as T;
}

/** Checks a topic or procedure URI, relaxed for pattern subscriptions and registrations. */
export function checkUri(
  messageType: string,
  field: string,
  value: unknown,
  options: { strict?: boolean; match?: MatchPolicyValue } = {},
): string {
  if (typeof value !== 'string' || !isValidUri(value, options)) {
    const what = options.match && options.match !== 'exact' ? `a valid ${options.match} pattern` : 'a valid URI';
    throw violation(messageType, field, options.strict ? `${what} (strict rules)` : what, value);
  }
  return value;
}

/** A short, safe rendering of a bad value for error messages (never the whole payload). */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (isBinary(value)) return `binary(${value.length} bytes)`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return isDict(value) ? 'a dict' : `a ${value.constructor?.name ?? 'object'}`;
  return String(value);
}
