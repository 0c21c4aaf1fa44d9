import type { AddressInfo } from 'node:net';
import {
  CanceledError,
  createSerializer,
  InvalidArgumentError,
  TransportError,
  type WampMessage,
} from '@interchange/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket as ServerSocket, WebSocketServer } from 'ws';
import { connect, connectWebSocket, Session } from '../src/index.js';

interface TestServer {
  url: string;
  offered: string[][];
  sockets: ServerSocket[];
  close(): Promise<void>;
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/**
 * A ws server on 127.0.0.1, port 0. `pick` chooses the subprotocol (false: none); `onFrame`
 * sees each frame with the socket.
 */
async function startServer(
  pick: (offered: Set<string>) => string | false,
  onFrame: (socket: ServerSocket, data: Buffer, isBinary: boolean) => void = () => {},
): Promise<TestServer> {
  const offered: string[][] = [];
  const sockets: ServerSocket[] = [];
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (protocols) => {
      offered.push([...protocols]);
      return pick(protocols);
    },
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('message', (data, isBinary) => onFrame(socket, data as Buffer, isBinary));
  });
  const server: TestServer = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`,
    offered,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of wss.clients) socket.terminate();
        wss.close(() => resolve());
      }),
  };
  servers.push(server);
  return server;
}

/** Answers HELLO with WELCOME in the negotiated serializer, like a router would. */
function welcomer(socket: ServerSocket, data: Buffer, isBinary: boolean): void {
  const codec =
    socket.protocol === 'wamp.2.json'
      ? createSerializer('json')
      : createSerializer(socket.protocol.includes('cbor') ? 'cbor' : 'msgpack', {
          batched: socket.protocol.endsWith('.batched'),
        });
  const [message] = codec.decode(isBinary ? new Uint8Array(data) : data.toString('utf8'));
  if (message?.type === 'HELLO') {
    const welcome: WampMessage = {
      type: 'WELCOME',
      session: 31337,
      details: { roles: { broker: {}, dealer: {} }, realm: message.realm },
    };
    socket.send(codec.encode(welcome));
  }
}

describe('connectWebSocket', () => {
  it("offers ['wamp.2.json'] by default and speaks JSON in text frames", async () => {
    const frames: Array<{ text: string; isBinary: boolean }> = [];
    const server = await startServer(
      (p) => (p.has('wamp.2.json') ? 'wamp.2.json' : false),
      (socket, data, isBinary) => {
        frames.push({ text: data.toString('utf8'), isBinary });
        welcomer(socket, data, isBinary);
      },
    );
    const transport = await connectWebSocket({ url: server.url });
    expect(server.offered).toEqual([['wamp.2.json']]);
    expect(transport.serializer).toBe('json');
    expect(transport.protocol).toBe('wamp.2.json');
    expect(transport.info).toEqual({ type: 'websocket', url: server.url, protocol: 'wamp.2.json' });
    const session = new Session(transport, { realm: 'realm1' });
    await session.join();
    expect(session.id).toBe(31337);
    expect(frames[0]?.isBinary).toBe(false);
    expect(JSON.parse(frames[0]?.text ?? '')[0]).toBe(1);
  });

  it('offers the serializers in order, and uses the one the server picks, in binary frames', async () => {
    let binary: boolean | undefined;
    const server = await startServer(
      () => 'wamp.2.msgpack',
      (socket, data, isBinary) => {
        binary = isBinary;
        welcomer(socket, data, isBinary);
      },
    );
    const session = await connect({ url: server.url, realm: 'realm1', serializers: ['cbor', 'msgpack', 'json'] });
    expect(server.offered).toEqual([['wamp.2.cbor', 'wamp.2.msgpack', 'wamp.2.json']]);
    expect(session.transport.serializer).toBe('msgpack');
    expect(binary).toBe(true);
    expect(session.details?.['realm']).toBe('realm1');
  });

  it("takes Autobahn's protocols option, batched forms included", async () => {
    const server = await startServer(() => 'wamp.2.cbor.batched', welcomer);
    const session = await connect({
      url: server.url,
      realm: 'realm1',
      protocols: ['wamp.2.cbor.batched', 'wamp.2.json'],
    });
    expect(server.offered).toEqual([['wamp.2.cbor.batched', 'wamp.2.json']]);
    expect(session.isOpen).toBe(true);
  });

  it('fails with TransportError when the server picks no subprotocol', async () => {
    const server = await startServer(() => false);
    const error = await connectWebSocket({ url: server.url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
  });

  it('fails with TransportError when nothing listens', async () => {
    const server = await startServer(() => 'wamp.2.json');
    const url = server.url;
    await server.close();
    servers.length = 0;
    await expect(connectWebSocket({ url })).rejects.toBeInstanceOf(TransportError);
  });

  it('rejects with CanceledError when the signal aborts while connecting', async () => {
    const server = await startServer(() => 'wamp.2.json');
    const controller = new AbortController();
    const pending = connectWebSocket({ url: server.url, signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(CanceledError);
  });

  it('reports a server-side close to the session with code and cleanliness', async () => {
    const server = await startServer(() => 'wamp.2.json', welcomer);
    const session = await connect({ url: server.url, realm: 'realm1' });
    server.sockets[0]?.close(4001, 'bye');
    const info = await session.closed;
    expect(info.kind).toBe('transport');
    expect(info.transport).toEqual({ code: 4001, reason: 'bye', wasClean: true });
  });

  it('closes the socket when the session leaves', async () => {
    const server = await startServer(
      () => 'wamp.2.json',
      (socket, data, isBinary) => {
        welcomer(socket, data, isBinary);
        const [message] = createSerializer('json').decode(data.toString('utf8'));
        if (message?.type === 'GOODBYE') socket.send(JSON.stringify([6, {}, 'wamp.close.goodbye_and_out']));
      },
    );
    const session = await connect({ url: server.url, realm: 'realm1' });
    const info = await session.leave();
    expect(info).toMatchObject({ kind: 'goodbye', reason: 'wamp.close.goodbye_and_out' });
    expect(info.transport.wasClean).toBe(true);
  });

  it('hands an undecodable frame to the session as a protocol violation', async () => {
    const server = await startServer(() => 'wamp.2.json', welcomer);
    const session = await connect({ url: server.url, realm: 'realm1' });
    server.sockets[0]?.send('this is not json');
    expect((await session.closed).kind).toBe('protocol-violation');
  });

  it('throws InvalidArgumentError for a bad url or an unknown serializer', async () => {
    await expect(connectWebSocket({ url: 'http://example.com' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(connectWebSocket({ url: 'ws://127.0.0.1:1', serializers: ['xml' as never] })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(connectWebSocket({ url: 'ws://127.0.0.1:1', protocols: ['wamp.2.xml'] })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });
});
