/**
 * Typed messages to wire arrays and back (spec: basic profile "Message Definitions", advanced
 * profile for the added fields). Decoding validates every field, so code past this point can
 * trust `msg.requestId` is an ID and `msg.topic` a URI. Serializers call these; they are
 * exported for transports that need the array form (long-poll, tests).
 */
import { ProtocolViolationError } from './errors.js';
import { MessageCode, messageNameOf } from './message-codes.js';
import {
  checkDict,
  checkField,
  checkUri,
  type DictCheckOptions,
  describe,
  type FieldCheck,
  isBinary,
  isDict,
  isId,
  isNonEmptyString,
  isString,
  oneOf,
  violation,
} from './message-fields.js';
import type { Dict, Payload, WampMessage } from './messages.js';

/** Options of {@link messageFromArray}. */
export interface DecodeOptions {
  /** Check error and close-reason URIs against the strict rules instead of the loose ones (default: loose). */
  strictUris?: boolean;
  /**
   * Accept any string as an option or detail key. By default keys must match the spec's
   * `[a-z][a-z0-9_]{2,}` (predefined) or `_[a-z0-9_]{3,}` (implementation-specific); Crossbar does
   * not check this, so a router that must accept sloppy clients can turn it off.
   */
  anyOptionKeys?: boolean;
}

/** Message types an ERROR may answer (spec: "ERROR", one entry per request that can fail). */
const ERROR_REQUEST_TYPES: ReadonlySet<number> = new Set([
  MessageCode.SUBSCRIBE,
  MessageCode.UNSUBSCRIBE,
  MessageCode.PUBLISH,
  MessageCode.REGISTER,
  MessageCode.UNREGISTER,
  MessageCode.CALL,
  MessageCode.INVOCATION,
]);

const isErrorRequestType: FieldCheck = (v) =>
  typeof v === 'number' && ERROR_REQUEST_TYPES.has(v) ? undefined : 'the code of a request that can fail';
const isRequestIdOrZero: FieldCheck = (v) => (v === 0 ? undefined : isId(v));

// `mode` means different things in CANCEL and INTERRUPT (spec: "Call Canceling").
const CANCEL_OPTIONS = { mode: oneOf('skip', 'kill', 'killnowait') };
const INTERRUPT_OPTIONS = { mode: oneOf('kill', 'killnowait') };

/**
 * Turns a typed message into its wire array. Absent `args`/`kwargs` are omitted, never `null`;
 * `[]` stands for args when only kwargs are given (spec: "Message Definitions": ArgumentsKw
 * requires Arguments before it). A passthru `payload` takes the args slot on its own.
 *
 * Does not validate: messages built by Interchange itself are trusted.
 *
 * @example
 * messageToArray({ type: 'CALL', requestId: 1, options: {}, procedure: 'com.add', args: [2, 3] });
 * // [48, 1, {}, 'com.add', [2, 3]]
 */
export function messageToArray(msg: WampMessage): unknown[] {
  switch (msg.type) {
    case 'HELLO':
      return [MessageCode.HELLO, msg.realm ?? null, msg.details];
    case 'WELCOME':
      return [MessageCode.WELCOME, msg.session, msg.details];
    case 'ABORT':
    case 'GOODBYE':
      return [MessageCode[msg.type], msg.details, msg.reason];
    case 'CHALLENGE':
      return [MessageCode.CHALLENGE, msg.authMethod, msg.extra];
    case 'AUTHENTICATE':
      return [MessageCode.AUTHENTICATE, msg.signature, msg.extra];
    case 'ERROR':
      return withPayload([MessageCode.ERROR, msg.requestType, msg.requestId, msg.details, msg.error], msg);
    case 'PUBLISH':
      return withPayload([MessageCode.PUBLISH, msg.requestId, msg.options, msg.topic], msg);
    case 'PUBLISHED':
      return [MessageCode.PUBLISHED, msg.requestId, msg.publication];
    case 'SUBSCRIBE':
      return [MessageCode.SUBSCRIBE, msg.requestId, msg.options, msg.topic];
    case 'SUBSCRIBED':
    case 'UNSUBSCRIBE':
      return [MessageCode[msg.type], msg.requestId, msg.subscription];
    case 'UNSUBSCRIBED':
    case 'UNREGISTERED':
      return msg.details === undefined
        ? [MessageCode[msg.type], msg.requestId]
        : [MessageCode[msg.type], msg.requestId, msg.details];
    case 'EVENT':
      return withPayload([MessageCode.EVENT, msg.subscription, msg.publication, msg.details], msg);
    case 'CALL':
      return withPayload([MessageCode.CALL, msg.requestId, msg.options, msg.procedure], msg);
    case 'CANCEL':
    case 'INTERRUPT':
      return [MessageCode[msg.type], msg.requestId, msg.options];
    case 'RESULT':
      return withPayload([MessageCode.RESULT, msg.requestId, msg.details], msg);
    case 'REGISTER':
      return [MessageCode.REGISTER, msg.requestId, msg.options, msg.procedure];
    case 'REGISTERED':
    case 'UNREGISTER':
      return [MessageCode[msg.type], msg.requestId, msg.registration];
    case 'INVOCATION':
      return withPayload([MessageCode.INVOCATION, msg.requestId, msg.registration, msg.details], msg);
    case 'YIELD':
      return withPayload([MessageCode.YIELD, msg.requestId, msg.options], msg);
  }
}

