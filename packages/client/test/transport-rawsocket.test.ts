import {
  CanceledError,
  createSerializer,
  InvalidArgumentError,
  RawSocketHandshakeError,
  TransportError,
  type WampMessage,
} from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import { connectRawSocket, parseRawSocketUrl, RawSocketRefusedError } from '../src/index.js';
import { FakeConnector, type FakeStream, frame } from './helpers/fake-stream.js';
import { recorder } from './helpers/transport-recorder.js';

const json = createSerializer('json');
const msgpack = createSerializer('msgpack');
const WELCOME: WampMessage = { type: 'WELCOME', session: 7, details: { roles: { broker: {} } } };

/** A router that accepts any handshake, announcing LENGTH exponent 6 (2^15 octets). */
const accepting = (stream: FakeStream): void => {
  const request = stream.fromClient[0];
  if (request?.type !== 'handshake' || request.handshake.kind !== 'accept') throw new Error('no handshake');
  stream.receive([0x7f, (6 << 4) | request.handshake.serializerId, 0, 0]);
};

describe('parseRawSocketUrl', () => {
  it.each([
    ['rs://127.0.0.1:8081', { kind: 'tcp', host: '127.0.0.1', port: 8081, secure: false }],
    ['tcp://router.example.com:9000', { kind: 'tcp', host: 'router.example.com', port: 9000, secure: false }],
    ['rss://router.example.com:9443', { kind: 'tcp', host: 'router.example.com', port: 9443, secure: true }],
    ['rs://localhost', { kind: 'tcp', host: 'localhost', port: 80, secure: false }],
    ['rss://localhost/', { kind: 'tcp', host: 'localhost', port: 443, secure: true }],
    ['rs://[::1]:8081', { kind: 'tcp', host: '::1', port: 8081, secure: false }],
    ['rs://unix:/tmp/router.sock', { kind: 'unix', path: '/tmp/router.sock', secure: false }],
    ['rss://unix:/tmp/router.sock', { kind: 'unix', path: '/tmp/router.sock', secure: true }],
    ['unix:///run/router.sock', { kind: 'unix', path: '/run/router.sock', secure: false }],
    ['unix:/run/router.sock', { kind: 'unix', path: '/run/router.sock', secure: false }],
  ])('parses %s', (url, target) => {
    expect(parseRawSocketUrl(url)).toEqual(target);
  });

  it.each([
    'ws://127.0.0.1:8080/ws',
    'tcp://127.0.0.1',
    'rs://127.0.0.1:8081/path',
    'rs://h:0',
    'rs://h:70000',
    'rs://user@h:1',
    'unix://',
    'rs://',
  ])('refuses %s', (url) => {
    expect(() => parseRawSocketUrl(url)).toThrow(InvalidArgumentError);
  });
});

