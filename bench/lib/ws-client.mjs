/**
 * A minimal WebSocket client over a raw TCP socket (RFC 6455), for the load generator: it opens
 * the connection with a hand-written upgrade request, writes pre-built frames as given, and splits
 * what arrives into frames without copying (a frame split across reads is the only copy).
 *
 * Two modes: control (each message decoded in full and queued for `next()`, used to join a realm,
 * register and subscribe) and hot (each frame handed to `onFrame(buf, start, end)` as bytes, used
 * while measuring). `ws` costs several times more per received message than this (see
 * BENCHMARKS.md, "The generator"), which at two million deliveries a second is the difference
 * between measuring the router and measuring the generator.
 */
import { connect } from 'node:net';
import { Code, clientFrame, decodePayload, helloMessage, SUBPROTOCOL, wsFrame } from './wire.mjs';

const KEY = 'aW50ZXJjaGFuZ2ViZW5jaA=='; // any 16 bytes in base64; the server's answer is not checked.
const HEADER_END = Buffer.from('\r\n\r\n');

/** One WebSocket connection speaking WAMP with one serializer. */
export class WampRawClient {
  /**
   * @param {{ host: string, port: number, path?: string, serializer: 'json'|'msgpack'|'cbor' }} options
   */
  constructor({ host, port, path = '/', serializer }) {
    this.host = host;
    this.port = port;
    this.path = path;
    this.serializer = serializer;
    this.socket = undefined;
    /** Called for every data frame in hot mode: `(buf, start, end)`. */
    this.onFrame = undefined;
    /** Called once when the connection ends. */
    this.onClose = undefined;
    this.closed = false;
    this.frames = 0;
    this.bytes = 0;
    this.#queue = [];
    this.#waiters = [];
  }

  #queue;
  #waiters;
  #carry = undefined;
  #handshake = undefined;
  // Outgoing frames of this tick, written as one chunk: a bump region of a larger buffer, so
  // nothing is copied twice and a chunk Node still holds (socket busy) is never overwritten.
  #out = Buffer.allocUnsafe(0);
  #outStart = 0;
  #outEnd = 0;

