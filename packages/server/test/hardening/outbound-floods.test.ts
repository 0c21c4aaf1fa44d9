/**
 * Clients that send and never read (issue 12): a PING flood over WebSocket and RawSocket, and a
 * RawSocket subscriber that stops reading while events pile up. Each once grew the node by over
 * a gigabyte. Mounted against a real node on 127.0.0.1; a bystander session keeps being served.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { RawSocketTestClient } from '../support/rawsocket-client.js';
import { recordingLogger } from '../support/recording.js';

/** A TCP socket that reads nothing until told: what it was sent piles up in the node. */
async function nonReader(port: number): Promise<{ socket: Socket; chunks: Buffer[] }> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  socket.on('error', () => {});
  return { socket, chunks: [] };
}

/** Writes `frames` and resolves once the node has taken them all into its socket. */
async function writeAll(socket: Socket, frames: Buffer[]): Promise<void> {
  for (const frame of frames) if (!socket.write(frame)) await once(socket, 'drain');
}

/** Reads `socket` until `done(buffer)` says the buffered bytes are complete. */
async function readUntil(socket: Socket, done: (bytes: Buffer) => boolean): Promise<Buffer> {
  let received = Buffer.alloc(0);
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      received = Buffer.concat(chunks);
      chunks.length = 0;
      chunks.push(received);
      if (done(received)) {
        socket.off('data', onData);
        resolve(received);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed before the end')));
    socket.resume();
  });
}

/** A masked client ping frame (RFC 6455 section 5.5.2), payload up to 125 bytes. */
function wsPing(payload: Buffer): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] as number)));
  return Buffer.concat([Buffer.from([0x89, 0x80 | payload.length]), mask, masked]);
}

