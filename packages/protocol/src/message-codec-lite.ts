/**
 * A small codec for clients: typed messages to wire arrays and back, described by one table
 * instead of a case per message. It is what `createLiteJsonSerializer` (serializer-json-lite.ts)
 * uses, so that a browser page does not download the full validation of message-codec.ts.
 *
 * Decoding checks only what a client relies on: a known message code, the number of fields,
 * that IDs and codes are numbers, dicts are objects, URIs and names strings, `args` a list and
 * `kwargs` a dict (spec: basic profile "Message Definitions"). It does not check URI syntax,
 * ID ranges, option keys or the values of known options, as messageFromArray does: a client
 * trusts its router for those, and a router must keep using messageFromArray. What it lets
 * through can still not crash a client: every field has the type its message type declares.
 * Encoding is the same as messageToArray's.
 */
import { ProtocolViolationError } from './errors.js';
import type { Dict, WampMessage } from './messages.js';

/**
 * Each message by its code: its name, then its fields in wire order; `*` marks the trailing
 * Arguments|list, ArgumentsKw|dict, `?` a last field that may be absent. A field's type follows
 * from its name (see kindOf).
 */
const SHAPES: Record<number, string> = {
  1: 'HELLO realm details',
  2: 'WELCOME session details',
  3: 'ABORT details reason',
  4: 'CHALLENGE authMethod extra',
  5: 'AUTHENTICATE signature extra',
  6: 'GOODBYE details reason',
  8: 'ERROR requestType requestId details error *',
  16: 'PUBLISH requestId options topic *',
  17: 'PUBLISHED requestId publication',
  32: 'SUBSCRIBE requestId options topic',
  33: 'SUBSCRIBED requestId subscription',
  34: 'UNSUBSCRIBE requestId subscription',
  35: 'UNSUBSCRIBED requestId details ?',
  36: 'EVENT subscription publication details *',
  48: 'CALL requestId options procedure *',
  49: 'CANCEL requestId options',
  50: 'RESULT requestId details *',
  64: 'REGISTER requestId options procedure',
  65: 'REGISTERED requestId registration',
  66: 'UNREGISTER requestId registration',
  67: 'UNREGISTERED requestId details ?',
  68: 'INVOCATION requestId registration details *',
  69: 'INTERRUPT requestId options',
  70: 'YIELD requestId options *',
};

interface Shape {
  code: number;
  name: string;
  fields: string[];
  /** Whether Arguments and ArgumentsKw may follow the fields. */
  payload: boolean;
  /** Whether the last field may be absent. */
  optionalLast: boolean;
}

const BY_CODE = new Map<number, Shape>();
const BY_NAME = new Map<string, Shape>();
for (const [code, text] of Object.entries(SHAPES)) {
  const [name = '', ...rest] = text.split(' ');
  const shape = {
    code: Number(code),
    name,
    fields: rest.filter((f) => f !== '*' && f !== '?'),
    payload: rest.includes('*'),
    optionalLast: rest.includes('?'),
  };
  BY_CODE.set(shape.code, shape);
  BY_NAME.set(name, shape);
}

const DICTS = ['details', 'options', 'extra'];
const STRINGS = ['realm', 'reason', 'error', 'authMethod', 'signature', 'topic', 'procedure'];

/** Whether `value` has the type field `name` must have: a dict, a string or a number. */
function fits(name: string, value: unknown): boolean {
  if (DICTS.includes(name)) return isObject(value);
  if (STRINGS.includes(name)) return typeof value === 'string' || (name === 'realm' && value === null);
  return typeof value === 'number';
}

function isObject(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Turns a typed message into its wire array, as messageToArray does: absent `args`/`kwargs`
 * are omitted, never `null`; `[]` stands for args when only kwargs are given; a passthru
 * `payload` takes the args slot on its own.
 */
export function messageToWire(message: WampMessage): unknown[] {
  const shape = BY_NAME.get(message.type) as Shape;
  const fields = message as unknown as Dict;
  const wire: unknown[] = [shape.code];
  for (const field of shape.fields) {
    const value = fields[field];
    if (value === undefined && shape.optionalLast) break;
    wire.push(value ?? null);
  }
  const { args, kwargs, payload } = fields;
  if (payload !== undefined) wire.push(payload);
  else if (kwargs !== undefined) wire.push(args ?? [], kwargs);
  else if (args !== undefined) wire.push(args);
  return wire;
}

/**
 * Turns a decoded wire array from a router into a typed message, checking the types of its
 * fields only (see the top of this file).
 *
 * @throws ProtocolViolationError for anything else.
 */
export function messageFromWire(raw: unknown): WampMessage {
  const shape = Array.isArray(raw) ? BY_CODE.get(raw[0] as number) : undefined;
  if (shape === undefined) throw bad('not a WAMP message of a known type');
  const { fields, name } = shape;
  const arity = fields.length + 1;
  const length = (raw as unknown[]).length;
  const min = shape.optionalLast ? arity - 1 : arity;
  if (length < min || length > (shape.payload ? arity + 2 : arity)) {
    throw bad(`${name} with ${length} elements`);
  }
  const message: Dict = { type: name };
  fields.forEach((field, i) => {
    const value = (raw as unknown[])[i + 1];
    if (value === undefined) return;
    if (!fits(field, value)) throw bad(`${name}.${field} has the wrong type`);
    if (value !== null) message[field] = value;
  });
  // `null` in either payload slot is taken as absent, as messageFromArray does.
  const args = (raw as unknown[])[arity];
  const kwargs = (raw as unknown[])[arity + 1];
  if (args !== undefined && args !== null) {
    if (Array.isArray(args)) message.args = args;
    else if (
      (typeof args === 'string' || args instanceof Uint8Array) &&
      isPassthru((message.details ?? message.options) as Dict)
    ) {
      message.payload = args;
    } else throw bad(`${name} args is not a list`);
  }
  if (kwargs !== undefined && kwargs !== null) {
    if (!isObject(kwargs)) throw bad(`${name} kwargs is not a dict`);
    if (message.payload === undefined) {
      message.args ??= [];
      message.kwargs = kwargs;
    }
  }
  return message as unknown as WampMessage;
}

/** Payload passthru, as message-codec.ts's isPassthru (not imported: that module is the big one). */
function isPassthru(dict: Dict): boolean {
  return dict.ppt_scheme !== undefined || dict.enc_algo !== undefined;
}

function bad(message: string): ProtocolViolationError {
  return new ProtocolViolationError(message, { field: 'message' });
}