  /** Opens the TCP connection and completes the WebSocket upgrade. */
  open() {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port, noDelay: true });
      this.socket = socket;
      let settled = false;
      const fail = (error) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        reject(error);
      };
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.write(
          `GET ${this.path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${SUBPROTOCOL[this.serializer]}\r\n\r\n`,
        );
      });
      socket.on('data', (chunk) => {
        if (this.#handshake !== undefined || !settled) {
          this.#handshake = this.#handshake === undefined ? chunk : Buffer.concat([this.#handshake, chunk]);
          const end = this.#handshake.indexOf(HEADER_END);
          if (end === -1) return;
          const head = this.#handshake.subarray(0, end).toString('latin1');
          const rest = this.#handshake.subarray(end + 4);
          this.#handshake = undefined;
          if (!head.startsWith('HTTP/1.1 101')) {
            fail(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
            return;
          }
          settled = true;
          socket.removeListener('error', fail);
          socket.on('error', () => {});
          resolve();
          if (rest.length > 0) this.receive(rest);
          return;
        }
        this.receive(chunk);
      });
      socket.once('close', () => {
        this.closed = true;
        if (!settled) fail(new Error('connection closed during the upgrade'));
        for (const waiter of this.#waiters.splice(0)) waiter.reject(new Error('connection closed'));
        this.onClose?.();
      });
    });
  }

  /** Writes bytes (one or more complete frames). */
  write(bytes) {
    if (!this.closed) this.socket.write(bytes);
  }

  /** Appends a templated frame with its ID slot set to `id`; written by the next {@link flush}. */
  queue(template, id) {
    if (this.#outEnd + template.length > this.#out.length) {
      this.flush();
      this.#out = Buffer.allocUnsafe(Math.max(256 * 1024, template.length));
      this.#outStart = 0;
      this.#outEnd = 0;
    }
    this.#outEnd = template.writeInto(this.#out, this.#outEnd, id);
  }

  /** Writes what {@link queue} collected, in one write. */
  flush() {
    if (this.#outEnd === this.#outStart) return;
    this.write(this.#out.subarray(this.#outStart, this.#outEnd));
    this.#outStart = this.#outEnd;
  }

  /** Encodes and sends one message array (control path). */
  send(array) {
    this.write(clientFrame(this.serializer, array));
  }

  /** The next message in control mode, decoded. */
  next(timeoutMs = 10_000) {
    if (this.#queue.length > 0) return Promise.resolve(this.#queue.shift());
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const at = this.#waiters.indexOf(waiter);
        if (at !== -1) this.#waiters.splice(at, 1);
        reject(new Error(`no message within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Sends `array` and returns the next message, failing unless its code is `expected`. */
  async request(array, expected) {
    this.send(array);
    const answer = await this.next();
    if (!Array.isArray(answer) || answer[0] !== expected) {
      throw new Error(`expected message ${expected}, got ${JSON.stringify(answer)?.slice(0, 200)}`);
    }
    return answer;
  }

  /** Opens the connection and joins `realm`; returns the WELCOME message. */
  async join(realm) {
    await this.open();
    return this.request(helloMessage(realm), Code.WELCOME);
  }

  /** Ends the connection at once. */
  destroy() {
    this.closed = true;
    this.socket?.destroy();
  }

  /** Feeds bytes read from the socket: splits them into frames and hands each on. */
  receive(chunk) {
    let buf = chunk;
    if (this.#carry !== undefined) {
      buf = Buffer.concat([this.#carry, chunk]);
      this.#carry = undefined;
    }
    this.bytes += chunk.length;
    const end = buf.length;
    let i = 0;
    while (end - i >= 2) {
      const b1 = buf[i + 1] & 0x7f;
      let header = 2;
      let length = b1;
      if (b1 === 126) {
        if (end - i < 4) break;
        length = buf.readUInt16BE(i + 2);
        header = 4;
      } else if (b1 === 127) {
        if (end - i < 10) break;
        length = buf.readUInt32BE(i + 2) * 4294967296 + buf.readUInt32BE(i + 6);
        header = 10;
      }
      if (end - i < header + length) break;
      const opcode = buf[i] & 0x0f;
      const start = i + header;
      i = start + length;
      if (opcode === 0x1 || opcode === 0x2) {
        this.frames++;
        if (this.onFrame !== undefined) this.onFrame(buf, start, i);
        else this.#control(buf.subarray(start, i));
      } else if (opcode === 0x9) {
        // Ping: answer with a pong carrying the same payload (RFC 6455 section 5.5.2).
        this.write(wsFrame(Buffer.from(buf.subarray(start, i)), { binary: false, masked: true }).fill(0x8a, 0, 1));
      } else if (opcode === 0x8) {
        this.destroy();
        return;
      }
    }
    if (i < end) this.#carry = buf.subarray(i);
    // Answers to this read leave in one write.
    this.flush();
  }

  #control(payload) {
    let message;
    try {
      message = decodePayload(this.serializer, payload);
    } catch (error) {
      message = { undecodable: String(error) };
    }
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.resolve(message);
    else this.#queue.push(message);
  }
}

/**
 * Opens `count` clients with at most `concurrency` handshakes in flight; `setup(client, index)`
 * runs on each after it opened (join, subscribe...). Fails on the first error.
 */
export async function openMany(count, concurrency, create, setup) {
  const clients = new Array(count);
  let next = 0;
  async function lane() {
    while (next < count) {
      const index = next++;
      const client = create(index);
      clients[index] = client;
      await setup(client, index);
    }
  }
  const lanes = [];
  for (let i = 0; i < Math.min(concurrency, count); i++) lanes.push(lane());
  try {
    await Promise.all(lanes);
  } catch (error) {
    for (const client of clients) client?.destroy();
    throw error;
  }
  return clients;
}
