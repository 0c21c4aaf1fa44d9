/**
 * WAMP on the wire for the load generator: messages encoded once into complete WebSocket frames,
 * request IDs patched in place, and received frames read only as far as the message type and the
 * request ID (the first two array elements), without decoding the rest.
 *
 * Frames the generator sends are masked with an all-zero key (RFC 6455 section 5.3 asks clients
 * for an unpredictable key; a server cannot tell, and a zero key makes the masked bytes equal the
 * plain ones, so a frame is built once and copied, never XORed). Only control messages (HELLO,
 * REGISTER, SUBSCRIBE and their answers) are decoded in full.
 */
import { Decoder, Encoder } from 'cbor-x';
import { Packr, Unpackr } from 'msgpackr';

/** WebSocket subprotocol of each serializer (WAMP basic profile "Serializations"). */
export const SUBPROTOCOL = Object.freeze({ json: 'wamp.2.json', msgpack: 'wamp.2.msgpack', cbor: 'wamp.2.cbor' });

/** WAMP message codes the generator uses (WAMP basic profile "Message Codes and Direction"). */
export const Code = Object.freeze({
  HELLO: 1,
  WELCOME: 2,
  ABORT: 3,
  GOODBYE: 6,
  ERROR: 8,
  PUBLISH: 16,
  PUBLISHED: 17,
  SUBSCRIBE: 32,
  SUBSCRIBED: 33,
  EVENT: 36,
  CALL: 48,
  RESULT: 50,
  REGISTER: 64,
  REGISTERED: 65,
  INVOCATION: 68,
  YIELD: 70,
});

/**
 * A placeholder for an ID patched per send. It is encoded with a fixed width that holds any WAMP
 * ID (1..2^53): 16 JSON digits, msgpack `int 64` (0xd3, what msgpackr writes for a bigint),
 * CBOR 8-byte unsigned (0x1b). The sentinel value 2^53 - 1 marks where each slot is.
 */
