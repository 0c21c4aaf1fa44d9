/**
 * A WAMP peer written by hand over `ws`, for tests that must send what no well-behaved client
 * would: it sends raw frames and records every frame it gets back.
 */

import { decode as decodeMsgpack } from 'msgpackr';
import { WebSocket } from 'ws';

export class RawPeer {
  readonly received: unknown[][] = [];
  closed = false;
  closeCode: number | undefined;
  private readonly waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      const message = isBinary ? decodeMsgpack(data) : JSON.parse(data.toString('utf8'));
      this.received.push(message as unknown[]);
      this.wake();
    });
    socket.on('close', (code: number) => {
      this.closed = true;
      this.closeCode = code;
      this.wake();
    });
  }

  /** Opens a connection offering exactly `protocols`. */
  static open(url: string, protocols: string[] = ['wamp.2.json']): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, protocols);
      socket.once('open', () => resolve(new RawPeer(socket)));
      socket.once('error', reject);
    });
  }

  /** Opens a connection and joins `realm` as an anonymous JSON peer. */
  static async join(url: string, realm = 'realm1'): Promise<RawPeer> {
    const peer = await RawPeer.open(url);
    peer.send([1, realm, { roles: { caller: {}, callee: {}, publisher: {}, subscriber: {} } }]);
    const welcome = await peer.next();
    if (welcome[0] !== 2) throw new Error(`expected WELCOME, got ${JSON.stringify(welcome)}`);
    return peer;
  }

  send(message: unknown[]): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Sends `frame` as it is: a string as a text frame, bytes as a binary frame unless `text`. */
  sendRaw(frame: string | Buffer, { text = false }: { text?: boolean } = {}): void {
    this.socket.send(frame, { binary: typeof frame !== 'string' && !text });
  }

  /** The next message not yet taken, waiting for it if need be. */
  async next(timeoutMs = 5000): Promise<unknown[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.taken >= this.received.length) {
      if (this.closed) throw new Error('connection closed while waiting for a message');
      if (Date.now() > deadline) throw new Error('timed out waiting for a message');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const message = this.received[this.taken];
    this.taken += 1;
    return message as unknown[];
  }

  /** Resolves once the router has closed the connection. */
  async closedByRouter(timeoutMs = 5000): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('the router did not close the connection');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.closeCode;
  }

  close(): void {
    this.socket.close();
  }

  private taken = 0;

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