describe('connectRawSocket', () => {
  it('sends the handshake with the serializer and our length exponent, and opens on the reply', async () => {
    const net = new FakeConnector(accepting);
    const transport = await connectRawSocket({
      url: 'rs://127.0.0.1:8081',
      serializers: ['msgpack'],
      maxMessageSize: 1000,
      connectSocket: net.connect,
    });
    expect(net.targets).toEqual([{ kind: 'tcp', host: '127.0.0.1', port: 8081, secure: false }]);
    // 1000 octets round up to 2^10: LENGTH 1; msgpack is serializer 2.
    expect(net.last.fromClient[0]).toEqual({
      type: 'handshake',
      handshake: { kind: 'accept', serializerId: 2, lengthExponent: 1, maxLength: 1024 },
    });
    expect(transport.info).toEqual({ type: 'rawsocket', url: 'rs://127.0.0.1:8081', protocol: 'wamp.2.msgpack' });
    expect(transport.serializer).toBe('msgpack');
    expect(transport.routerMaxLength).toBe(2 ** 15);
  });

  it('takes Autobahn|JS host/port and path options, and offers 16 MiB (LENGTH 15) by default', async () => {
    const net = new FakeConnector(accepting);
    await connectRawSocket({ host: '127.0.0.1', port: 9000, connectSocket: net.connect });
    await connectRawSocket({ path: '/tmp/x.sock', connectSocket: net.connect });
    expect(net.targets).toEqual([
      { kind: 'tcp', host: '127.0.0.1', port: 9000, secure: false },
      { kind: 'unix', path: '/tmp/x.sock', secure: false },
    ]);
    expect(net.last.fromClient[0]).toMatchObject({ handshake: { serializerId: 1, lengthExponent: 15 } });
  });

  it('reads a reply fed byte by byte, and keeps frames that arrive with it until attach', async () => {
    const net = new FakeConnector((stream) => {
      for (const octet of [0x7f, 0x61, 0, 0]) stream.receive([octet]);
    });
    const transport = await connectRawSocket({ url: 'rs://h:1', connectSocket: net.connect });
    net.last.receive(frame(0, json.encode(WELCOME) as string));
    const handlers = recorder();
    transport.attach(handlers);
    expect(handlers.messages).toEqual([WELCOME]);
  });

  it('decodes frames split anywhere and sends framed messages', async () => {
    const net = new FakeConnector(accepting);
    const transport = await connectRawSocket({ url: 'rs://h:1', serializers: ['msgpack'], connectSocket: net.connect });
    const handlers = recorder();
    transport.attach(handlers);
    const bytes = frame(0, msgpack.encode(WELCOME) as Uint8Array);
    for (let i = 0; i < bytes.length; i += 3) net.last.receive(bytes.subarray(i, i + 3));
    expect(handlers.messages).toEqual([WELCOME]);

    transport.send({ type: 'HELLO', realm: 'realm1', details: { roles: { caller: {} } } });
    const [sent] = net.last.frames();
    expect(sent?.type).toBe('message');
    expect(msgpack.decode((sent as { payload: Uint8Array }).payload)).toEqual([
      { type: 'HELLO', realm: 'realm1', details: { roles: { caller: {} } } },
    ]);
  });

  it('answers a PING with a PONG carrying the same payload', async () => {
    const net = new FakeConnector(accepting);
    const transport = await connectRawSocket({ url: 'rs://h:1', connectSocket: net.connect });
    transport.attach(recorder());
    net.last.receive(frame(1, Uint8Array.of(1, 2, 3, 250)));
    expect(net.last.frames()).toEqual([{ type: 'pong', payload: Uint8Array.of(1, 2, 3, 250) }]);
  });

  it.each([
    [RawSocketHandshakeError.SERIALIZER_UNSUPPORTED, 'serializer unsupported'],
    [RawSocketHandshakeError.MAX_LENGTH_UNACCEPTABLE, 'maximum message length unacceptable'],
    [RawSocketHandshakeError.RESERVED_BITS, 'use of reserved bits (unsupported feature)'],
    [RawSocketHandshakeError.MAX_CONNECTIONS, 'maximum connection count reached'],
  ])('maps handshake error %i to RawSocketRefusedError (%s)', async (code, text) => {
    const net = new FakeConnector((stream) => stream.receive([0x7f, code << 4, 0, 0]));
    const error = await connectRawSocket({ url: 'rs://h:1', connectSocket: net.connect }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RawSocketRefusedError);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ handshakeCode: code, code: 'ERR_WAMP_TRANSPORT' });
    expect((error as Error).message).toContain(text);
    expect(net.last.destroyed).toBe(true);
  });

  it('tries the next serializer on a new connection when the router refuses one as unsupported', async () => {
    const net = new FakeConnector((stream, index) => {
      if (index === 0) stream.receive([0x7f, 0x10, 0, 0]);
      else accepting(stream);
    });
    const transport = await connectRawSocket({
      url: 'rs://h:1',
      serializers: ['cbor', 'json'],
      connectSocket: net.connect,
    });
    expect(
      net.streams.map((s) => (s.fromClient[0] as { handshake: { serializerId: number } }).handshake.serializerId),
    ).toEqual([3, 1]);
    expect(transport.serializer).toBe('json');
  });

  it('fails clearly when the peer is not a RawSocket router, or closes during the handshake', async () => {
    const http = new FakeConnector((stream) =>
      stream.receive(new TextEncoder().encode('HTTP/1.1 400 Bad Request\r\n')),
    );
    await expect(connectRawSocket({ url: 'rs://h:1', connectSocket: http.connect })).rejects.toThrow(
      /not a RawSocket router/,
    );
    const closing = new FakeConnector((stream) => stream.closeFromPeer());
    await expect(connectRawSocket({ url: 'rs://h:1', connectSocket: closing.connect })).rejects.toThrow(
      /closed during the RawSocket handshake/,
    );
    const wrong = new FakeConnector((stream) => stream.receive([0x7f, 0x62, 0, 0]));
    await expect(connectRawSocket({ url: 'rs://h:1', connectSocket: wrong.connect })).rejects.toThrow(
      /answered serializer 2/,
    );
  });

  it('gives up when no reply comes within the handshake timeout, and on abort', async () => {
    const silent = new FakeConnector();
    await expect(
      connectRawSocket({ url: 'rs://h:1', handshakeTimeout: 5, connectSocket: silent.connect }),
    ).rejects.toThrow(/no RawSocket handshake reply within 5 ms/);
    expect(silent.last.destroyed).toBe(true);

    const controller = new AbortController();
    const pending = connectRawSocket({
      url: 'rs://h:1',
      signal: controller.signal,
      connectSocket: new FakeConnector(() => controller.abort()).connect,
    });
    await expect(pending).rejects.toBeInstanceOf(CanceledError);
  });

  it('refuses a message longer than the router accepts', async () => {
    const net = new FakeConnector((stream) => stream.receive([0x7f, 0x01, 0, 0])); // LENGTH 0: 512 octets
    const transport = await connectRawSocket({ url: 'rs://h:1', connectSocket: net.connect });
    expect(() =>
      transport.send({ type: 'PUBLISH', requestId: 1, options: {}, topic: 'a.b', args: ['x'.repeat(600)] }),
    ).toThrow(/exceeds the router's RawSocket limit of 512/);
    expect(net.last.frames()).toEqual([]);
  });

  it('reports a frame over our limit, or undecodable, as a protocol error', async () => {
    const net = new FakeConnector(accepting);
    const transport = await connectRawSocket({ url: 'rs://h:1', maxMessageSize: 512, connectSocket: net.connect });
    const handlers = recorder();
    transport.attach(handlers);
    net.last.receive(frame(0, 'not json'));
    net.last.receive([0, 0, 4, 0]); // announces 1024 octets
    expect(handlers.errors).toHaveLength(2);
    expect(handlers.errors[1]?.message).toMatch(/exceeds the limit of 512/);
  });

  it('closes cleanly when we end it, or after the router ended the session, and uncleanly when the connection is lost', async () => {
    const net = new FakeConnector(accepting);
    const ours = await connectRawSocket({ url: 'rs://h:1', connectSocket: net.connect });
    const h1 = recorder();
    ours.attach(h1);
    ours.close(1000, 'session closed');
    expect(net.last.ended).toBe(true);
    ours.send({ type: 'GOODBYE', details: {}, reason: 'wamp.close.normal' }); // dropped once closing
    net.last.closeFromPeer();
    expect(h1.closes).toEqual([{ code: 1000, reason: 'session closed', wasClean: true }]);
    expect(net.last.frames()).toEqual([]);

    const theirs = await connectRawSocket({ url: 'rs://h:1', connectSocket: net.connect });
    const h2 = recorder();
    theirs.attach(h2);
    net.last.receive(
      frame(0, json.encode({ type: 'ABORT', details: {}, reason: 'wamp.error.no_such_realm' }) as string),
    );
    net.last.closeFromPeer();
    expect(h2.closes).toEqual([{ code: 1000, reason: 'closed by the router', wasClean: true }]);

    const lost = await connectRawSocket({ url: 'rs://h:1', connectSocket: net.connect });
    const h3 = recorder();
    lost.attach(h3);
    net.last.fail('read ECONNRESET');
    expect(h3.closes).toEqual([{ code: 1006, reason: 'read ECONNRESET', wasClean: false }]);
  });

  it('refuses batched serializers, TLS options without rss://, and bad sizes at once', async () => {
    const connectSocket = new FakeConnector(accepting).connect;
    await expect(
      connectRawSocket({ url: 'rs://h:1', serializers: [createSerializer('json', { batched: true })], connectSocket }),
    ).rejects.toThrow(InvalidArgumentError);
    await expect(connectRawSocket({ url: 'rs://h:1', tls: { ca: 'x' }, connectSocket })).rejects.toThrow(/rss:\/\//);
    await expect(connectRawSocket({ url: 'rs://h:1', maxMessageSize: 0, connectSocket })).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(connectRawSocket({ connectSocket })).rejects.toThrow(/needs url, host and port, or path/);
  });
});
