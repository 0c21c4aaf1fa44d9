/**
 * A hand-driven MQTT client for tests: packets written and read with mqtt-packet, nothing
 * answered automatically, so a test can leave a QoS 1 message unacknowledged, send what a real
 * client never would, or watch the server close the connection.
 */
import { connect, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

/** A raw MQTT connection. */
export class RawMqttClient {
  readonly socket: Socket;
  readonly #packets: Packet[] = [];
  readonly #waiting: ((packet: Packet | undefined) => void)[] = [];
  #closed = false;
  /** Resolves when the server closes the connection. */
  readonly closed: Promise<void>;
  readonly #version: number;
  /** What the client's own parser could not read (a server bug if not empty). */
  readonly parseErrors: string[] = [];
  /** Every chunk received, for diagnosis. */
  readonly received: Buffer[] = [];

  private constructor(socket: Socket, version: number) {
    this.socket = socket;
    this.#version = version;
    const parser = mqttPacket.parser({ protocolVersion: version });
    parser.on('packet', (packet: Packet) => {
      const waiter = this.#waiting.shift();
      if (waiter !== undefined) waiter(packet);
      else this.#packets.push(packet);
    });
    parser.on('error', (error: Error) => {
      this.parseErrors.push(error.message);
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      parser.parse(chunk);
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.#closed = true;
        for (const waiter of this.#waiting.splice(0)) waiter(undefined);
        resolve();
      });
    });
    socket.on('error', () => {});
  }

  /** Opens a TCP connection. */
  static open(port: number, version = 4): Promise<RawMqttClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RawMqttClient(socket, version)));
      socket.once('error', reject);
    });
  }

  /** Sends a packet. */
  send(packet: Packet): void {
    this.socket.write(mqttPacket.generate(packet, { protocolVersion: this.#version }));
  }

  /** Sends raw octets. */
  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The next packet from the server; `undefined` once the connection is closed. */
  next(): Promise<Packet | undefined> {
    const packet = this.#packets.shift();
    if (packet !== undefined || this.#closed) return Promise.resolve(packet);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Sends CONNECT and returns the CONNACK. */
  async connect(options: {
    clientId: string;
    clean?: boolean;
    keepalive?: number;
    properties?: object;
  }): Promise<Packet | undefined> {
    this.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: this.#version as 4 | 5,
      clientId: options.clientId,
      clean: options.clean ?? true,
      keepalive: options.keepalive ?? 0,
      ...(options.properties === undefined ? {} : { properties: options.properties }),
    } as Packet);
    return this.next();
  }

  /** Closes the socket abruptly (no DISCONNECT). */
  drop(): void {
    this.socket.destroy();
  }
}
