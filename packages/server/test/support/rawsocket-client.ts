/**
 * A RawSocket client speaking WAMP by hand, for tests: raw bytes out, decoded handshake and
 * frames in (through the protocol package's decoder), and the close.
 */
import { connect, type Socket } from 'node:net';
import {
  encodeRawSocketFrame,
  encodeRawSocketHandshake,
  RawSocketDecoder,
  type RawSocketEvent,
  RawSocketFrameType,
  type RawSocketFrameTypeValue,
} from '@interchange/protocol';

export type Target = { port: number; host?: string } | { path: string };

export class RawSocketTestClient {
  readonly socket: Socket;
  /** Resolves once the server closed (or the socket ended). */
  readonly closed: Promise<void>;
  /** Every byte received, in order. */
  readonly bytes: number[] = [];
  readonly #decoder = new RawSocketDecoder({ expectHandshake: true });
  readonly #events: RawSocketEvent[] = [];
  readonly #waiters: ((event: RawSocketEvent | undefined) => void)[] = [];
  #ended = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      this.bytes.push(...chunk);
      let events: RawSocketEvent[] = [];
      try {
        events = this.#decoder.push(chunk);
      } catch {
        // The server sent something undecodable; tests look at `bytes` then.
      }
      for (const event of events) {
        const waiter = this.#waiters.shift();
        if (waiter) waiter(event);
        else this.#events.push(event);
      }
    });
    socket.on('error', () => {});
    void this.closed.then(() => {
      this.#ended = true;
      for (const waiter of this.#waiters.splice(0)) waiter(undefined);
    });
  }

  static open(target: Target): Promise<RawSocketTestClient> {
    return new Promise((resolve, reject) => {
      const socket =
        'path' in target
          ? connect({ path: target.path })
          : connect({ port: target.port, host: target.host ?? '127.0.0.1' });
      socket.once('connect', () => resolve(new RawSocketTestClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Connects and completes a handshake for `serializerId` (1 json, 2 msgpack, 3 cbor). */
  static async connected(target: Target, serializerId = 1, lengthExponent = 15): Promise<RawSocketTestClient> {
    const client = await RawSocketTestClient.open(target);
    client.write(encodeRawSocketHandshake(serializerId, lengthExponent));
    const reply = await client.next();
    if (reply?.type !== 'handshake' || reply.handshake.kind !== 'accept')
      throw new Error(`handshake refused: ${JSON.stringify(reply)}`);
    return client;
  }

  write(bytes: Uint8Array | number[]): void {
    this.socket.write(Uint8Array.from(bytes));
  }

  frame(type: RawSocketFrameTypeValue, payload: Uint8Array): void {
    this.write(encodeRawSocketFrame(type, payload));
  }

  /** Sends a JSON message (on a json connection). */
  sendJson(message: unknown[]): void {
    this.frame(RawSocketFrameType.MESSAGE, Buffer.from(JSON.stringify(message)));
  }

  /** The next handshake or frame; undefined once the connection closed. */
  next(): Promise<RawSocketEvent | undefined> {
    const event = this.#events.shift();
    if (event !== undefined) return Promise.resolve(event);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The next WAMP message of a json connection, as an array. */
  async nextJson(): Promise<unknown[]> {
    const event = await this.next();
    if (event?.type !== 'message') throw new Error(`expected a message, got ${JSON.stringify(event)}`);
    return JSON.parse(Buffer.from(event.payload).toString('utf8')) as unknown[];
  }

  /** HELLO, WELCOME; returns the session ID. */
  async join(realm = 'realm1'): Promise<number> {
    this.sendJson([1, realm, { roles: { caller: {}, callee: {}, publisher: {}, subscriber: {} } }]);
    const welcome = await this.nextJson();
    if (welcome[0] !== 2) throw new Error(`expected WELCOME, got ${JSON.stringify(welcome)}`);
    return welcome[1] as number;
  }

  close(): void {
    this.socket.destroy();
  }
}
