/**
 * A minimal MQTT 3.1.1 client over a raw TCP socket, for the load generator: the MQTT
 * counterpart of ws-client.mjs. Control packets (CONNECT, SUBSCRIBE and their answers) are
 * written and read with mqtt-packet, the codec the broker itself uses; while measuring, PUBLISH
 * packets are pre-built once ({@link PublishTemplate}, packet identifier patched in place), a
 * tick's packets leave in one write, and received packets are split by their fixed header and
 * handed on as bytes: a QoS 1 PUBLISH is answered with a PUBACK built from its two identifier
 * bytes, nothing is decoded. MQTT.js would parse every packet into an object and emit it, which at
 * a hundred thousand deliveries a second measures the client, not the broker.
 */
import { connect } from 'node:net';
import mqttPacket from 'mqtt-packet';

/** MQTT control packet types (MQTT 3.1.1 section 2.2.1). */
export const PacketType = Object.freeze({
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  SUBACK: 9,
});

/**
 * A PUBLISH built once; a QoS 1 one has its packet identifier patched per send (MQTT 3.1.1
 * section 3.3.2.2: it follows the topic name).
 */
export class PublishTemplate {
  constructor({ topic, payload, qos }) {
    this.qos = qos;
    this.bytes = mqttPacket.generate({
      cmd: 'publish',
      topic,
      payload,
      qos,
      retain: false,
      dup: false,
      ...(qos > 0 ? { messageId: 0xffff } : {}),
    });
    this.length = this.bytes.length;
    // Fixed header (1 octet, then 1 to 4 of remaining length), topic length (2), topic.
    let header = 1;
    while (this.bytes[header] & 0x80) header++;
    this.idAt = qos > 0 ? header + 1 + 2 + Buffer.byteLength(topic) : -1;
  }

  /** Copies the packet into `target` at `offset` with packet identifier `id` (QoS 1); returns the end. */
  writeInto(target, offset, id) {
    this.bytes.copy(target, offset);
    if (this.idAt !== -1) target.writeUInt16BE(id, offset + this.idAt);
    return offset + this.length;
  }
}

/** One MQTT connection (clean session, no keep-alive). */
export class MqttRawClient {
  /** @param {{ host: string, port: number, clientId: string }} options */
  constructor({ host, port, clientId }) {
    this.host = host;
    this.port = port;
    this.clientId = clientId;
    this.socket = undefined;
    /**
     * Called for each packet once in hot mode: `(type, buf, start, end)`, `start` at the variable
     * header. A QoS 1 PUBLISH has already been acknowledged.
     */
    this.onPacket = undefined;
    /** Called once when the connection ends. */
    this.onClose = undefined;
    this.closed = false;
  }

  #carry = undefined;
  #waiters = [];
  #queue = [];
  #nextId = 1;
  #out = Buffer.allocUnsafe(0);
  #outStart = 0;
  #outEnd = 0;

  /** Opens the connection and waits for a successful CONNACK. */
  async open() {
    await new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port, noDelay: true });
      this.socket = socket;
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        socket.on('error', () => {});
        resolve();
      });
      socket.on('data', (chunk) => this.receive(chunk));
      socket.once('close', () => {
        this.closed = true;
        for (const waiter of this.#waiters.splice(0)) waiter.reject(new Error('connection closed'));
        this.onClose?.();
      });
    });
    // keepalive 0: the broker never closes an idle connection (MQTT 3.1.1 section 3.1.2.10).
    this.write(
      mqttPacket.generate({ cmd: 'connect', protocolVersion: 4, clientId: this.clientId, clean: true, keepalive: 0 }),
    );
    const connack = await this.#next();
    if (connack.cmd !== 'connack' || connack.returnCode !== 0)
      throw new Error(`CONNECT refused: ${JSON.stringify(connack).slice(0, 200)}`);
  }

  /** Subscribes to one filter; fails unless the broker grants `qos`. */
  async subscribe(filter, qos) {
    const messageId = this.#nextId++;
    this.write(mqttPacket.generate({ cmd: 'subscribe', messageId, subscriptions: [{ topic: filter, qos }] }));
    const suback = await this.#next();
    if (suback.cmd !== 'suback' || suback.messageId !== messageId || suback.granted?.[0] !== qos)
      throw new Error(`SUBSCRIBE ${filter} at QoS ${qos}: ${JSON.stringify(suback).slice(0, 200)}`);
  }

  /** Writes bytes (one or more complete packets). */
  write(bytes) {
    if (!this.closed) this.socket.write(bytes);
  }

  /** Appends a PUBLISH with packet identifier `id`; written by the next {@link flush}. */
  queue(template, id) {
    this.#reserve(template.length);
    this.#outEnd = template.writeInto(this.#out, this.#outEnd, id);
  }

  /** Writes what was queued, in one write. */
  flush() {
    if (this.#outEnd === this.#outStart) return;
    this.write(this.#out.subarray(this.#outStart, this.#outEnd));
    this.#outStart = this.#outEnd;
  }

  /** Ends the connection at once. */
  destroy() {
    this.closed = true;
    this.socket?.destroy();
  }

  #reserve(length) {
    if (this.#outEnd + length <= this.#out.length) return;
    this.flush();
    // A fresh region: Node may still hold the chunk written from the old one.
    this.#out = Buffer.allocUnsafe(Math.max(256 * 1024, length));
    this.#outStart = 0;
    this.#outEnd = 0;
  }

  #next(timeoutMs = 10_000) {
    if (this.#queue.length > 0) return Promise.resolve(this.#queue.shift());
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no packet within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push({
        resolve: (packet) => {
          clearTimeout(timer);
          resolve(packet);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  /** Feeds bytes read from the socket: splits them into packets by their fixed header (MQTT 3.1.1 section 2.2). */
  receive(chunk) {
    let buf = chunk;
    if (this.#carry !== undefined) {
      buf = Buffer.concat([this.#carry, chunk]);
      this.#carry = undefined;
    }
    const end = buf.length;
    let i = 0;
    for (;;) {
      // Remaining length: 1 to 4 octets, 7 bits each, least significant first.
      let length = 0;
      let shift = 0;
      let at = i + 1;
      let complete = false;
      while (at < end && shift <= 21) {
        const b = buf[at++];
        length += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if ((b & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || end - at < length) break;
      const type = buf[i] >> 4;
      const start = at;
      const stop = at + length;
      if (this.onPacket === undefined) this.#control(buf.subarray(i, stop));
      else {
        // QoS 1 PUBLISH: PUBACK with its packet identifier, which follows the topic (section 3.4).
        if (type === PacketType.PUBLISH && (buf[i] & 0x06) === 0x02) {
          const idAt = start + 2 + buf.readUInt16BE(start);
          this.#reserve(4);
          this.#out[this.#outEnd] = 0x40;
          this.#out[this.#outEnd + 1] = 0x02;
          this.#out[this.#outEnd + 2] = buf[idAt];
          this.#out[this.#outEnd + 3] = buf[idAt + 1];
          this.#outEnd += 4;
        }
        this.onPacket(type, buf, start, stop);
      }
      i = stop;
    }
    if (i < end) this.#carry = buf.subarray(i);
    // Acknowledgements (and anything the handler queued) leave in one write.
    this.flush();
  }

  #control(bytes) {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    let packet;
    parser.on('packet', (p) => {
      packet = p;
    });
    parser.on('error', (error) => {
      packet = { cmd: 'undecodable', error: String(error) };
    });
    parser.parse(bytes);
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.resolve(packet);
    else this.#queue.push(packet);
  }
}
