/**
 * Crossbar's WebSocket options, each seen from a client, on both wires: Interchange's own frame
 * reader (no compression) and ws (a service with `compression.deflate`, a client offering
 * permessage-deflate). Configs are written in Crossbar's format.
 */
import { Socket } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { InterchangeNode } from '../../src/node.js';
import { httpRequest, LOCAL_ENDPOINT, RawWampClient, rawUpgrade, tempDir, workerConfig } from '../helpers.js';
import { clientFrame, Opcode } from '../support/client-frames.js';
import { HandmadeWebSocket } from '../support/handmade-websocket.js';

/** Each message compressed on its own, so the handmade client can inflate it alone. */
const DEFLATE = { compression: { deflate: { no_context_takeover: true } } };
const HELLO = [1, 'realm1', { roles: { subscriber: {}, publisher: {}, caller: {}, callee: {} } }];

/** Transports of the node under test, by name; the same options twice: without and with deflate. */
const TRANSPORTS = {
  limits: {
    open_handshake_timeout: 300,
    close_handshake_timeout: 300,
    max_frame_size: 1000,
    max_message_size: 100_000,
    auto_fragment_size: 100,
  },
  drop: { max_frame_size: 1000, fail_by_drop: true },
  echo: { echo_close_codereason: true },
  ping: { auto_ping_interval: 50, auto_ping_timeout: 300, auto_ping_size: 40 },
  pingStrict: { auto_ping_interval: 50, auto_ping_timeout: 300, auto_ping_restart_on_any_traffic: false },
  lenient: { require_websocket_subprotocol: false, show_server_version: true },
  checks: {
    allowed_origins: ['https://*.example.com:443'],
    allow_null_origin: false,
    external_port: 8443,
    enable_hybi10: false,
  },
} as const;
type Name = keyof typeof TRANSPORTS;
const WIRES = ['direct', 'deflate'] as const;
type Wire = (typeof WIRES)[number];

let node: InterchangeNode;
const ports = new Map<string, number>();
let webPort: number;
let universalPort: number;
let rawPort: number;
let universalTimedPort: number;
const portOf = (name: Name, wire: Wire) => ports.get(`${name}/${wire}`) as number;

beforeAll(async () => {
  const transports: unknown[] = [];
  const names: string[] = [];
  for (const [name, options] of Object.entries(TRANSPORTS)) {
    for (const wire of WIRES) {
      transports.push({
        type: 'websocket',
        endpoint: LOCAL_ENDPOINT,
        options: wire === 'deflate' ? { ...options, ...DEFLATE } : options,
      });
      names.push(`${name}/${wire}`);
    }
  }
  transports.push(
    {
      type: 'web',
      endpoint: LOCAL_ENDPOINT,
      paths: { ws: { type: 'websocket', options: { open_handshake_timeout: 300 } }, info: { type: 'nodeinfo' } },
    },
    {
      type: 'universal',
      endpoint: LOCAL_ENDPOINT,
      websocket: { ws: { type: 'websocket' } },
      web: { paths: { info: { type: 'nodeinfo' } } },
    },
    { type: 'rawsocket', endpoint: LOCAL_ENDPOINT, serializer: 'json', options: { max_message_size: 1024 } },
    {
      type: 'universal',
      endpoint: LOCAL_ENDPOINT,
      websocket: { ws: { type: 'websocket', options: { open_handshake_timeout: 300 } } },
      rawsocket: {},
    },
  );
  node = await InterchangeNode.start({ config: workerConfig(transports), cbdir: await tempDir() });
  for (const [i, name] of names.entries()) ports.set(name, node.addresses[i]!.port);
  webPort = node.addresses[names.length]!.port;
  universalPort = node.addresses[names.length + 1]!.port;
  rawPort = node.addresses[names.length + 2]!.port;
  universalTimedPort = node.addresses[names.length + 3]!.port;
});

afterAll(async () => {
  await node.stop({ timeoutMs: 500 });
});

/** A ws client; on a deflate transport it negotiates permessage-deflate (ws offers it by default). */
function wsUrl(name: Name, wire: Wire): string {
  return `ws://127.0.0.1:${portOf(name, wire)}/`;
}

