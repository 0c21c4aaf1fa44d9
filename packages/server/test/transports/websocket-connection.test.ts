import { createSerializer, type WampMessage } from '@interchange/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { InterchangeNode } from '../../src/node.js';
import { FrameCache } from '../../src/transports/frame-cache.js';
import { LOCAL_ENDPOINT, RawWampClient, tempDir, workerConfig } from '../helpers.js';

const MAX = 4096;

describe('WebSocket connections', () => {
  let node: InterchangeNode;
  let url: string;
  let pingUrl: string;

  beforeAll(async () => {
    const config = workerConfig([
      { type: 'websocket', endpoint: LOCAL_ENDPOINT, options: { max_message_size: MAX } },
      { type: 'websocket', endpoint: LOCAL_ENDPOINT, options: { auto_ping_interval: 30, auto_ping_timeout: 200 } },
    ]);
    node = await InterchangeNode.start({ config, cbdir: await tempDir() });
    url = node.addresses[0]!.websocketUrls[0]!;
    pingUrl = node.addresses[1]!.websocketUrls[0]!;
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  async function expectProtocolViolation(client: RawWampClient, text: RegExp): Promise<void> {
    const abort = await client.next();
    expect(abort[0]).toBe(3);
    expect(abort[2]).toBe('wamp.error.protocol_violation');
    expect(JSON.stringify(abort[1])).toMatch(text);
    await client.closed;
  }

  it('answers an undecodable frame with ABORT protocol_violation and closes', async () => {
    const client = new RawWampClient(url);
    await client.join();
    client.send('[1, "not json');
    await expectProtocolViolation(client, /JSON/);
  });

  it('treats a binary frame on wamp.2.json as a protocol violation', async () => {
    const client = new RawWampClient(url);
    await client.join();
    client.send(Buffer.from(JSON.stringify([32, 1, {}, 'com.example.topic'])), true);
    await expectProtocolViolation(client, /text frames/);
  });

  it('treats a text frame on wamp.2.cbor as a protocol violation', async () => {
    const cbor = createSerializer('cbor');
    const client = new RawWampClient(url, 'wamp.2.cbor', (data, isBinary) =>
      isBinary ? (cbor.decode(new Uint8Array(data))[0] as WampMessage) : JSON.parse(data.toString()),
    );
    await client.opened;
    client.send('[1, "realm1", {}]', false);
    const abort = await client.next<WampMessage>();
    expect(abort).toMatchObject({ type: 'ABORT', reason: 'wamp.error.protocol_violation' });
    expect(JSON.stringify(abort)).toMatch(/binary frames/);
  });

  it('answers a message over max_message_size with ABORT saying it is too large', async () => {
    const client = new RawWampClient(url);
    await client.join();
    client.send([16, 1, {}, 'com.example.big', ['x'.repeat(MAX)]]);
    await expectProtocolViolation(client, /too large/);
  });

  it('closes with 1009 when a message is far over the limit', async () => {
    const client = new RawWampClient(url);
    await client.join();
    client.send([16, 1, {}, 'com.example.huge', ['x'.repeat(MAX * 3)]]);
    expect((await client.closed).code).toBe(1009);
  });

  it('keeps other connections working while one misbehaves', async () => {
    const callee = new RawWampClient(url);
    await callee.join();
    callee.send([64, 1, {}, 'com.example.echo']);
    expect((await callee.next())[0]).toBe(65);

    const bad = new RawWampClient(url);
    await bad.join();
    bad.send('{{{');
    bad.send(Buffer.from([0xff, 0x00]), true);
    await bad.closed;

    const caller = new RawWampClient(url);
    await caller.join();
    caller.send([48, 7, {}, 'com.example.echo', ['hi']]);
    const invocation = await callee.next();
    expect(invocation[0]).toBe(68);
    callee.send([70, invocation[1], {}, ['hi back']]);
    expect(await caller.next()).toEqual([50, 7, {}, ['hi back']]);
    caller.ws.close();
    callee.ws.close();
  });

  it('delivers one publication to many subscribers of mixed serializers', async () => {
    const msgpack = createSerializer('msgpack');
    const subscribers = [
      new RawWampClient(url),
      new RawWampClient(url),
      new RawWampClient(url, 'wamp.2.msgpack', (data) => msgpack.decode(new Uint8Array(data))[0]),
    ];
    const [a, b] = subscribers;
    for (const client of [a!, b!]) {
      await client.join();
      client.send([32, 1, {}, 'com.example.news']);
      expect((await client.next())[0]).toBe(33);
    }
    const packed = subscribers[2]!;
    await packed.opened;
    packed.ws.send(msgpack.encode({ type: 'HELLO', realm: 'realm1', details: { roles: { subscriber: {} } } }));
    expect(await packed.next<WampMessage>()).toMatchObject({ type: 'WELCOME' });
    packed.ws.send(msgpack.encode({ type: 'SUBSCRIBE', requestId: 1, options: {}, topic: 'com.example.news' }));
    expect(await packed.next<WampMessage>()).toMatchObject({ type: 'SUBSCRIBED' });

    const publisher = new RawWampClient(url);
    await publisher.join();
    publisher.send([16, 9, {}, 'com.example.news', ['extra!']]);
    expect((await a!.next()).slice(3)).toEqual([{}, ['extra!']]);
    expect((await b!.next()).slice(3)).toEqual([{}, ['extra!']]);
    expect(await packed.next<WampMessage>()).toMatchObject({ type: 'EVENT', args: ['extra!'] });
    for (const client of [...subscribers, publisher]) client.ws.close();
  });

  it('pings with auto_ping_interval and drops a peer that does not answer', async () => {
    const answering = new RawWampClient(pingUrl);
    await answering.opened;
    await new Promise<void>((resolve) => answering.ws.once('ping', () => resolve()));

    const silent = new WebSocket(pingUrl, 'wamp.2.json', { autoPong: false });
    const closed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
    expect(await closed).toBe(1006);
    expect(answering.ws.readyState).toBe(WebSocket.OPEN);
    answering.ws.close();
  });
});

describe('FrameCache', () => {
  it('encodes a message object handed to many receivers once', () => {
    const cache = new FrameCache(createSerializer('json'));
    const event: WampMessage = { type: 'EVENT', subscription: 1, publication: 2, details: {}, args: [1] };
    const first = cache.encodeBytes(event);
    expect(cache.encodeBytes(event)).toBe(first);
    expect(cache.encodeBytes(event)).toBe(first);
    expect(cache.hits).toBe(2);
    const other: WampMessage = { ...event, subscription: 3 };
    expect(Buffer.from(cache.encodeBytes(other)).toString()).toBe('[36,3,2,{},[1]]');
    expect(cache.hits).toBe(2);
  });
});