function withPayload(head: unknown[], p: Payload): unknown[] {
  if (p.payload !== undefined) {
    head.push(p.payload);
  } else if (p.kwargs !== undefined) {
    head.push(p.args ?? [], p.kwargs);
  } else if (p.args !== undefined) {
    head.push(p.args);
  }
  return head;
}

const STRICT_URIS = Object.freeze({ strict: true });
const LOOSE_URIS = Object.freeze({ strict: false });
const CHECKED_KEYS: DictCheckOptions = Object.freeze({ checkKeyNames: true });
const ANY_KEYS: DictCheckOptions = Object.freeze({ checkKeyNames: false });
/** For CHALLENGE and AUTHENTICATE `extra`, whose keys belong to the auth method. */
const CHECKED_UNTYPED_KEYS: DictCheckOptions = Object.freeze({ checkKeyNames: true, typedKeys: false });
const ANY_UNTYPED_KEYS: DictCheckOptions = Object.freeze({ checkKeyNames: false, typedKeys: false });

/**
 * Validates a decoded wire array and turns it into a typed message.
 *
 * @throws ProtocolViolationError naming the offending field (its `field` property and its message).
 *
 * @example
 * const msg = messageFromArray(JSON.parse('[1, "com.example.realm", {"roles": {"caller": {}}}]'));
 * if (msg.type === 'HELLO') console.log(msg.realm);
 */
