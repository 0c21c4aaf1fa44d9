/**
 * The typed client over every transport, against a real node: RawSocket over TCP, a Unix
 * socket and TLS, and long-poll, each with json and msgpack; a Connection falling back from a
 * WebSocket that cannot connect to long-poll; and one universal port serving all three.
 */
import { type AddressInfo, createServer } from 'node:net';
import {
  Connection,
  type ConnectOptions,
  connect,
  type Event,
  RawSocketTransport,
  type Session,
  TransportError,
} from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTransportsNode, type TransportsNode } from '../support/transports-node.js';

let node: TransportsNode;

beforeAll(async () => {
  node = await startTransportsNode();
});

afterAll(async () => {
  await node?.stop();
});

/**
 * What a user does over any transport: one session registers and subscribes, the other calls
 * and publishes; results, errors and events arrive intact.
 */
async function exercise(backend: Session, frontend: Session, prefix: string): Promise<void> {
  await backend.register(`${prefix}.add`, ({ args }) => (args[0] as number) + (args[1] as number));
  await backend.register(`${prefix}.echo`, ({ args, kwargs }) => ({ args, kwargs }));
  const seen: Event[] = [];
  const gotEvent = new Promise<void>((resolve) => {
    void backend
      .subscribe(`${prefix}.topic`, (event) => {
        seen.push(event);
        resolve();
      })
      .then(async () => {
        await frontend.publish(`${prefix}.topic`, ['hello', { n: 1 }], { acknowledge: true });
      });
  });

  expect((await frontend.call(`${prefix}.add`, [2, 3])).args).toEqual([5]);
  const binary = Uint8Array.of(0, 1, 254, 255);
  expect(
    (await frontend.call(`${prefix}.echo`, ['ü ✓', binary], { kwargs: { deep: { list: [1, null, true] } } })).args,
  ).toEqual([{ args: ['ü ✓', binary], kwargs: { deep: { list: [1, null, true] } } }]);
  await gotEvent;
  expect(seen.map((event) => event.args)).toEqual([['hello', { n: 1 }]]);
}

async function pair(options: Omit<ConnectOptions, 'realm'>): Promise<[Session, Session]> {
  return Promise.all([connect({ ...options, realm: 'realm1' }), connect({ ...options, realm: 'realm1' })]);
}

async function leaveCleanly(...sessions: Session[]): Promise<void> {
  for (const session of sessions) {
    const info = await session.leave();
    expect(info.kind).toBe('goodbye');
    expect(info.transport.wasClean).toBe(true);
  }
}

describe.each(['json', 'msgpack'] as const)('typed client with %s', (serializer) => {
  it('RawSocket over TCP', async () => {
    const [a, b] = await pair({ url: node.rawsocketUrl, serializers: [serializer] });
    expect(a.transport).toBeInstanceOf(RawSocketTransport);
    expect(a.transport.serializer).toBe(serializer);
    await exercise(a, b, `com.e2e.rs.${serializer}`);
    await leaveCleanly(a, b);
  });

  it('RawSocket over a Unix socket', async () => {
    expect(node.unixUrl).toBe(`unix://${node.unixPath}`);
    const [a, b] = await pair({ url: node.unixUrl, serializers: [serializer] });
    expect(a.transport.type).toBe('rawsocket');
    await exercise(a, b, `com.e2e.unix.${serializer}`);
    await leaveCleanly(a, b);
  });

  it('RawSocket over TLS', async () => {
    const [a, b] = await pair({ url: node.tlsUrl, tls: { ca: node.ca }, serializers: [serializer] });
    expect(node.tlsUrl).toMatch(/^rss:\/\/127\.0\.0\.1:\d+$/);
    await exercise(a, b, `com.e2e.tls.${serializer}`);
    await leaveCleanly(a, b);
  });

  it('long-poll', async () => {
    const [a, b] = await pair({ url: node.longpollUrl, serializers: [serializer] });
    expect(a.transport.type).toBe('longpoll');
    expect(a.transport.serializer).toBe(serializer);
    await exercise(a, b, `com.e2e.lp.${serializer}`);
    await leaveCleanly(a, b);
  });
});