export const ID_SLOT = Symbol('id slot');
const SENTINEL = 2 ** 53 - 1;
const ID_SLOT_JSON = Buffer.from(String(SENTINEL));
const ID_SLOT_MSGPACK = Buffer.from([0xd3, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
const ID_SLOT_CBOR = Buffer.from([0x1b, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** The array with its ID slots replaced by the sentinel, as a number (JSON) or a bigint (uint 64). */
function withSentinels(serializer, array) {
  const sentinel = serializer === 'json' ? SENTINEL : BigInt(SENTINEL);
  return array.map((v) => (v === ID_SLOT ? sentinel : v));
}

const packr = new Packr({ useRecords: false, variableMapSize: true, useFloat32: 0 });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
const cborEncoder = new Encoder({
  useRecords: false,
  mapsAsObjects: true,
  variableMapSize: true,
  tagUint8Array: false,
  useFloat32: 0,
});
const cborDecoder = new Decoder({ useRecords: false, mapsAsObjects: true, int64AsNumber: true });

/** Encodes one WAMP message array (the payload of a WebSocket frame). */
export function encodePayload(serializer, array) {
  switch (serializer) {
    case 'json':
      return Buffer.from(JSON.stringify(array), 'utf8');
    case 'msgpack':
      return Buffer.from(packr.pack(array));
    case 'cbor':
      return Buffer.from(cborEncoder.encode(array));
    default:
      throw new Error(`unknown serializer ${serializer}`);
  }
}

/** Decodes one WAMP message array in full (control messages only). */
export function decodePayload(serializer, bytes) {
  switch (serializer) {
    case 'json':
      return JSON.parse(bytes.toString('utf8'));
    case 'msgpack':
      return unpackr.unpack(bytes);
    case 'cbor':
      return cborDecoder.decode(bytes);
    default:
      throw new Error(`unknown serializer ${serializer}`);
  }
}

/**
 * A complete WebSocket frame around `payload` (RFC 6455 section 5.2): FIN set, the serializer's
 * opcode (text for JSON, binary otherwise), masked with a zero key when `masked` (client to server).
 */
export function wsFrame(payload, { binary, masked = true }) {
  const length = payload.length;
  const extended = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const header = 2 + extended + (masked ? 4 : 0);
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x80 | (binary ? 0x2 : 0x1);
  frame[1] = (masked ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127);
  if (extended === 2) frame.writeUInt16BE(length, 2);
  if (extended === 8) frame.writeBigUInt64BE(BigInt(length), 2);
  if (masked) frame.fill(0, 2 + extended, header);
  payload.copy(frame, header);
  return frame;
}

/** One message array as a client frame, ready to write. */
export function clientFrame(serializer, array) {
  return wsFrame(encodePayload(serializer, array), { binary: serializer !== 'json', masked: true });
}

/**
 * A frame built once whose ID slots (elements equal to {@link ID_SLOT}) are patched per send.
 * `slots` are byte offsets of each slot inside `bytes`.
 */
export class FrameTemplate {
  constructor(serializer, array, { masked = true } = {}) {
    this.serializer = serializer;
    this.bytes = wsFrame(encodePayload(serializer, withSentinels(serializer, array)), {
      binary: serializer !== 'json',
      masked,
    });
    const needle = serializer === 'json' ? ID_SLOT_JSON : serializer === 'msgpack' ? ID_SLOT_MSGPACK : ID_SLOT_CBOR;
    this.slots = [];
    for (let at = this.bytes.indexOf(needle); at !== -1; at = this.bytes.indexOf(needle, at + needle.length))
      this.slots.push(at);
    this.length = this.bytes.length;
    this.patch = serializer === 'json' ? patchJson : patchBinary;
  }

  /** Copies the frame into `target` at `offset` with its first slot set to `id`; returns the end offset. */
  writeInto(target, offset, id) {
    this.bytes.copy(target, offset);
    if (this.slots.length > 0) this.patch(target, offset + this.slots[0], id);
    return offset + this.length;
  }

  /** Copies the frame into `target` at `offset` with slot `i` set to `ids[i]` for each slot. */
  writeIntoMany(target, offset, ids) {
    this.bytes.copy(target, offset);
    for (let i = 0; i < this.slots.length; i++) this.patch(target, offset + this.slots[i], ids[i]);
    return offset + this.length;
  }
}

/** JSON slot: the ID right-aligned in 16 characters, led by spaces (JSON allows whitespace). */
function patchJson(buf, at, id) {
  let p = at + 15;
  let v = id;
  // Integer arithmetic while the value fits 31 bits; doubles only above.
  while (v > 0x7fffffff) {
    const q = Math.floor(v / 10);
    buf[p--] = 48 + (v - q * 10);
    v = q;
  }
  do {
    const q = (v / 10) | 0;
    buf[p--] = 48 + (v - q * 10);
    v = q;
  } while (v > 0);
  while (p >= at) buf[p--] = 32;
}

/** msgpack `int 64` (0xd3) or CBOR 8-byte unsigned (0x1b): the tag byte stays, the value changes. */
function patchBinary(buf, at, id) {
  buf.writeUInt32BE(Math.floor(id / 4294967296), at + 1);
  buf.writeUInt32BE(id >>> 0, at + 5);
}

/**
 * The first two elements of a received message: the type code, and (in `HEAD[1]`) the second
 * element when it is an integer (request ID, subscription ID...). Returns the type, -1 if unreadable.
 */
export const HEAD = new Float64Array(2);

/** Reads the head of a JSON frame: `[code, id, ...` with any whitespace. */
function headJson(buf, i, end) {
  while (i < end && buf[i] !== 0x5b) i++;
  i++;
  let n = 0;
  let v = 0;
  let digits = false;
  for (; i < end && n < 2; i++) {
    const c = buf[i];
    if (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      digits = true;
    } else if (digits) {
      HEAD[n++] = v;
      v = 0;
      digits = false;
      if (c !== 0x2c && c !== 0x20) break;
    } else if (c !== 0x20 && c !== 0x2c && c !== 0x0a && c !== 0x09 && c !== 0x0d) {
      break;
    }
  }
  if (n === 0) return -1;
  if (n === 1) HEAD[1] = -1;
  return HEAD[0];
}

/** Where the last integer read ended (set by {@link uintAt}, read by the head readers). */
let cursor = 0;

/**
 * Reads a big-endian unsigned integer of 1, 2, 4 or 8 bytes at `i`; sets `cursor` past it. msgpack
 * (0xcc to 0xcf) and CBOR (0x18 to 0x1b) both tag these four widths with consecutive codes.
 */
function uintAt(buf, i, bytes) {
  cursor = i + bytes;
  switch (bytes) {
    case 1:
      return buf[i];
    case 2:
      return buf.readUInt16BE(i);
    case 4:
      return buf.readUInt32BE(i);
    default:
      return buf.readUInt32BE(i) * 4294967296 + buf.readUInt32BE(i + 4);
  }
}

/** Reads one msgpack integer (or float 64) at `i`; sets `cursor` past it. */
function msgpackInt(buf, i) {
  const b = buf[i];
  if (b <= 0x7f) {
    cursor = i + 1;
    return b;
  }
  if (b >= 0xcc && b <= 0xcf) return uintAt(buf, i + 1, 1 << (b - 0xcc));
  switch (b) {
    case 0xd0:
      cursor = i + 2;
      return buf.readInt8(i + 1);
    case 0xd1:
      cursor = i + 3;
      return buf.readInt16BE(i + 1);
    case 0xd2:
      cursor = i + 5;
      return buf.readInt32BE(i + 1);
    case 0xd3:
      cursor = i + 9;
      return buf.readInt32BE(i + 1) * 4294967296 + buf.readUInt32BE(i + 5);
    case 0xcb:
      cursor = i + 9;
      return buf.readDoubleBE(i + 1);
    default:
      cursor = i + 1;
      return -1;
  }
}

function headMsgpack(buf, i, end) {
  const a = buf[i];
  if (a >= 0x90 && a <= 0x9f) i += 1;
  else if (a === 0xdc) i += 3;
  else if (a === 0xdd) i += 5;
  else return -1;
  if (i >= end) return -1;
  HEAD[0] = msgpackInt(buf, i);
  HEAD[1] = cursor < end ? msgpackInt(buf, cursor) : -1;
  return HEAD[0];
}

/** Reads one CBOR unsigned integer (major type 0, or float 64) at `i`; sets `cursor` past it. */
function cborInt(buf, i) {
  const b = buf[i];
  if (b <= 0x17) {
    cursor = i + 1;
    return b;
  }
  if (b >= 0x18 && b <= 0x1b) return uintAt(buf, i + 1, 1 << (b - 0x18));
  if (b === 0xfb) {
    cursor = i + 9;
    return buf.readDoubleBE(i + 1);
  }
  cursor = i + 1;
  return -1;
}

function headCbor(buf, i, end) {
  const a = buf[i];
  if (a >= 0x80 && a <= 0x97) i += 1;
  else if (a === 0x98) i += 2;
  else if (a === 0x99) i += 3;
  else if (a === 0x9f) i += 1;
  else return -1;
  if (i >= end) return -1;
  HEAD[0] = cborInt(buf, i);
  HEAD[1] = cursor < end ? cborInt(buf, cursor) : -1;
  return HEAD[0];
}

/** The head reader of a serializer: `(buf, start, end) => type`, with the second element in `HEAD[1]`. */
export function headReader(serializer) {
  switch (serializer) {
    case 'json':
      return headJson;
    case 'msgpack':
      return headMsgpack;
    case 'cbor':
      return headCbor;
    default:
      throw new Error(`unknown serializer ${serializer}`);
  }
}

/** HELLO with the four client roles (WAMP basic profile "HELLO"). */
export function helloMessage(realm) {
  return [Code.HELLO, realm, { roles: { caller: {}, callee: {}, publisher: {}, subscriber: {} } }];
}