export function messageFromArray(raw: unknown, options: DecodeOptions = {}): WampMessage {
  if (!Array.isArray(raw)) {
    throw new ProtocolViolationError(`a WAMP message must be a list, got ${describe(raw)}`, { field: 'message' });
  }
  const code: unknown = raw[0];
  const name = typeof code === 'number' ? messageNameOf(code) : undefined;
  if (name === undefined) {
    throw new ProtocolViolationError(`unknown message code ${describe(code)}`, { field: 'message_type' });
  }
  // Nothing is allocated here per message but the message itself: the checks are plain
  // functions, and their options objects are shared constants. The URI a request names (realm,
  // topic, procedure) is only type-checked here: a malformed one is answered by the router with
  // ABORT or ERROR `wamp.error.invalid_uri` (basic profile "URIs"), a reply the peer can act on,
  // rather than a protocol violation that ends the session.
  const uriRules = options.strictUris === true ? STRICT_URIS : LOOSE_URIS;
  const keys = options.anyOptionKeys === true ? ANY_KEYS : CHECKED_KEYS;
  switch (name) {
    case 'HELLO': {
      checkLength(name, raw, 3);
      // `null`: no realm asked for; the router's authentication may assign one.
      const realm = raw[1] === null ? undefined : stringField(name, 'realm', raw[1]);
      const details = checkDict(name, 'details', raw[2], keys);
      requireKey(name, 'details', details, 'roles');
      return realm === undefined ? { type: name, details } : { type: name, realm, details };
    }
    case 'WELCOME': {
      checkLength(name, raw, 3);
      const session = idField(name, 'session', raw[1]);
      const details = checkDict(name, 'details', raw[2], keys);
      requireKey(name, 'details', details, 'roles');
      return { type: name, session, details };
    }
    case 'ABORT':
    case 'GOODBYE': {
      checkLength(name, raw, 3);
      const details = checkDict(name, 'details', raw[1], keys);
      return { type: name, details, reason: checkUri(name, 'reason', raw[2], uriRules) };
    }
    case 'CHALLENGE':
    case 'AUTHENTICATE': {
      checkLength(name, raw, 3);
      const extraKeys = keys === ANY_KEYS ? ANY_UNTYPED_KEYS : CHECKED_UNTYPED_KEYS;
      if (name === 'CHALLENGE') {
        const authMethod = checkField<string>(name, 'authmethod', raw[1], isNonEmptyString);
        return { type: name, authMethod, extra: checkDict(name, 'extra', raw[2], extraKeys) };
      }
      const signature = stringField(name, 'signature', raw[1]);
      return { type: name, signature, extra: checkDict(name, 'extra', raw[2], extraKeys) };
    }
    case 'ERROR': {
      checkLength(name, raw, 5, 7);
      const requestType = checkField<number>(name, 'request_type', raw[1], isErrorRequestType);
      const requestId = idField(name, 'request_id', raw[2]);
      const details = checkDict(name, 'details', raw[3], keys);
      const error = checkUri(name, 'error', raw[4], uriRules);
      return withPayloadAt({ type: name, requestType, requestId, details, error }, raw, 5, details);
    }
    case 'PUBLISH': {
      checkLength(name, raw, 4, 6);
      const requestId = idField(name, 'request_id', raw[1]);
      const options = checkDict(name, 'options', raw[2], keys);
      const topic = stringField(name, 'topic', raw[3]);
      return withPayloadAt({ type: name, requestId, options, topic }, raw, 4, options);
    }
    case 'SUBSCRIBE':
    case 'REGISTER': {
      checkLength(name, raw, 4);
      const requestId = idField(name, 'request_id', raw[1]);
      const options = checkDict(name, 'options', raw[2], keys);
      if (name === 'SUBSCRIBE') return { type: name, requestId, options, topic: stringField(name, 'topic', raw[3]) };
      return { type: name, requestId, options, procedure: stringField(name, 'procedure', raw[3]) };
    }
    case 'PUBLISHED':
      checkLength(name, raw, 3);
      return {
        type: name,
        requestId: idField(name, 'request_id', raw[1]),
        publication: idField(name, 'publication', raw[2]),
      };
    case 'SUBSCRIBED':
    case 'UNSUBSCRIBE':
      checkLength(name, raw, 3);
      return {
        type: name,
        requestId: idField(name, 'request_id', raw[1]),
        subscription: idField(name, 'subscription', raw[2]),
      };
    case 'REGISTERED':
    case 'UNREGISTER':
      checkLength(name, raw, 3);
      return {
        type: name,
        requestId: idField(name, 'request_id', raw[1]),
        registration: idField(name, 'registration', raw[2]),
      };
    case 'UNSUBSCRIBED':
    case 'UNREGISTERED': {
      checkLength(name, raw, 2, 3);
      // Router-initiated revocation sends request 0 with Details (spec: "Subscription Revocation",
      // "Registration Revocation"); a reply to a request carries the request's ID.
      if (raw.length === 2) return { type: name, requestId: idField(name, 'request_id', raw[1]) };
      const requestId = checkField<number>(name, 'request_id', raw[1], isRequestIdOrZero);
      return { type: name, requestId, details: checkDict(name, 'details', raw[2], keys) };
    }
    case 'EVENT': {
      checkLength(name, raw, 4, 6);
      const subscription = idField(name, 'subscription', raw[1]);
      const publication = idField(name, 'publication', raw[2]);
      const details = checkDict(name, 'details', raw[3], keys);
      return withPayloadAt({ type: name, subscription, publication, details }, raw, 4, details);
    }
    case 'CALL': {
      checkLength(name, raw, 4, 6);
      const requestId = idField(name, 'request_id', raw[1]);
      const options = checkDict(name, 'options', raw[2], keys);
      const procedure = stringField(name, 'procedure', raw[3]);
      return withPayloadAt({ type: name, requestId, options, procedure }, raw, 4, options);
    }
    case 'CANCEL':
    case 'INTERRUPT': {
      checkLength(name, raw, 3);
      const extraChecks = name === 'CANCEL' ? CANCEL_OPTIONS : INTERRUPT_OPTIONS;
      return {
        type: name,
        requestId: idField(name, 'request_id', raw[1]),
        options: checkDict(name, 'options', raw[2], { extraChecks, ...keys }),
      };
    }
    case 'RESULT': {
      checkLength(name, raw, 3, 5);
      const requestId = idField(name, 'request_id', raw[1]);
      const details = checkDict(name, 'details', raw[2], keys);
      return withPayloadAt({ type: name, requestId, details }, raw, 3, details);
    }
    case 'INVOCATION': {
      checkLength(name, raw, 4, 6);
      const requestId = idField(name, 'request_id', raw[1]);
      const registration = idField(name, 'registration', raw[2]);
      const details = checkDict(name, 'details', raw[3], keys);
      return withPayloadAt({ type: name, requestId, registration, details }, raw, 4, details);
    }
    case 'YIELD': {
      checkLength(name, raw, 3, 5);
      const requestId = idField(name, 'request_id', raw[1]);
      const options = checkDict(name, 'options', raw[2], keys);
      return withPayloadAt({ type: name, requestId, options }, raw, 3, options);
    }
  }
}