/** The payloads of the server's pong frames in `bytes` (small, unmasked frames only). */
function wsPongs(bytes: Buffer): Buffer[] {
  const pongs: Buffer[] = [];
  let at = bytes.indexOf('\r\n\r\n') + 4;
  while (at + 2 <= bytes.length) {
    const opcode = (bytes[at] as number) & 0x0f;
    const length = (bytes[at + 1] as number) & 0x7f;
    if (at + 2 + length > bytes.length) break;
    if (opcode === 0x0a) pongs.push(bytes.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return pongs;
}

/** A RawSocket frame: type (0 message, 1 ping, 2 pong) and a 3-octet length. */
function rsFrame(type: number, payload: Buffer): Buffer {
  const header = Buffer.from([type, 0, 0, 0]);
  header.writeUIntBE(payload.length, 1, 3);
  return Buffer.concat([header, payload]);
}

/** The payloads of the RawSocket pong frames in `bytes`, after the 4-octet handshake reply. */
function rsPongs(bytes: Buffer): Buffer[] {
  const pongs: Buffer[] = [];
  let at = 4;
  while (at + 4 <= bytes.length) {
    const type = bytes[at] as number;
    const length = bytes.readUIntBE(at + 1, 3);
    if (at + 4 + length > bytes.length) break;
    if (type === 2) pongs.push(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return pongs;
}

const MARKER = Buffer.from('last ping');

describe('clients that never read', () => {
  let node: InterchangeNode;
  let wsPort: number;
  let rsPort: number;
  const log = recordingLogger();
  let bystander: RawSocketTestClient;
  let served = 0;

  /** The bystander calls the meta API and must get its answer. */
  async function bystanderServed(): Promise<void> {
    served++;
    bystander.sendJson([48, served, {}, 'wamp.session.count']);
    expect(await bystander.nextJson()).toEqual([50, served, {}, [expect.any(Number)]]);
  }

  beforeAll(async () => {
    const config = workerConfig([
      { type: 'websocket', endpoint: LOCAL_ENDPOINT },
      { type: 'rawsocket', endpoint: LOCAL_ENDPOINT, options: { outbound_limit: 1024 * 1024 } },
    ]);
    node = await InterchangeNode.start({ config, cbdir: await tempDir(), logger: log.logger });
    wsPort = node.addresses[0]!.port;
    rsPort = node.addresses[1]!.port;
    bystander = await RawSocketTestClient.connected({ port: rsPort });
    await bystander.join();
  });

  afterAll(async () => {
    bystander.close();
    await node.stop({ timeoutMs: 500 });
  });

  it.each([
    ['Interchange', ''],
    ['ws (permessage-deflate)', 'Sec-WebSocket-Extensions: permessage-deflate\r\n'],
  ])(
    'answers a WebSocket ping flood with a bounded number of pongs, the newest ping last (%s)',
    async (_, extension) => {
      const { socket } = await nonReader(wsPort);
      socket.pause();
      socket.write(
        'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: MDEyMzQ1Njc4OWFiY2RlZg==\r\nSec-WebSocket-Version: 13\r\n' +
          `Sec-WebSocket-Protocol: wamp.2.json\r\n${extension}\r\n`,
      );
      const pings = 200_000;
      const ping = wsPing(Buffer.alloc(125, 0x61));
      for (let sent = 0; sent < pings; sent += 10_000) {
        await writeAll(
          socket,
          Array.from({ length: 10_000 }, () => ping),
        );
        await bystanderServed();
      }
      await writeAll(socket, [wsPing(MARKER)]);
      const received = await readUntil(socket, (bytes) => wsPongs(bytes).some((pong) => pong.equals(MARKER)));
      const pongs = wsPongs(received);
      // Every ping unanswered would be 200,001 pongs (25 MB) held for a client that does not read;
      // what the kernel buffers took is answered, then only the newest.
      expect(pongs.length).toBeLessThan(pings / 2);
      expect(pongs.at(-1)).toEqual(MARKER);
      socket.destroy();
      await bystanderServed();
    },
  );

  it('answers a RawSocket ping flood with a bounded number of pongs, the newest ping last', async () => {
    const { socket } = await nonReader(rsPort);
    socket.pause();
    socket.write(Buffer.from([0x7f, 0xf1, 0, 0]));
    const pings = 1000;
    const ping = rsFrame(1, Buffer.alloc(64 * 1024, 0x62));
    for (let sent = 0; sent < pings; sent += 100) {
      await writeAll(
        socket,
        Array.from({ length: 100 }, () => ping),
      );
      await bystanderServed();
    }
    await writeAll(socket, [rsFrame(1, MARKER)]);
    const received = await readUntil(socket, (bytes) => rsPongs(bytes).some((pong) => pong.equals(MARKER)));
    const pongs = rsPongs(received);
    // Unbounded, that is 1,001 pongs of 64 KiB (64 MiB) held for this client.
    expect(pongs.length).toBeLessThan(pings / 2);
    expect(pongs.at(-1)).toEqual(MARKER);
    socket.destroy();
    await bystanderServed();
  });

  it('disconnects a RawSocket subscriber that stops reading, at its outbound_limit, logged with its peer', async () => {
    const subscriber = await RawSocketTestClient.connected({ port: rsPort });
    await subscriber.join();
    subscriber.sendJson([32, 1, {}, 'com.example.firehose']);
    expect((await subscriber.nextJson())[0]).toBe(33);
    subscriber.socket.pause();

    const publisher = await RawSocketTestClient.connected({ port: rsPort });
    await publisher.join();
    const payload = 'p'.repeat(10_000);
    const warning = log.waitFor((e) => e.msg === 'slow consumer: disconnecting');
    for (let i = 1; i <= 2000; i++) {
      publisher.sendJson([16, i, { acknowledge: true }, 'com.example.firehose', [payload]]);
      expect(await publisher.nextJson()).toEqual([17, i, expect.any(Number)]);
      if (i % 200 === 0) await bystanderServed();
    }
    const entry = await warning;
    expect(entry.obj.peer).toMatch(/^tcp4:127\.0\.0\.1:\d+$/);
    expect(entry.obj.limit).toBe(1024 * 1024);
    // Once it reads again, it finds the connection closed.
    subscriber.socket.resume();
    await subscriber.closed;
    publisher.close();
    await bystanderServed();
  });
});
