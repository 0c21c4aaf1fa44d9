import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSerializer, type WampMessage } from '@interchange/protocol';
import type { PeerConnection } from '@interchange/router';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { DirectWebSocket } from '../../src/transports/direct-websocket.js';
import { FrameCache } from '../../src/transports/frame-cache.js';
import { type OutboundOptions, REPLY_ALLOWANCE, SlowConsumerCounters } from '../../src/transports/slow-consumer.js';
import { WebSocketConnection } from '../../src/transports/websocket-connection.js';
import { switchingProtocols } from '../../src/transports/websocket-handshake.js';
import { type WebSocketWire, wsWire } from '../../src/transports/websocket-wire.js';

/** A logger that keeps what it is told. */
function recordingLogger() {
  const entries: { level: string; obj: Record<string, unknown>; msg: string | undefined }[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg?: string) => entries.push({ level, obj, msg });
  return { entries, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

/** The router side of the test: records what the transport tells the session. */
class RecordingSession implements PeerConnection {
  received: WampMessage[] = [];
  closes = 0;
  receive(message: WampMessage): void {
    this.received.push(message);
  }
  protocolViolation(): void {}
  transportClosed(): void {
    this.closes += 1;
  }
}

interface Harness {
  connection: WebSocketConnection;
  serverSocket: Duplex;
  session: RecordingSession;
  client: WebSocket;
  /** Messages the client has read, decoded. */
  received: unknown[][];
  log: ReturnType<typeof recordingLogger>;
}

const servers: Server[] = [];
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A real WebSocket connection over 127.0.0.1: the router end is a WebSocketConnection, the other a `ws` client. */
async function connect(
  outbound?: OutboundOptions,
  cache = new FrameCache(createSerializer('json')),
  perMessageDeflate = false,
): Promise<Harness> {
  const server = createServer();
  servers.push(server);
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate, handleProtocols: () => 'wamp.2.json' });
  const log = recordingLogger();
  const session = new RecordingSession();
  const accepted = new Promise<{ connection: WebSocketConnection; serverSocket: Duplex }>((resolve) => {
    server.on('upgrade', (request, socket, head) => {
      const accept = (wire: WebSocketWire) => {
        const connection = new WebSocketConnection({
          wire,
          socket,
          request,
          cache,
          maxMessageSize: 1 << 20,
          outbound,
          logger: log.logger,
        });
        connection.start(session);
        resolve({ connection, serverSocket: socket });
      };
      // As the service does: ws for permessage-deflate, Interchange's own WebSocket otherwise.
      if (perMessageDeflate) {
        wss.handleUpgrade(request, socket, head, (ws) => accept(wsWire(ws)));
      } else {
        socket.write(switchingProtocols(request.headers['sec-websocket-key'] as string, 'wamp.2.json'));
        accept(new DirectWebSocket(socket, head, { maxPayload: 1 << 22 }));
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}/`, 'wamp.2.json');
  clients.push(client);
  const received: unknown[][] = [];
  client.on('message', (data) => received.push(JSON.parse(data.toString())));
  await once(client, 'open');
  const { connection, serverSocket } = await accepted;
  return { connection, serverSocket, session, client, received, log };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function event(seq: number, payload: string): WampMessage {
  return { type: 'EVENT', subscription: 1, publication: seq, details: {}, args: [seq, payload] };
}

/**
 * Sends EVENTs in bursts of 100 per tick until `until()` holds or 40 MB went out (far more than
 * loopback socket buffers hold), recording the most the connection ever held.
 */
async function flood(
  h: Harness,
  until: () => boolean,
  make: (seq: number) => WampMessage = (seq) => event(seq, 'x'.repeat(1000)),
) {
  let seq = 0;
  let maxHeld = 0;
  while (!until() && seq < 40_000) {
    for (let i = 0; i < 100; i++) {
      h.connection.send(make(++seq));
      maxHeld = Math.max(maxHeld, h.connection.outboundBytes);
    }
    await tick();
    maxHeld = Math.max(maxHeld, h.connection.outboundBytes);
  }
  return { sent: seq, maxHeld };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe('slow consumers', () => {
  const LIMIT = 64 * 1024;

  it("drops EVENTs past outbound_limit under 'drop', holds no more than the limit, and delivers again once the subscriber reads", async () => {
    const counters = new SlowConsumerCounters();
    const h = await connect({ limit: LIMIT, policy: 'drop', counters });
    h.client.pause();
    const { sent, maxHeld } = await flood(h, () => h.connection.droppedEvents >= 1000);

    expect(h.connection.droppedEvents).toBeGreaterThanOrEqual(1000);
    expect(maxHeld).toBeLessThanOrEqual(LIMIT);
    expect(counters.droppedEvents).toBe(h.connection.droppedEvents);
    expect(counters.droppedBytes).toBe(h.connection.droppedBytes);
    expect(counters.disconnects).toBe(0);
    expect(h.log.entries.some((e) => e.level === 'warn' && e.msg?.startsWith('slow consumer: dropping'))).toBe(true);

    // The subscriber reads again: it gets everything that was not dropped, in order, and the
    // connection works as before.
    h.client.resume();
    await waitFor(() => h.received.length === sent - h.connection.droppedEvents, 'the backlog');
    const seqs = h.received.map((m) => (m[4] as number[])[0] as number);
    expect(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] as number))).toBe(true);
    h.connection.send(event(sent + 1, 'after'));
    await waitFor(() => h.received.length === sent - h.connection.droppedEvents + 1, 'the next event');
    expect(h.received.at(-1)).toEqual([36, 1, sent + 1, {}, [sent + 1, 'after']]);
    // Each streak of drops is logged when delivery resumes, with its count.
    const caughtUp = h.log.entries.filter((e) => e.msg?.startsWith('slow consumer caught up'));
    expect(caughtUp.reduce((sum, e) => sum + (e.obj.dropped as number), 0)).toBe(h.connection.droppedEvents);
    expect(h.session.closes).toBe(0);
  });

  it("disconnects a subscriber past outbound_limit under 'disconnect' and ends its session", async () => {
    const counters = new SlowConsumerCounters();
    const h = await connect({ limit: LIMIT, policy: 'disconnect', counters });
    h.client.pause();
    const closed = once(h.client, 'close');
    let done = false;
    void h.connection.closed.then(() => {
      done = true;
    });
    const { maxHeld } = await flood(h, () => done);

    expect(done).toBe(true);
    expect(maxHeld).toBeLessThanOrEqual(LIMIT);
    expect(h.connection.droppedEvents).toBe(0);
    expect(counters.disconnects).toBe(1);
    expect(h.session.closes).toBe(1);
    expect(h.log.entries.some((e) => e.level === 'warn' && e.msg === 'slow consumer: disconnecting')).toBe(true);
    h.client.resume();
    const [code] = await closed;
    expect(code).toBe(1006);
  });

  it("disconnects under 'drop' when what does not fit is not an EVENT (a RESULT cannot be dropped)", async () => {
    const counters = new SlowConsumerCounters();
    const h = await connect({ limit: LIMIT, policy: 'drop', counters });
    h.client.pause();
    let done = false;
    void h.connection.closed.then(() => {
      done = true;
    });
    const result = (seq: number): WampMessage => ({
      type: 'RESULT',
      requestId: seq,
      details: {},
      args: ['y'.repeat(1000)],
    });
    const { maxHeld } = await flood(h, () => done, result);

    expect(done).toBe(true);
    // Replies to the client's own calls get an allowance beyond the limit (slow-consumer.ts).
    expect(maxHeld).toBeLessThanOrEqual(LIMIT * REPLY_ALLOWANCE);
    expect(counters).toMatchObject({ droppedEvents: 0, disconnects: 1 });
    expect(h.session.closes).toBe(1);
  });

  it('delivers a single message larger than the limit to a connection that has nothing pending', async () => {
    const h = await connect({ limit: 1024, policy: 'drop' });
    h.connection.send(event(1, 'z'.repeat(100_000)));
    await waitFor(() => h.received.length === 1, 'the large event');
    const args = h.received[0]?.[4] as unknown[] | undefined;
    expect(args?.[1]).toHaveLength(100_000);
    expect(h.connection.droppedEvents).toBe(0);
  });
});

describe('outbound writes', () => {
  it('writes everything sent in one tick with one socket write', async () => {
    const h = await connect();
    const writes: unknown[] = [];
    const write = h.serverSocket.write.bind(h.serverSocket);
    h.serverSocket.write = ((chunk: unknown, ...rest: never[]) => {
      writes.push(chunk);
      return write(chunk as Buffer, ...rest);
    }) as typeof h.serverSocket.write;
    for (let seq = 1; seq <= 50; seq++) h.connection.send(event(seq, 'burst'));
    expect(writes).toHaveLength(0);
    await tick();
    expect(writes).toHaveLength(1);
    await waitFor(() => h.received.length === 50, 'the burst');
    expect(h.received.map((m) => m[2])).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('frames a publication once and writes the same bytes to every subscriber', async () => {
    const cache = new FrameCache(createSerializer('json'));
    const a = await connect(undefined, cache);
    const b = await connect(undefined, cache);
    const chunks: unknown[] = [];
    for (const h of [a, b]) {
      const write = h.serverSocket.write.bind(h.serverSocket);
      h.serverSocket.write = ((chunk: unknown, ...rest: never[]) => {
        chunks.push(chunk);
        return write(chunk as Buffer, ...rest);
      }) as typeof h.serverSocket.write;
    }
    const shared = event(7, 'news');
    a.connection.send(shared);
    b.connection.send(shared);
    await tick();
    expect(chunks).toHaveLength(2);
    expect(chunks[0]).toBe(chunks[1]);
    expect(cache.hits).toBe(1);
    for (const h of [a, b]) await waitFor(() => h.received.length === 1, 'the event');
    expect(a.received[0]).toEqual([36, 1, 7, {}, [7, 'news']]);
    expect(b.received[0]).toEqual(a.received[0]);
  });

  it('keeps messages in order through ws when permessage-deflate is negotiated', async () => {
    const h = await connect(undefined, undefined, true);
    expect(h.client.extensions).toContain('permessage-deflate');
    for (let seq = 1; seq <= 50; seq++) h.connection.send(event(seq, 'compressible '.repeat(20)));
    await waitFor(() => h.received.length === 50, 'the compressed burst');
    expect(h.received.map((m) => m[2])).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('sends what was buffered before the close frame', async () => {
    const h = await connect();
    const closed = once(h.client, 'close');
    h.connection.send({ type: 'GOODBYE', details: {}, reason: 'wamp.close.system_shutdown' });
    h.connection.close();
    const [code] = await closed;
    expect(code).toBe(1000);
    expect(h.received).toEqual([[6, {}, 'wamp.close.system_shutdown']]);
  });
});