function requireKey(messageType: string, field: string, dict: Dict, key: string): void {
  if (dict[key] === undefined) throw violation(messageType, `${field}.${key}`, 'present', undefined);
}

/**
 * Whether options or details switch on payload passthru: `ppt_scheme` (spec: "Payload Passthru
 * Mode") or `enc_algo` (its earlier form, "Payload Transparency", used by Autobahn|Python).
 */
export function isPassthru(dict: Dict): boolean {
  return dict.ppt_scheme !== undefined || dict.enc_algo !== undefined;
}

/**
 * Adds the trailing `Arguments|list, ArgumentsKw|dict` at `index` to `message` and returns it.
 * `null` in either slot is taken as absent, as Autobahn|Python does, since older peers send it;
 * we never send it. In passthru mode the args slot may hold the opaque payload itself (binary or
 * string), as Autobahn|Python sends it and the test vectors expect; kwargs must then be absent or
 * empty.
 */
function withPayloadAt<T extends { type: string }>(message: T & Payload, raw: unknown[], index: number, dict: Dict): T {
  if (raw.length <= index) return message;
  const args = raw[index];
  const kwargs = raw[index + 1];
  if (args !== null && !Array.isArray(args)) {
    if (isPassthru(dict) && (isBinary(args) || typeof args === 'string')) {
      if (kwargs !== undefined && kwargs !== null && !(isDict(kwargs) && Object.keys(kwargs).length === 0)) {
        throw violation(message.type, 'kwargs', 'absent in payload passthru mode', kwargs);
      }
      message.payload = args;
      return message;
    }
    throw violation(message.type, 'args', 'a list', args);
  }
  if (kwargs !== undefined && kwargs !== null) {
    if (!isDict(kwargs)) throw violation(message.type, 'kwargs', 'a dict', kwargs);
    message.args = args ?? [];
    message.kwargs = kwargs;
  } else if (args !== null) {
    message.args = args;
  }
  return message;
}

/** A positional ID field. */
function idField(name: string, field: string, value: unknown): number {
  return checkField<number>(name, field, value, isId);
}

/** A positional string field (a URI a request names is only type-checked: see messageFromArray). */
function stringField(name: string, field: string, value: unknown): string {
  return checkField<string>(name, field, value, isString);
}

/** Checks that `raw` has `min` to `max` elements. */
function checkLength(name: string, raw: unknown[], min: number, max = min): void {
  if (raw.length < min || raw.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    throw new ProtocolViolationError(`${name}: message must have ${expected} elements, got ${raw.length}`, {
      field: 'length',
    });
  }
}
