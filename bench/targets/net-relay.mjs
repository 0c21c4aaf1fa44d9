/**
 * The floor: a WAMP relay on bare `node:net`, no library between the socket and the routing.
 * The handshake is parsed by hand, incoming frames are unmasked in place and decoded where they
 * lie, every outgoing frame is built once (header and payload in one buffer) and each socket gets
 * one buffer per tick (its frames joined, one `write`). It routes calls callee <-> caller and fans
 * events out by exact topic, with just enough WAMP for the bench's scenarios (HELLO, GOODBYE,
 * REGISTER, CALL, YIELD, SUBSCRIBE, PUBLISH): no validation, no authorization, no options, no
 * fragmented frames, no limits. Whatever a router does beyond this costs something; this is what
 * Node.js itself costs on the machine.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { newRelayState, relayRouter } from '../lib/relay-routing.mjs';
import { decodePayload, encodePayload } from '../lib/wire.mjs';
import { controlChannel } from './control.mjs';

const control = controlChannel();

const SERIALIZERS = { 'wamp.2.json': 'json', 'wamp.2.msgpack': 'msgpack', 'wamp.2.cbor': 'cbor' };
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const HEADER_END = Buffer.from('\r\n\r\n');

/** Connections with frames waiting, flushed together once per tick. */
const dirty = [];
let flushScheduled = false;

function flushAll() {
  flushScheduled = false;
  for (let i = 0; i < dirty.length; i++) dirty[i].flush();
  dirty.length = 0;
}

/** An unmasked server frame: header and payload in one buffer. */
function frameOf(payload, binary) {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = binary ? 0x82 : 0x81;
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
  }
  payload.copy(frame, header);
  return frame;
}

const router = relayRouter(frameOf);

class Connection {
  constructor(socket) {
    this.socket = socket;
    this.serializer = undefined;
    this.binary = false;
    this.pending = undefined; // bytes of an incomplete frame or handshake
    this.out = [];
    this.state = newRelayState();
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.data(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.closed());
  }

  data(chunk) {
    const buf = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    if (this.serializer === undefined) {
      const end = buf.indexOf(HEADER_END);
      if (end < 0) {
        this.pending = buf;
        return;
      }
      this.handshake(buf.toString('latin1', 0, end));
      if (end + 4 < buf.length) this.frames(buf.subarray(end + 4));
      return;
    }
    this.frames(buf);
  }

  handshake(head) {
    const header = (name) => new RegExp(`^${name}:\\s*(.*?)\\s*$`, 'im').exec(head)?.[1];
    const key = header('sec-websocket-key') ?? '';
    const offered = (header('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim());
    const protocol = offered.find((p) => p in SERIALIZERS);
    if (protocol === undefined) {
      this.socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    this.serializer = SERIALIZERS[protocol];
    this.binary = this.serializer !== 'json';
    const accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    this.socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
    );
  }

  /** Parses every whole frame in `buf`; keeps the rest for the next read. */
  frames(buf) {
    let at = 0;
    while (buf.length - at >= 2) {
      const opcode = buf[at] & 0x0f;
      const masked = (buf[at + 1] & 0x80) !== 0;
      let length = buf[at + 1] & 0x7f;
      let header = 2;
      if (length === 126) {
        if (buf.length - at < 4) break;
        length = buf.readUInt16BE(at + 2);
        header = 4;
      } else if (length === 127) {
        if (buf.length - at < 10) break;
        length = buf.readUInt32BE(at + 2) * 2 ** 32 + buf.readUInt32BE(at + 6);
        header = 10;
      }
      const start = at + header + (masked ? 4 : 0);
      const end = start + length;
      if (end > buf.length) break;
      if (masked) {
        const m = at + header;
        for (let i = start; i < end; i++) buf[i] ^= buf[m + ((i - start) & 3)];
      }
      at = end;
      if (opcode === 1 || opcode === 2) this.message(buf.subarray(start, end));
      else if (opcode === 8) {
        this.socket.destroy();
        return;
      } else if (opcode === 9) this.push(frameOf(buf.subarray(start, end), false).fill(0x8a, 0, 1));
    }
    if (at < buf.length) this.pending = buf.subarray(at);
  }

  send(array) {
    this.push(frameOf(encodePayload(this.serializer, array), this.binary));
  }

  push(frame) {
    if (this.out.length === 0) {
      dirty.push(this);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushAll);
      }
    }
    this.out.push(frame);
  }

  flush() {
    const out = this.out;
    this.out = [];
    if (this.socket.destroyed) return;
    this.socket.write(out.length === 1 ? out[0] : Buffer.concat(out));
  }

  message(payload) {
    router.receive(this, decodePayload(this.serializer, payload));
  }

  closed() {
    router.closed(this);
  }
}

const server = createServer({ noDelay: true }, (socket) => new Connection(socket));
server.on('error', (error) => control.fail(error));
server.listen(0, '127.0.0.1', () => control.ready(server.address().port));
