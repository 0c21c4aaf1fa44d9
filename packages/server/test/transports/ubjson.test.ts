/**
 * UBJSON on the node's transports: a config listing `ubjson` (as Crossbar's examples do) serves
 * `wamp.2.ubjson` over WebSocket and long-poll, and serializer 4 over RawSocket; a hostile UBJSON frame gets
 * ABORT protocol_violation for its own session and leaves the node serving others. Interchange's
 * client speaks it with `@interchange/client/ubjson`, to peers on any other serializer.
 */
import { connect, type Invocation } from '@interchange/client';
import '@interchange/client/ubjson';
import { createSerializer, RawSocketFrameType, type WampMessage } from '@interchange/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, RawWampClient, tempDir, workerConfig } from '../helpers.js';
import { asBody } from '../support/http.js';
import { RawSocketTestClient, type Target } from '../support/rawsocket-client.js';

const ubjson = createSerializer('ubjson');
const HELLO: WampMessage = { type: 'HELLO', realm: 'realm1', details: { roles: { caller: {}, subscriber: {} } } };
/** An array declaring 2^26 elements in 8 bytes: decoded naively, over a gigabyte of `undefined`. */
const COUNT_BOMB = new Uint8Array([0x5b, 0x23, 0x6c, 0x04, 0x00, 0x00, 0x00]);

describe('UBJSON transports', () => {
  let node: InterchangeNode;
  let url: string;
  let rawsocket: Target;
  let longpoll: string;

  beforeAll(async () => {
    const serializers = ['json', 'msgpack', 'cbor', 'ubjson'];
    const config = workerConfig([
      { type: 'websocket', endpoint: LOCAL_ENDPOINT, serializers },
      { type: 'rawsocket', endpoint: LOCAL_ENDPOINT, serializers },
      { type: 'web', endpoint: LOCAL_ENDPOINT, paths: { lp: { type: 'longpoll', serializers } } },
    ]);
    node = await InterchangeNode.start({ config, cbdir: await tempDir() });
    url = node.addresses[0]!.websocketUrls[0]!;
    rawsocket = { port: node.addresses[1]!.port, host: '127.0.0.1' };
    longpoll = node.addresses[2]!.longpollUrls[0]!;
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  const ubjsonClient = () =>
    new RawWampClient(url, 'wamp.2.ubjson', (data, isBinary) => {
      expect(isBinary).toBe(true);
      return ubjson.decode(new Uint8Array(data))[0];
    });

  it('negotiates wamp.2.ubjson and welcomes a session with an integer session ID', async () => {
    const client = ubjsonClient();
    await client.opened;
    expect(client.ws.protocol).toBe('wamp.2.ubjson');
    client.send(ubjson.encode(HELLO) as Uint8Array);
    const welcome = await client.next<{ type: string; session: unknown; details: { realm?: string } }>();
    expect(welcome.type).toBe('WELCOME');
    expect(Number.isInteger(welcome.session)).toBe(true);
    expect(welcome.details.realm).toBe('realm1');
    client.ws.close();
  });

  it.each([
    ['a count larger than the frame', COUNT_BOMB],
    [
      'nesting 100,000 deep',
      new Uint8Array([...'['.repeat(100_000), ...']'.repeat(100_000)].map((c) => c.charCodeAt(0))),
    ],
    ['a truncated frame', (ubjson.encode(HELLO) as Uint8Array).slice(0, 10)],
  ])('answers %s with ABORT protocol_violation, and the node serves the next session', async (_label, frame) => {
    const client = ubjsonClient();
    await client.opened;
    client.send(frame);
    expect(await client.next<WampMessage>()).toMatchObject({
      type: 'ABORT',
      reason: 'wamp.error.protocol_violation',
    });
    await client.closed;

    const next = ubjsonClient();
    await next.opened;
    next.send(ubjson.encode(HELLO) as Uint8Array);
    expect(await next.next<WampMessage>()).toMatchObject({ type: 'WELCOME' });
    next.ws.close();
  });

  it.each(['ubjson', 'cbor', 'json'] as const)(
    'carries bytes and integers up to 2^53 between a ubjson caller and a %s callee',
    async (calleeSerializer) => {
      const callee = await connect({ url, realm: 'realm1', serializers: [calleeSerializer] });
      const caller = await connect({ url, realm: 'realm1', serializers: ['ubjson'] });
      try {
        await callee.register('com.example.echo', (invocation: Invocation) => invocation.args);
        const sent = [new Uint8Array([0, 1, 254, 255]), 2 ** 53, -(2 ** 40), 1.5, 'ü', { nested: [null, true] }];
        // The handler returns the list it got: one result argument, that list.
        const [echoed] = (await caller.call('com.example.echo', sent)).args as [unknown[]];
        expect(echoed).toEqual(sent);
        expect(Object.getPrototypeOf(echoed[0])).toBe(Uint8Array.prototype);
      } finally {
        await caller.leave();
        await callee.leave();
      }
    },
  );

  it('speaks UBJSON over long-poll in binary bodies', async () => {
    const opened = await fetch(`${longpoll}/open`, {
      method: 'POST',
      body: JSON.stringify({ protocols: ['wamp.2.ubjson'] }),
    });
    const { transport, protocol } = (await opened.json()) as { transport: string; protocol: string };
    expect(protocol).toBe('wamp.2.ubjson');
    const sent = await fetch(`${longpoll}/${transport}/send`, {
      method: 'POST',
      body: asBody(ubjson.encode(HELLO) as Uint8Array),
    });
    expect(sent.status).toBe(204);
    const received = await fetch(`${longpoll}/${transport}/receive`, { method: 'POST' });
    expect(received.headers.get('content-type')).toBe('application/ubjson');
    expect(ubjson.decode(new Uint8Array(await received.arrayBuffer()))[0]).toMatchObject({ type: 'WELCOME' });
    await fetch(`${longpoll}/${transport}/close`, { method: 'POST' });
  });

  it('speaks UBJSON over RawSocket (serializer 4) and refuses a hostile frame there too', async () => {
    const client = await RawSocketTestClient.connected(rawsocket, 4);
    client.frame(RawSocketFrameType.MESSAGE, ubjson.encode(HELLO) as Uint8Array);
    const welcome = await client.next();
    expect(welcome?.type).toBe('message');
    expect(ubjson.decode((welcome as { payload: Uint8Array }).payload)[0]).toMatchObject({ type: 'WELCOME' });
    client.frame(RawSocketFrameType.MESSAGE, COUNT_BOMB);
    const abort = await client.next();
    expect(ubjson.decode((abort as { payload: Uint8Array }).payload)[0]).toMatchObject({
      type: 'ABORT',
      reason: 'wamp.error.protocol_violation',
    });
    client.close();
  });
});
