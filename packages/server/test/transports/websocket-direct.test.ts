/**
 * Interchange's own WebSocket (DirectWebSocket, without permessage-deflate), end to end against
 * a real node: the handshake, ping and pong, fragmented messages, the closing handshake from
 * either side, and clients that break RFC 6455. Each case ends with a bystander still served.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { InterchangeNode } from '../../src/node.js';
import { acceptKey } from '../../src/transports/websocket-handshake.js';
import { LOCAL_ENDPOINT, RawWampClient, rawUpgrade, tempDir, workerConfig } from '../helpers.js';
import { clientFrame } from '../support/client-frames.js';

const HELLO = JSON.stringify([1, 'realm1', { roles: { caller: {}, callee: {}, publisher: {}, subscriber: {} } }]);
const KEY = Buffer.from('0123456789abcdef').toString('base64');

/** A TCP client that does the handshake by hand and then sends whatever bytes a test wants. */
class HandmadeClient {
  readonly socket: Socket;
  #received = Buffer.alloc(0);
  readonly ended: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#received = Buffer.concat([this.#received, chunk]);
    });
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async open(port: number): Promise<HandmadeClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new HandmadeClient(socket);
    socket.write(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: wamp.2.json\r\n\r\n`,
    );
    await client.waitFor(() => client.#received.includes('\r\n\r\n'));
    const head = client.#received.subarray(0, client.#received.indexOf('\r\n\r\n')).toString();
    expect(head).toMatch(/^HTTP\/1\.1 101 /);
    expect(head).toContain(`Sec-WebSocket-Accept: ${acceptKey(KEY)}`);
    client.#received = client.#received.subarray(client.#received.indexOf('\r\n\r\n') + 4);
    return client;
  }

  /** Server frames received so far, as [opcode, payload]. */
  frames(): [number, Buffer][] {
    const frames: [number, Buffer][] = [];
    let at = 0;
    const data = this.#received;
    while (at + 2 <= data.length) {
      let length = (data[at + 1] as number) & 0x7f;
      let header = 2;
      if (length === 126) {
        length = data.readUInt16BE(at + 2);
        header = 4;
      }
      if (at + header + length > data.length) break;
      frames.push([(data[at] as number) & 0x0f, data.subarray(at + header, at + header + length)]);
      at += header + length;
    }
    return frames;
  }

  async waitFor(condition: () => boolean): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** A client frame of `opcode`, masked unless told otherwise. */
function frame(opcode: number, payload: Buffer | string, options: { fin?: boolean; masked?: boolean } = {}): Buffer {
  return clientFrame({ opcode, payload, ...options });
}

describe('Interchange WebSocket (no permessage-deflate)', () => {
  let node: InterchangeNode;
  let url: string;
  let port: number;

  beforeAll(async () => {
    const config = workerConfig([{ type: 'websocket', endpoint: LOCAL_ENDPOINT }]);
    node = await InterchangeNode.start({ config, cbdir: await tempDir() });
    url = node.addresses[0]!.websocketUrls[0]!;
    port = node.addresses[0]!.port;
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  async function bystanderStillServed(): Promise<void> {
    const client = new RawWampClient(url);
    await client.join();
    client.send([32, 1, {}, 'com.example.topic']);
    expect((await client.next())[0]).toBe(33);
    client.ws.close();
  }

  it('refuses handshakes RFC 6455 does not allow, with a JSON reason', async () => {
    const badVersion = await rawUpgrade(port, '/', 'wamp.2.json', { 'sec-websocket-version': '12' });
    expect(badVersion).toMatchObject({ accepted: false, status: 426 });
    expect(JSON.parse((badVersion as { body: string }).body).error).toMatch(/Sec-WebSocket-Version/);
    const badKey = await rawUpgrade(port, '/', 'wamp.2.json', { 'sec-websocket-key': 'short' });
    expect(badKey).toMatchObject({ accepted: false, status: 400 });
    expect(JSON.parse((badKey as { body: string }).body).error).toMatch(/Sec-WebSocket-Key/);
    await bystanderStillServed();
  });

  it('answers a ping with a pong carrying its payload', async () => {
    const client = new RawWampClient(url);
    await client.join();
    const pong = new Promise<Buffer>((resolve) => client.ws.once('pong', resolve));
    client.ws.ping('are you there');
    expect((await pong).toString()).toBe('are you there');
    client.ws.close();
  });

  it('reassembles a fragmented message', async () => {
    const client = await HandmadeClient.open(port);
    client.socket.write(frame(0x1, HELLO.slice(0, 10), { fin: false }));
    client.socket.write(frame(0x9, 'ping in between'));
    client.socket.write(frame(0x0, HELLO.slice(10)));
    await client.waitFor(() => client.frames().length >= 2);
    const [pong, welcome] = client.frames();
    expect(pong).toEqual([0xa, Buffer.from('ping in between')]);
    expect(welcome?.[0]).toBe(0x1);
    expect(JSON.parse(String(welcome?.[1]))[0]).toBe(2);
    client.socket.destroy();
  });

  it('carries a message of almost 1 MiB, read over many socket reads, both ways', async () => {
    const subscriber = new RawWampClient(url);
    await subscriber.join();
    subscriber.send([32, 1, {}, 'com.example.big']);
    expect((await subscriber.next())[0]).toBe(33);
    const publisher = new RawWampClient(url);
    await publisher.join();
    const payload = 'ab'.repeat(500_000);
    publisher.send([16, 1, { acknowledge: true }, 'com.example.big', [payload]]);
    expect((await publisher.next())[0]).toBe(17);
    const event = await subscriber.next();
    expect(event[0]).toBe(36);
    expect((event[4] as string[])[0]).toBe(payload);
    publisher.ws.close();
    subscriber.ws.close();
  });

  it('answers a client that closes with 1000 (Crossbar without echo_close_codereason), and ends the connection first', async () => {
    const client = new RawWampClient(url);
    await client.join();
    client.ws.close(4000, 'done here');
    expect(await client.closed).toEqual({ code: 1000, reason: '' });
    await bystanderStillServed();
  });

  it('closes with 1000 after GOODBYE, through the closing handshake', async () => {
    const client = new RawWampClient(url);
    await client.join();
    client.send([6, {}, 'wamp.close.close_realm']);
    expect(await client.next()).toEqual([6, {}, 'wamp.close.normal']);
    expect((await client.closed).code).toBe(1000);
  });

  it('closes with 1002 when a client frame is not masked', async () => {
    const client = await HandmadeClient.open(port);
    client.socket.write(frame(0x1, HELLO, { masked: false }));
    await client.ended;
    const [close] = client.frames();
    expect(close?.[0]).toBe(0x8);
    expect(close?.[1].readUInt16BE(0)).toBe(1002);
    expect(close?.[1].subarray(2).toString()).toMatch(/masked/);
    await bystanderStillServed();
  });

  it('survives clients that send random bytes after the handshake', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => HandmadeClient.open(port)));
    for (const [i, client] of clients.entries()) {
      // Deterministic noise, different per client: a few kB in several writes.
      let x = 0x9e3779b9 ^ i;
      for (let w = 0; w < 4; w++) {
        const noise = Buffer.alloc(1024);
        for (let k = 0; k < noise.length; k++) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          noise[k] = x & 0xff;
        }
        client.socket.write(noise);
      }
    }
    // Each is refused with a close frame (1002 or 1009) and the connection ends; the node lives on.
    await Promise.all(
      clients.map((client) =>
        Promise.race([client.ended, client.waitFor(() => client.frames().some(([op]) => op === 0x8))]),
      ),
    );
    for (const client of clients) client.socket.destroy();
    await bystanderStillServed();
  });

  it('ends a connection whose client half-closes without a close frame, and its session', async () => {
    const client = await HandmadeClient.open(port);
    client.socket.write(frame(0x1, HELLO));
    await client.waitFor(() => client.frames().length >= 1);
    const sessionsBefore = node.routers[0]!.realm('realm1')?.sessionCount ?? 0;
    client.socket.end();
    await client.ended;
    await client.waitFor(() => (node.routers[0]!.realm('realm1')?.sessionCount ?? 0) === sessionsBefore - 1);
    await bystanderStillServed();
  });

  it('serves a plain ws client through a node stop with the closing handshake', async () => {
    const other = await InterchangeNode.start({
      config: workerConfig([{ type: 'websocket', endpoint: LOCAL_ENDPOINT }]),
      cbdir: await tempDir(),
    });
    const client = new WebSocket(other.addresses[0]!.websocketUrls[0]!, 'wamp.2.json');
    await new Promise((resolve) => client.once('open', resolve));
    const closed = new Promise<number>((resolve) => client.once('close', resolve));
    await other.stop({ timeoutMs: 2000 });
    expect(await closed).toBe(1000);
  });
});
