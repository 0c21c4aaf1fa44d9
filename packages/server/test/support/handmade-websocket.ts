/**
 * A WebSocket client over a bare TCP socket, for tests that must see what a client library
 * hides: each server frame with its FIN bit and opcode, whether a close frame came before the
 * TCP connection ended, and a client that never answers the server's close frame or pings.
 */
import { connect, type Socket } from 'node:net';
import { constants, inflateRawSync } from 'node:zlib';
import { clientFrame, closePayload, Opcode } from './client-frames.js';

const KEY = Buffer.from('0123456789abcdef').toString('base64');

/** One frame the server sent. */
export interface ServerFrame {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  payload: Buffer;
}

/** One data message the server sent: its text (inflated if compressed) and the frames it came in. */
export interface ServerMessage {
  text: string;
  frames: ServerFrame[];
}

/** Options of {@link HandmadeWebSocket.open}. */
export interface HandmadeOptions {
  path?: string;
  /** The Sec-WebSocket-Protocol header; none when undefined. Default `wamp.2.json`. */
  protocol?: string | undefined;
  /** Offers permessage-deflate (the server then serves the connection with ws). */
  deflate?: boolean;
  headers?: Record<string, string>;
}

export class HandmadeWebSocket {
  readonly socket: Socket;
  /** The response head of the handshake. */
  head = '';
  #received = Buffer.alloc(0);
  /** Resolves once the TCP connection has closed, with the time it did. */
  readonly ended: Promise<number>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#received = Buffer.concat([this.#received, chunk]);
    });
    socket.on('error', () => {});
    this.ended = new Promise((resolve) => socket.once('close', () => resolve(Date.now())));
  }

  /** A connected TCP socket that has sent nothing yet. */
  static async connectOnly(port: number): Promise<HandmadeWebSocket> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new HandmadeWebSocket(socket);
  }

  /** Connects and completes the opening handshake; throws unless the answer is 101. */
  static async open(port: number, options: HandmadeOptions = {}): Promise<HandmadeWebSocket> {
    const client = await HandmadeWebSocket.connectOnly(port);
    const protocol = 'protocol' in options ? options.protocol : 'wamp.2.json';
    const lines = [
      `GET ${options.path ?? '/'} HTTP/1.1`,
      'Host: 127.0.0.1',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${KEY}`,
      'Sec-WebSocket-Version: 13',
    ];
    if (protocol !== undefined) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
    if (options.deflate === true) lines.push('Sec-WebSocket-Extensions: permessage-deflate');
    for (const [name, value] of Object.entries(options.headers ?? {})) lines.push(`${name}: ${value}`);
    client.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    await client.waitFor(() => client.#received.includes('\r\n\r\n'));
    const end = client.#received.indexOf('\r\n\r\n');
    client.head = client.#received.subarray(0, end).toString();
    client.#received = client.#received.subarray(end + 4);
    if (!/^HTTP\/1\.1 101 /.test(client.head)) throw new Error(`handshake refused: ${client.head}`);
    return client;
  }

  /** Sends a text frame (masked). */
  sendText(text: string, options: { fin?: boolean; opcode?: number } = {}): void {
    this.socket.write(clientFrame({ opcode: options.opcode ?? Opcode.TEXT, payload: text, fin: options.fin ?? true }));
  }

  /** Sends a WAMP message as one JSON text frame. */
  sendJson(message: unknown[]): void {
    this.sendText(JSON.stringify(message));
  }

  /** Sends a close frame. */
  sendClose(code: number, reason = ''): void {
    this.socket.write(clientFrame({ opcode: Opcode.CLOSE, payload: closePayload(code, reason) }));
  }

  /** The server frames received so far. */
  frames(): ServerFrame[] {
    const frames: ServerFrame[] = [];
    let at = 0;
    const data = this.#received;
    while (at + 2 <= data.length) {
      const first = data[at] as number;
      let length = (data[at + 1] as number) & 0x7f;
      let header = 2;
      if (length === 126) {
        if (at + 4 > data.length) break;
        length = data.readUInt16BE(at + 2);
        header = 4;
      } else if (length === 127) {
        if (at + 10 > data.length) break;
        length = data.readUInt32BE(at + 6);
        header = 10;
      }
      if (at + header + length > data.length) break;
      frames.push({
        fin: (first & 0x80) !== 0,
        rsv1: (first & 0x40) !== 0,
        opcode: first & 0x0f,
        payload: data.subarray(at + header, at + header + length),
      });
      at += header + length;
    }
    return frames;
  }

  /**
   * The data messages received so far, fragments joined. A compressed one is inflated on its own,
   * so tests with permessage-deflate configure `no_context_takeover`.
   */
  messages(): ServerMessage[] {
    const messages: ServerMessage[] = [];
    let current: ServerFrame[] = [];
    for (const frame of this.frames()) {
      if (frame.opcode >= 0x8) continue;
      current.push(frame);
      if (!frame.fin) continue;
      let payload = Buffer.concat(current.map((f) => f.payload));
      // RFC 7692 7.2.2: the message ends at a sync flush, not at a final block.
      const sync = { finishFlush: constants.Z_SYNC_FLUSH };
      if (current[0]?.rsv1) payload = inflateRawSync(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]), sync);
      messages.push({ text: payload.toString('utf8'), frames: current });
      current = [];
    }
    return messages;
  }

  /** The WAMP messages received so far, parsed. */
  wamp(): unknown[][] {
    return this.messages().map((m) => JSON.parse(m.text) as unknown[]);
  }

  /** The close frame received, if any: its code and reason. */
  closeFrame(): { code: number | undefined; reason: string } | undefined {
    const frame = this.frames().find((f) => f.opcode === Opcode.CLOSE);
    if (frame === undefined) return undefined;
    return {
      code: frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : undefined,
      reason: frame.payload.subarray(2).toString(),
    };
  }

  /** Waits until `condition` holds (polling the bytes received), at most 5 s. */
  async waitFor(condition: () => boolean): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Joins realm1 with JSON (uncompressed frames are valid under permessage-deflate too). */
  async join(): Promise<void> {
    this.sendJson([1, 'realm1', { roles: { subscriber: {}, publisher: {}, caller: {}, callee: {} } }]);
    await this.waitFor(() => this.messages().length > 0);
    if (this.wamp()[0]?.[0] !== 2) throw new Error(`expected WELCOME, got ${this.messages()[0]?.text}`);
  }
}