describe('open_handshake_timeout', () => {
  it.each([
    ['a websocket transport', () => portOf('limits', 'direct')],
    ['a web transport with a websocket path', () => webPort],
    ['a universal transport', () => universalTimedPort],
  ])('drops a connection that does not complete its handshake, on %s', async (_what, port) => {
    const started = Date.now();
    const client = await HandmadeWebSocket.connectOnly(port());
    const ended = await client.ended;
    expect(ended - started).toBeGreaterThanOrEqual(250);
    expect(ended - started).toBeLessThan(3000);
  });

  it('leaves a RawSocket client of a universal transport alone', async () => {
    const { RawSocketTestClient } = await import('../support/rawsocket-client.js');
    const client = await RawSocketTestClient.connected({ port: universalTimedPort }, 1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    client.sendJson(HELLO);
    expect(await client.next()).toMatchObject({ type: 'message' });
    client.socket.destroy();
  });

  it('leaves a connection that completed its handshake alone', async () => {
    const client = await HandmadeWebSocket.open(portOf('limits', 'direct'));
    await new Promise((resolve) => setTimeout(resolve, 400));
    await client.join();
    client.socket.destroy();
  });
});

describe.each(WIRES)('on the %s wire', (wire) => {
  const deflate = wire === 'deflate';

  it('close_handshake_timeout: drops a client that never answers the close frame', async () => {
    const client = await HandmadeWebSocket.open(portOf('limits', wire), { deflate });
    await client.join();
    client.sendJson([6, {}, 'wamp.close.close_realm']);
    await client.waitFor(() => client.closeFrame() !== undefined);
    const closeSeen = Date.now();
    const ended = await client.ended;
    expect(ended - closeSeen).toBeGreaterThanOrEqual(200);
    expect(ended - closeSeen).toBeLessThan(3000);
  });

  it('max_frame_size: a larger frame closes the connection with 1009', async () => {
    const client = await HandmadeWebSocket.open(portOf('limits', wire), { deflate });
    client.sendText('x'.repeat(1500));
    await client.waitFor(() => client.closeFrame() !== undefined);
    expect(client.closeFrame()).toMatchObject({
      code: 1009,
      reason: expect.stringContaining('frame larger than 1000'),
    });
    await client.ended;
  });

  it('max_frame_size limits frames, not messages: a message in smaller fragments passes', async () => {
    const client = await HandmadeWebSocket.open(portOf('limits', wire), { deflate });
    const hello = JSON.stringify([1, 'realm1', { roles: { caller: {} }, authextra: { pad: 'p'.repeat(1500) } }]);
    client.sendText(hello.slice(0, 900), { fin: false });
    client.sendText(hello.slice(900), { fin: true, opcode: Opcode.CONTINUATION });
    await client.waitFor(() => client.messages().length > 0);
    expect(client.wamp()[0]?.[0]).toBe(2);
    client.socket.destroy();
  });

  it('fail_by_drop: a frame over max_frame_size drops TCP without a close frame', async () => {
    const client = await HandmadeWebSocket.open(portOf('drop', wire), { deflate });
    client.sendText('x'.repeat(1500));
    await client.ended;
    expect(client.closeFrame()).toBeUndefined();
  });

  it('fail_by_drop: a protocol error (unmasked frame) drops TCP without a close frame', async () => {
    const client = await HandmadeWebSocket.open(portOf('drop', wire), { deflate });
    client.socket.write(clientFrame({ opcode: Opcode.TEXT, payload: JSON.stringify(HELLO), masked: false }));
    await client.ended;
    expect(client.closeFrame()).toBeUndefined();
  });

  it('without fail_by_drop, the same protocol error gets a close frame 1002', async () => {
    const client = await HandmadeWebSocket.open(portOf('limits', wire), { deflate });
    client.socket.write(clientFrame({ opcode: Opcode.TEXT, payload: JSON.stringify(HELLO), masked: false }));
    await client.waitFor(() => client.closeFrame() !== undefined);
    expect(client.closeFrame()?.code).toBe(1002);
    client.socket.destroy();
  });

  it('auto_fragment_size: a large event reaches the client in fragments of at most that size', async () => {
    const subscriber = await HandmadeWebSocket.open(portOf('limits', wire), { deflate });
    await subscriber.join();
    subscriber.sendJson([32, 1, {}, 'com.example.big']);
    await subscriber.waitFor(() => subscriber.messages().length >= 2);
    const whole = new RawWampClient(wsUrl('limits', wire));
    await whole.join();
    whole.send([32, 1, {}, 'com.example.big']);
    expect((await whole.next())[0]).toBe(33);
    const publisher = new RawWampClient(wsUrl('limits', wire));
    await publisher.join();
    // Under the transport's max_frame_size of 1000 as the publisher sends it.
    const text = 'x'.repeat(900);
    publisher.send([16, 2, {}, 'com.example.big', [text]]);
    // A client library reassembles the message.
    expect((await whole.next()).slice(4)).toEqual([[text]]);
    await subscriber.waitFor(() => subscriber.messages().length >= 3);
    const event = subscriber.messages()[2]!;
    expect(JSON.parse(event.text)[4]).toEqual([text]);
    const fragments = event.frames;
    expect(fragments.length).toBeGreaterThanOrEqual(9);
    expect(fragments[0]).toMatchObject({ opcode: Opcode.TEXT, fin: false });
    for (const fragment of fragments.slice(1)) expect(fragment.opcode).toBe(Opcode.CONTINUATION);
    expect(fragments.map((f) => f.fin)).toEqual([...fragments.slice(1).map(() => false), true]);
    for (const fragment of fragments) expect(fragment.payload.length).toBeLessThanOrEqual(100);
    for (const client of [whole, publisher]) client.ws.close();
    subscriber.socket.destroy();
  });

  it('echo_close_codereason: a client closing with 4000 gets 4000 and its reason back', async () => {
    const client = new RawWampClient(wsUrl('echo', wire));
    await client.join();
    client.ws.close(4000, 'done here');
    expect(await client.closed).toEqual({ code: 4000, reason: 'done here' });
  });

  it('without echo_close_codereason (Crossbar default), the answer is 1000 without a reason', async () => {
    const client = new RawWampClient(wsUrl('limits', wire));
    await client.join();
    expect(client.ws.extensions).toBe(deflate ? 'permessage-deflate' : '');
    client.ws.close(4000, 'done here');
    expect(await client.closed).toEqual({ code: 1000, reason: '' });
  });

  it('auto_ping_size: pings carry that many bytes, and a client answering them stays', async () => {
    const client = new RawWampClient(wsUrl('ping', wire));
    await client.opened;
    const payloads: Buffer[] = [];
    await new Promise<void>((resolve) =>
      client.ws.on('ping', (data: Buffer) => {
        payloads.push(data);
        if (payloads.length === 8) resolve();
      }),
    );
    expect(payloads.every((p) => p.length === 40)).toBe(true);
    // Sequence numbers count up.
    expect(payloads[1]!.readUInt32BE(8)).toBe(payloads[0]!.readUInt32BE(8) + 1);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    client.ws.close();
  });

  it('auto_ping_timeout: a client that does not answer is dropped', async () => {
    const silent = new WebSocket(wsUrl('ping', wire), 'wamp.2.json', { autoPong: false });
    const closed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
    expect(await closed).toBe(1006);
  });

  it('a pong that does not echo the ping does not count', async () => {
    const wrong = new WebSocket(wsUrl('ping', wire), 'wamp.2.json', { autoPong: false });
    wrong.on('ping', () => wrong.pong(Buffer.from('not your payload')));
    expect(await new Promise<number>((resolve) => wrong.once('close', (code) => resolve(code)))).toBe(1006);
  });

  it.each([
    ['ping', 'stays while it keeps sending', true],
    ['pingStrict', 'is dropped all the same with auto_ping_restart_on_any_traffic false', false],
  ] as const)('a client that never answers pings but sends messages (%s) %s', async (name, _what, stays) => {
    const talker = new WebSocket(wsUrl(name, wire), 'wamp.2.json', { autoPong: false });
    const closed = new Promise<number>((resolve) => talker.once('close', (code) => resolve(code)));
    await new Promise((resolve) => talker.once('open', resolve));
    talker.send(JSON.stringify(HELLO));
    let calls = 0;
    const ticker = setInterval(() => talker.send(JSON.stringify([48, ++calls, {}, 'com.example.nothing'])), 30);
    const outcome = await Promise.race([closed, new Promise((resolve) => setTimeout(() => resolve('open'), 800))]);
    clearInterval(ticker);
    if (stays) {
      expect(outcome).toBe('open');
      talker.close();
    } else {
      expect(outcome).toBe(1006);
    }
  });

  it('require_websocket_subprotocol false: a client offering none speaks wamp.2.json, nothing announced', async () => {
    const client = await HandmadeWebSocket.open(portOf('lenient', wire), { protocol: undefined, deflate });
    expect(client.head.toLowerCase()).not.toContain('sec-websocket-protocol');
    expect(client.head).toMatch(/\r\nServer: Interchange\/\d+\.\d+/);
    await client.join();
    client.socket.destroy();
    expect(await rawUpgrade(portOf('lenient', wire), '/', 'mqtt')).toEqual({ accepted: true, protocol: undefined });
  });

  it('require_websocket_subprotocol true (the default): a handshake without one gets 400', async () => {
    const refused = await rawUpgrade(portOf('limits', wire), '/', undefined);
    expect(refused).toMatchObject({ accepted: false, status: 400 });
  });

  it('checks origins as Crossbar does, the null origin apart, and external_port and protocol versions', async () => {
    const port = portOf('checks', wire);
    const host = { host: 'app.example.com:8443' };
    const upgrade = (headers: Record<string, string>) => rawUpgrade(port, '/', 'wamp.2.json', { ...host, ...headers });
    // Crossbar's pattern names the port; the browser's Origin does not.
    expect(await upgrade({ origin: 'https://app.example.com' })).toMatchObject({ accepted: true });
    expect(await upgrade({ origin: 'https://app.example.com:443' })).toMatchObject({ accepted: true });
    for (const origin of ['https://evil.example.org', 'http://app.example.com', 'null', 'file://']) {
      const refused = await upgrade({ origin });
      expect(refused).toMatchObject({ accepted: false, status: 403 });
      if (!refused.accepted) expect(JSON.parse(refused.body)).toEqual({ error: `origin not allowed: ${origin}` });
    }
    // allow_null_origin defaults to true, and no allowed_origins allows all.
    expect(await rawUpgrade(portOf('limits', wire), '/', 'wamp.2.json', { origin: 'null' })).toMatchObject({
      accepted: true,
    });
    // external_port: a Host naming another port is refused; one naming none is fine.
    const otherPort = await rawUpgrade(port, '/', 'wamp.2.json', { host: `127.0.0.1:${port}` });
    expect(otherPort).toMatchObject({ accepted: false, status: 400 });
    expect(await rawUpgrade(port, '/', 'wamp.2.json', { host: 'app.example.com' })).toMatchObject({ accepted: true });
    // enable_hybi10 false: version 8 is refused, 13 is spoken.
    const draft = await upgrade({ 'sec-websocket-version': '8' });
    expect(draft).toMatchObject({ accepted: false, status: 426 });
  });
});

describe('enable_webstatus', () => {
  it('serves a status page on a plain GET (Crossbar default), 426 to other methods', async () => {
    const port = portOf('limits', 'direct');
    const page = await httpRequest(port, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('WAMP WebSocket endpoint');
    expect(page.body).toContain('wamp.2.cbor');
    expect(page.headers.server).toBeUndefined();
    expect((await httpRequest(port, '/', { method: 'HEAD' })).status).toBe(200);
    const post = await httpRequest(port, '/', { method: 'POST' });
    expect(post.status).toBe(426);
    expect(JSON.parse(post.body)).toMatchObject({ error: 'this path accepts WebSocket connections only' });
  });

  it('names the version with show_server_version', async () => {
    const page = await httpRequest(portOf('lenient', 'direct'), '/');
    expect(page.headers.server).toMatch(/^Interchange\/\d+\.\d+/);
    expect(page.body).toMatch(/Interchange \d+\.\d+/);
  });

  it('serves the page on the websocket paths of web and universal transports', async () => {
    for (const port of [webPort, universalPort]) {
      expect((await httpRequest(port, '/ws')).body).toContain('WAMP WebSocket endpoint');
      expect((await httpRequest(port, '/info')).status).toBe(200);
    }
  });
});

describe('RawSocket options', () => {
  it('announces options.max_message_size in the handshake and accepts only the one serializer', async () => {
    const { RawSocketTestClient } = await import('../support/rawsocket-client.js');
    const client = await RawSocketTestClient.open({ port: rawPort });
    const { encodeRawSocketHandshake } = await import('@interchange/protocol');
    client.write(encodeRawSocketHandshake(1, 15));
    expect(await client.next()).toMatchObject({
      type: 'handshake',
      handshake: { kind: 'accept', lengthExponent: 1, maxLength: 1024 },
    });
    client.socket.destroy();
    const msgpack = await RawSocketTestClient.open({ port: rawPort });
    msgpack.write(encodeRawSocketHandshake(2, 15));
    expect(await msgpack.next()).toMatchObject({ type: 'handshake', handshake: { kind: 'error' } });
    await msgpack.closed;
  });

  it('ends a session that sends a message over the limit', async () => {
    const { RawSocketTestClient } = await import('../support/rawsocket-client.js');
    const client = await RawSocketTestClient.connected({ port: rawPort }, 1);
    client.sendJson([1, 'realm1', { roles: { caller: {} }, authextra: { pad: 'p'.repeat(2000) } }]);
    await client.closed;
  });
});

describe('debug', () => {
  it("logs a transport's connections at debug level when the node logs at info", async () => {
    const lines: { msg?: string; debug?: boolean; level: number }[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const logger = pino({ level: 'info' }, stream);
    const config = workerConfig([
      { type: 'websocket', endpoint: LOCAL_ENDPOINT, debug: true },
      { type: 'websocket', endpoint: LOCAL_ENDPOINT, debug: false },
    ]);
    const debugNode = await InterchangeNode.start({ config, cbdir: await tempDir(), logger });
    try {
      for (const address of debugNode.addresses) {
        const client = new RawWampClient(`ws://127.0.0.1:${address.port}/`);
        await client.join();
        client.ws.close();
        await client.closed;
      }
      const connected = lines.filter((line) => line.msg === 'websocket connected');
      expect(connected).toHaveLength(1);
      expect(connected[0]).toMatchObject({ debug: true, level: 20 });
    } finally {
      await debugNode.stop({ timeoutMs: 500 });
    }
  });
});

describe('tcp_nodelay', () => {
  it('leaves Nagle on for tcp_nodelay false, on both wires, and turns it off by default', async () => {
    const config = workerConfig([
      { type: 'websocket', endpoint: LOCAL_ENDPOINT, options: { tcp_nodelay: false } },
      { type: 'websocket', endpoint: LOCAL_ENDPOINT, options: { tcp_nodelay: false, ...DEFLATE } },
      { type: 'websocket', endpoint: LOCAL_ENDPOINT },
    ]);
    const nagleNode = await InterchangeNode.start({ config, cbdir: await tempDir() });
    // The server's sockets live in this process: what was last asked of each, by its peer's port.
    const noDelay = new Map<number | undefined, boolean | undefined>();
    const spy = vi.spyOn(Socket.prototype, 'setNoDelay').mockImplementation(function (this: Socket, value) {
      noDelay.set(this.remotePort, value);
      return this;
    });
    try {
      const seen: (boolean | undefined)[] = [];
      for (const address of nagleNode.addresses) {
        const client = new RawWampClient(`ws://127.0.0.1:${address.port}/`);
        await client.join();
        seen.push(noDelay.get((client.ws as unknown as { _socket: Socket })._socket.localPort));
        client.ws.close();
      }
      expect(seen).toEqual([false, false, true]);
    } finally {
      spy.mockRestore();
      await nagleNode.stop({ timeoutMs: 500 });
    }
  });
});
