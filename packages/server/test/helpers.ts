/**
 * Test helpers: temporary node directories, raw HTTP requests (paths sent exactly as written),
 * raw WebSocket upgrades, and a WebSocket client that speaks WAMP by hand.
 */
import { mkdtemp } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';

/** A fresh temporary directory. */
export function tempDir(prefix = 'interchange-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A router worker config with one open realm and the given transports. */
export function workerConfig(transports: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { version: 2, workers: [{ type: 'router', realms: [{ name: 'realm1' }], transports, ...extra }] };
}

/** A TCP endpoint on 127.0.0.1 with an OS-chosen port. */
export const LOCAL_ENDPOINT = { type: 'tcp', port: 0, interface: '127.0.0.1' } as const;

/** An HTTP response, body as text. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends a request with `path` exactly as given (no URL normalisation, so `..` reaches the server). */
export function httpRequest(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The result of a raw upgrade attempt: accepted (101, with the chosen protocol) or refused. */
export type UpgradeOutcome =
  | { accepted: true; protocol: string | undefined }
  | { accepted: false; status: number; contentType: string | undefined; body: string };

/** Sends a WebSocket upgrade request by hand, so the exact `Sec-WebSocket-Protocol` header (or none) is sent. */
export function rawUpgrade(
  port: number,
  path: string,
  protocolHeader?: string,
  extraHeaders: Record<string, string> = {},
): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': Buffer.from('0123456789abcdef').toString('base64'),
      ...extraHeaders,
    };
    if (protocolHeader !== undefined) headers['sec-websocket-protocol'] = protocolHeader;
    const req = request({ host: '127.0.0.1', port, path, headers });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      const protocol = res.headers['sec-websocket-protocol'];
      resolve({ accepted: true, protocol: typeof protocol === 'string' ? protocol : undefined });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          accepted: false,
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'],
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A WebSocket client speaking WAMP by hand: frames arrive in `next()` order. `decode` turns a
 * frame into a message array (JSON by default).
 */
export class RawWampClient {
  readonly ws: WebSocket;
  readonly #queue: unknown[] = [];
  readonly #waiters: ((value: unknown) => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;

  constructor(
    url: string,
    protocols: string | string[] = 'wamp.2.json',
    decode: (data: Buffer, isBinary: boolean) => unknown = (data) => JSON.parse(data.toString('utf8')),
  ) {
    this.ws = new WebSocket(url, protocols);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) =>
      this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.ws.on('message', (data: Buffer, isBinary) => {
      const message = decode(data, isBinary);
      const waiter = this.#waiters.shift();
      if (waiter) waiter(message);
      else this.#queue.push(message);
    });
  }

  /** The next message received. */
  next<T = unknown[]>(): Promise<T> {
    if (this.#queue.length > 0) return Promise.resolve(this.#queue.shift() as T);
    return new Promise((resolve) => this.#waiters.push(resolve as (value: unknown) => void));
  }

  /** Sends a frame: arrays as JSON text, strings as text, buffers as binary. */
  send(frame: unknown[] | string | Uint8Array, binary?: boolean): void {
    if (Array.isArray(frame)) this.ws.send(JSON.stringify(frame));
    else this.ws.send(frame, { binary: binary ?? typeof frame !== 'string' });
  }

  /** Opens a session: HELLO, expects WELCOME, returns the session id. */
  async join(realm = 'realm1'): Promise<number> {
    await this.opened;
    this.send([1, realm, { roles: { caller: {}, callee: {}, publisher: {}, subscriber: {} } }]);
    const welcome = await this.next();
    if (welcome[0] !== 2) throw new Error(`expected WELCOME, got ${JSON.stringify(welcome)}`);
    return welcome[1] as number;
  }
}