describe('transport details against the real node', () => {
  it('refuses an rss:// router whose certificate does not verify', async () => {
    const error = await connect({ url: node.tlsUrl, realm: 'realm1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as Error).message).toMatch(/certificate/i);
  });

  it('negotiates down the serializer list when the router refuses the first (cbor is not configured)', async () => {
    const session = await connect({ url: node.rawsocketUrl, realm: 'realm1', serializers: ['cbor', 'msgpack'] });
    expect(session.transport.serializer).toBe('msgpack');
    await session.leave();
  });

  it('long-poll with a batched protocol', async () => {
    const session = await connect({ url: node.longpollUrl, realm: 'realm1', protocols: ['wamp.2.json.batched'] });
    expect((session.transport as { protocol?: string }).protocol).toBe('wamp.2.json.batched');
    const other = await connect({ url: node.longpollUrl, realm: 'realm1' });
    await exercise(session, other, 'com.e2e.lpbatched');
    await leaveCleanly(session, other);
  });

  it("Autobahn|JS's rawsocket options (host and port, path) work in a transports list", async () => {
    const port = Number(new URL(node.rawsocketUrl.replace(/^rs:/, 'http:')).port);
    for (const entry of [
      { type: 'rawsocket', host: '127.0.0.1', port },
      { type: 'rawsocket', path: node.unixPath },
    ]) {
      const connection = new Connection({ realm: 'realm1', transports: [entry] });
      const opened = new Promise<Record<string, unknown>>((resolve) => {
        connection.onopen = (_session, details) => resolve(details);
      });
      connection.open();
      expect((await opened)['transport']).toMatchObject({ type: 'rawsocket', protocol: 'wamp.2.json' });
      await connection.close();
    }
  });
});

describe('fallback along a transports list', () => {
  it('a Connection whose WebSocket cannot connect opens over long-poll and works', async () => {
    const deadPort = await closedPort();
    const connection = new Connection({
      realm: 'realm1',
      transports: [
        { type: 'websocket', url: `ws://127.0.0.1:${deadPort}/ws` },
        { type: 'longpoll', url: node.longpollUrl },
      ],
    });
    const closes: string[] = [];
    connection.onclose = (reason) => void closes.push(reason);
    const opened = new Promise<{ session: Session; details: Record<string, unknown> }>((resolve) => {
      connection.onopen = (session, details) => resolve({ session, details });
    });
    connection.open();
    const { session, details } = await opened;
    expect(details['transport']).toMatchObject({ type: 'longpoll', protocol: 'wamp.2.json' });
    expect(closes).toEqual([]);
    const other = await connect({ url: node.websocketUrl, realm: 'realm1' });
    await exercise(session, other, 'com.e2e.fallback');
    await other.leave();
    await connection.close();
    expect(closes).toEqual(['closed']);
  });
});

describe('the universal port', () => {
  it('serves RawSocket, WebSocket and long-poll on one port, routing among them', async () => {
    const { port, rawsocketUrl, websocketUrl, longpollUrl } = node.universal;
    expect([new URL(websocketUrl).port, new URL(longpollUrl).port]).toEqual([String(port), String(port)]);
    const [raw, ws, lp] = await Promise.all([
      connect({ url: rawsocketUrl, realm: 'realm1', serializers: ['msgpack'] }),
      connect({ url: websocketUrl, realm: 'realm1' }),
      connect({ url: longpollUrl, realm: 'realm1' }),
    ]);
    expect([raw.transport.type, ws.transport.type, lp.transport.type]).toEqual(['rawsocket', 'websocket', 'longpoll']);
    await exercise(raw, lp, 'com.e2e.universal.a');
    await exercise(lp, ws, 'com.e2e.universal.b');
    await exercise(ws, raw, 'com.e2e.universal.c');
    await leaveCleanly(raw, ws, lp);
  });
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
