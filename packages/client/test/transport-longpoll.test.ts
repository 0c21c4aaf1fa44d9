import {
  CanceledError,
  createSerializer,
  InvalidArgumentError,
  ProtocolViolationError,
  TransportError,
  type WampMessage,
} from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import { connectLongPoll, type FetchLike } from '../src/index.js';
import { FakeLongPoll, until } from './helpers/fake-longpoll.js';
import { recorder } from './helpers/transport-recorder.js';

const json = createSerializer('json');
const WELCOME: WampMessage = { type: 'WELCOME', session: 7, details: { roles: { broker: {} } } };
const EVENT: WampMessage = { type: 'EVENT', subscription: 1, publication: 2, details: {}, args: ['x'] };

describe('connectLongPoll', () => {
  it('opens with the offered protocols and reports the transport as Autobahn does', async () => {
    const server = new FakeLongPoll();
    const transport = await connectLongPoll({ url: 'http://127.0.0.1:8080/lp/', fetch: server.fetch });
    const [open] = server.of('open');
    expect(open?.url).toBe('http://127.0.0.1:8080/lp/open');
    expect(open?.method).toBe('POST');
    expect(open?.credentials).toBe('include');
    expect(JSON.parse(open?.body as string)).toEqual({ protocols: ['wamp.2.json'] });
    expect(transport.info).toEqual({ type: 'longpoll', url: 'http://127.0.0.1:8080/lp/tr_1', protocol: 'wamp.2.json' });
    expect(transport.transportId).toBe('tr_1');
    transport.close();
  });

  it('polls, asks again after an idle 204, and keeps what arrives before attach', async () => {
    const server = new FakeLongPoll();
    const transport = await connectLongPoll({ url: 'http://h/lp', fetch: server.fetch });
    await server.idle();
    await server.deliver(json.encode(WELCOME) as string);
    await server.poll().then((answer) => answer(new Response(json.encode(EVENT) as string, { status: 200 })));
    await until(() => server.of('receive').length === 4);
    const handlers = recorder();
    transport.attach(handlers);
    expect(handlers.messages).toEqual([WELCOME, EVENT]);
    expect(server.of('receive')[0]?.url).toBe('http://h/lp/tr_1/receive');
    transport.close();
  });

  it('sends one message a request, in order, even when the router is slow to answer', async () => {
    const server = new FakeLongPoll();
    server.holdSends = true;
    const transport = await connectLongPoll({ url: 'http://h/lp', fetch: server.fetch });
    transport.attach(recorder());
    for (const requestId of [1, 2, 3])
      transport.send({ type: 'CALL', requestId, options: {}, procedure: 'com.example.f' });
    await until(() => server.of('send').length === 1);
    expect(server.of('send')).toHaveLength(1);
    for (let n = 2; n <= 3; n++) {
      server.releaseSends();
      await until(() => server.of('send').length === n);
    }
    server.releaseSends();
    const ids = server.of('send').map((r) => (json.decode(r.body as string)[0] as { requestId: number }).requestId);
    expect(ids).toEqual([1, 2, 3]);
    expect(server.of('send')[0]?.headers['content-type']).toMatch(/^application\/json/);
    transport.close();
  });

  it('packs waiting messages into one request with a batched protocol, and unpacks batches', async () => {
    const batched = createSerializer('json', { batched: true });
    const server = new FakeLongPoll();
    server.protocol = 'wamp.2.json.batched';
    server.holdSends = true;
    const transport = await connectLongPoll({ url: 'http://h/lp', serializers: [batched], fetch: server.fetch });
    const handlers = recorder();
    transport.attach(handlers);
    for (const requestId of [1, 2, 3])
      transport.send({ type: 'CALL', requestId, options: {}, procedure: 'com.example.f' });
    await until(() => server.of('send').length === 1);
    server.releaseSends();
    await until(() => server.of('send').length === 2);
    server.releaseSends();
    expect(server.of('send').map((r) => batched.decode(r.body as string).length)).toEqual([1, 2]);
    await server.deliver(batched.joinFrames([batched.encode(WELCOME), batched.encode(EVENT)]) as string);
    await until(() => handlers.messages.length === 2);
    expect(handlers.messages).toEqual([WELCOME, EVENT]);
    transport.close();
  });

  it('speaks msgpack in binary bodies', async () => {
    const msgpack = createSerializer('msgpack');
    const server = new FakeLongPoll();
    server.protocol = 'wamp.2.msgpack';
    const transport = await connectLongPoll({
      url: 'http://h/lp',
      serializers: ['msgpack', 'json'],
      fetch: server.fetch,
    });
    expect(JSON.parse(server.of('open')[0]?.body as string)).toEqual({ protocols: ['wamp.2.msgpack', 'wamp.2.json'] });
    const handlers = recorder();
    transport.attach(handlers);
    await server.deliver(msgpack.encode(WELCOME) as Uint8Array, 'application/x-msgpack');
    await until(() => handlers.messages.length === 1);
    expect(handlers.messages).toEqual([WELCOME]);
    transport.send({ type: 'GOODBYE', details: {}, reason: 'wamp.close.normal' });
    await until(() => server.of('send').length === 1);
    const [sent] = server.of('send');
    expect(sent?.headers['content-type']).toBe('application/x-msgpack');
    expect(msgpack.decode(sent?.body as Uint8Array)).toEqual([
      { type: 'GOODBYE', details: {}, reason: 'wamp.close.normal' },
    ]);
    transport.close();
  });

  it('on close, lets a queued message go out first, then calls close and reports a clean close', async () => {
    const server = new FakeLongPoll();
    server.holdSends = true;
    const transport = await connectLongPoll({ url: 'http://h/lp', fetch: server.fetch });
    const handlers = recorder();
    transport.attach(handlers);
    transport.send({ type: 'ABORT', details: {}, reason: 'wamp.error.protocol_violation' });
    transport.close(1000, 'protocol violation');
    transport.send({ type: 'GOODBYE', details: {}, reason: 'wamp.close.normal' }); // dropped: closing
    await until(() => server.of('send').length === 1);
    expect(server.of('close')).toHaveLength(0);
    server.releaseSends();
    await until(() => handlers.closes.length === 1);
    expect(server.requests.map((r) => r.url.split('/').pop())).toEqual(['open', 'receive', 'send', 'close']);
    expect(handlers.closes).toEqual([{ code: 1000, reason: 'protocol violation', wasClean: true }]);
  });

  it('closes cleanly when the router forgets the transport after its GOODBYE, uncleanly otherwise', async () => {
    const server = new FakeLongPoll();
    const orderly = await connectLongPoll({ url: 'http://h/lp', fetch: server.fetch });
    const h1 = recorder();
    orderly.attach(h1);
    await server.deliver(json.encode({ type: 'GOODBYE', details: {}, reason: 'wamp.close.system_shutdown' }) as string);
    await server.gone();
    await until(() => h1.closes.length === 1);
    expect(h1.closes).toEqual([{ code: 1000, reason: 'closed by the router', wasClean: true }]);

    const dropped = await connectLongPoll({ url: 'http://h/lp', fetch: server.fetch });
    const h2 = recorder();
    dropped.attach(h2);
    await server.gone();
    await until(() => h2.closes.length === 1);
    expect(h2.closes).toEqual([{ code: 1006, reason: 'the router dropped the long-poll transport', wasClean: false }]);
  });

  it('closes uncleanly when a send fails', async () => {
    const server = new FakeLongPoll();
    server.sendStatus = 500;
    const transport = await connectLongPoll({ url: 'http://h/lp', fetch: server.fetch });
    const handlers = recorder();
    transport.attach(handlers);
    transport.send({ type: 'GOODBYE', details: {}, reason: 'wamp.close.normal' });
    await until(() => handlers.closes.length === 1);
    expect(handlers.closes).toEqual([{ code: 1006, reason: 'long-poll send failed: HTTP 500', wasClean: false }]);
  });

  it('reports an undecodable body as a protocol error', async () => {
    const server = new FakeLongPoll();
    const transport = await connectLongPoll({ url: 'http://h/lp', fetch: server.fetch });
    const handlers = recorder();
    transport.attach(handlers);
    await server.deliver('{not json');
    await until(() => handlers.errors.length === 1);
    // The serializer's own error class, not a generic one; nothing was delivered as a message.
    expect(handlers.errors[0]).toBeInstanceOf(ProtocolViolationError);
    expect(handlers.errors[0]?.message).toMatch(/not valid JSON/);
    expect(handlers.messages).toEqual([]);
    transport.close();
  });

  it('rejects with TransportError when open fails, with the router’s error text', async () => {
    const server = new FakeLongPoll();
    server.protocol = undefined;
    await expect(connectLongPoll({ url: 'http://h/lp', fetch: server.fetch })).rejects.toThrow(
      /HTTP 400: no common protocol to speak/,
    );
    server.protocol = 'wamp.2.cbor';
    await expect(connectLongPoll({ url: 'http://h/lp', fetch: server.fetch })).rejects.toThrow(/picked 'wamp.2.cbor'/);
    const refused = (async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    }) as typeof server.fetch;
    const error = await connectLongPoll({ url: 'http://127.0.0.1:9/lp', fetch: refused }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    const html = (async () => new Response('<html>', { status: 200 })) as typeof server.fetch;
    await expect(connectLongPoll({ url: 'http://h/lp', fetch: html })).rejects.toThrow(/not a WAMP long-poll service/);
  });

  it('rejects with CanceledError on abort and TransportError when the request times out', async () => {
    const hanging = ((_url: string, init: RequestInit) =>
      new Promise<Response>((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      )) as FetchLike;
    const controller = new AbortController();
    const pending = connectLongPoll({ url: 'http://h/lp', fetch: hanging, signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(CanceledError);
    await expect(connectLongPoll({ url: 'http://h/lp', fetch: hanging, requestTimeout: 5 })).rejects.toThrow(
      /no answer from http:\/\/h\/lp\/open within 5 ms/,
    );
  });

  it('refuses a URL that is not http(s) at once', async () => {
    await expect(connectLongPoll({ url: 'ws://h/lp', fetch: new FakeLongPoll().fetch })).rejects.toThrow(
      InvalidArgumentError,
    );
  });
});
