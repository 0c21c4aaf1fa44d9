/**
 * WAMP-over-Longpoll by hand over fetch: open, send, receive, close, the JSON shapes of Crossbar's
 * long-poll service, batched and binary protocols, and bad input.
 */
import { createSerializer } from '@interchange/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, RawWampClient, tempDir, workerConfig } from '../helpers.js';
import { asBody } from '../support/http.js';

describe('long-poll transport', () => {
  let node: InterchangeNode;
  let lp: string;
  let ws: string;

  beforeAll(async () => {
    const config = workerConfig([
      {
        type: 'web',
        endpoint: LOCAL_ENDPOINT,
        paths: {
          lp: { type: 'longpoll', options: { request_timeout: 1, queue_limit_messages: 5 } },
          ws: { type: 'websocket' },
        },
      },
    ]);
    node = await InterchangeNode.start({ config, cbdir: await tempDir() });
    lp = node.addresses[0]!.longpollUrls[0]!;
    ws = node.addresses[0]!.websocketUrls[0]!;
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 300 });
  });

  async function open(protocols: string[] = ['wamp.2.json']): Promise<{ transport: string; protocol: string }> {
    const response = await fetch(`${lp}/open`, {
      method: 'POST',
      body: JSON.stringify({ protocols }),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { transport: string; protocol: string };
  }

  const send = (transport: string, body: string | Uint8Array) =>
    fetch(`${lp}/${transport}/send`, { method: 'POST', body: asBody(body) });
  const receive = (transport: string) => fetch(`${lp}/${transport}/receive`, { method: 'POST' });

  async function receiveJson(transport: string): Promise<unknown[]> {
    const response = await receive(transport);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    return (await response.json()) as unknown[];
  }

  async function joined(): Promise<string> {
    const { transport } = await open();
    expect(
      (await send(transport, JSON.stringify([1, 'realm1', { roles: { subscriber: {}, publisher: {} } }]))).status,
    ).toBe(204);
    expect((await receiveJson(transport))[0]).toBe(2);
    return transport;
  }

  it('opens a transport: {"transport", "protocol"} with the first protocol offered that it speaks', async () => {
    const answer = await open(['wamp.2.ubjson', 'wamp.2.json']);
    expect(answer).toEqual({ transport: expect.stringMatching(/^[A-Za-z0-9_-]+$/), protocol: 'wamp.2.json' });
    const info = await fetch(`${lp}/${answer.transport}`);
    expect(await info.json()).toEqual({ transport: answer.transport, protocol: 'wamp.2.json', open: true });
  });

  it('runs a session: HELLO by send (204), WELCOME and events by receive', async () => {
    const transport = await joined();
    expect((await send(transport, JSON.stringify([32, 1, {}, 'com.example.topic']))).status).toBe(204);
    expect((await receiveJson(transport))[0]).toBe(33);
    // A receive waits until there is something to read.
    const pending = receiveJson(transport);
    const publisher = new RawWampClient(ws);
    await publisher.join();
    publisher.send([16, 1, {}, 'com.example.topic', ['hello']]);
    expect((await pending).slice(0, 1).concat((await pending).slice(4))).toEqual([36, ['hello']]);
    publisher.ws.close();
    expect((await send(transport, JSON.stringify([6, {}, 'wamp.close.close_realm']))).status).toBe(204);
    expect(await receiveJson(transport)).toEqual([6, {}, 'wamp.close.normal']);
    expect((await fetch(`${lp}/${transport}/close`, { method: 'POST' })).status).toBe(204);
    expect((await receive(transport)).status).toBe(404);
  });

  it('answers a receive with nothing to read 204 after the request timeout', async () => {
    const transport = await joined();
    expect((await receive(transport)).status).toBe(204);
  });

  it('returns every pending message in one batch for a batched protocol', async () => {
    const json = createSerializer('json', { batched: true });
    const { transport, protocol } = await open(['wamp.2.json.batched']);
    expect(protocol).toBe('wamp.2.json.batched');
    const batch = json.joinFrames([
      json.encode({ type: 'HELLO', realm: 'realm1', details: { roles: { subscriber: {} } } }),
      json.encode({ type: 'SUBSCRIBE', requestId: 1, options: {}, topic: 'com.example.batch' }),
    ]);
    expect((await send(transport, batch as string)).status).toBe(204);
    const messages = json.decode(await (await receive(transport)).text());
    expect(messages.map((m) => m.type)).toEqual(['WELCOME', 'SUBSCRIBED']);
  });

  it("answers a batched JSON client in the separator it writes (Autobahn|Python's 0x18)", async () => {
    const { transport } = await open(['wamp.2.json.batched']);
    const hello = JSON.stringify([1, 'realm1', { roles: { subscriber: {} } }]);
    const subscribe = JSON.stringify([32, 1, {}, 'com.example.batch18']);
    expect((await send(transport, `${hello}\u0018${subscribe}\u0018`)).status).toBe(204);
    const text = await (await receive(transport)).text();
    const parts = text.split('\u0018');
    expect(parts.map((part) => (part === '' ? '' : JSON.parse(part)[0]))).toEqual([2, 33, '']);
    expect(text).not.toContain('\u001e');
  });

  it('speaks msgpack in binary bodies', async () => {
    const msgpack = createSerializer('msgpack');
    const { transport } = await open(['wamp.2.msgpack']);
    expect(
      (
        await send(
          transport,
          msgpack.encode({ type: 'HELLO', realm: 'realm1', details: { roles: { caller: {} } } }) as Uint8Array,
        )
      ).status,
    ).toBe(204);
    const response = await receive(transport);
    expect(response.headers.get('content-type')).toBe('application/x-msgpack');
    expect(msgpack.decode(new Uint8Array(await response.arrayBuffer()))[0]).toMatchObject({ type: 'WELCOME' });
  });

  it('drops a transport whose client stops polling once its queue passes the limit', async () => {
    const transport = await joined();
    expect((await send(transport, JSON.stringify([32, 1, {}, 'com.example.flood']))).status).toBe(204);
    expect((await receiveJson(transport))[0]).toBe(33);
    const publisher = new RawWampClient(ws);
    await publisher.join();
    for (let i = 0; i < 6; i++) publisher.send([16, i + 2, {}, 'com.example.flood', [i]]);
    publisher.send([16, 99, { acknowledge: true }, 'com.example.other']);
    expect((await publisher.next())[0]).toBe(17);
    expect((await receive(transport)).status).toBe(404);
    publisher.ws.close();
  });

  it.each([
    ['a body that is not JSON', '{protocols', /not valid JSON/],
    ['no protocols', '{}', /protocols/],
    ['no protocol in common', '{"protocols": ["wamp.2.ubjson"]}', /no common protocol/],
  ])('refuses an open request with %s: 400 and a JSON error', async (_name, body, message) => {
    const response = await fetch(`${lp}/open`, { method: 'POST', body });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
  });

  it('answers 404 for an unknown transport and for paths it does not know', async () => {
    const unknown = await fetch(`${lp}/nosuchtransport/receive`, { method: 'POST' });
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: "no WAMP transport 'nosuchtransport'" }]);
    expect((await fetch(`${lp}/a/b/c`, { method: 'POST' })).status).toBe(404);
  });

  it('aborts a session that sends an undecodable message: 400, then ABORT on the next receive', async () => {
    const transport = await joined();
    const bad = await send(transport, '[16, 1, {}, "com.example');
    expect(bad.status).toBe(400);
    const abort = await receiveJson(transport);
    expect(abort.slice(0, 1).concat(abort.slice(2))).toEqual([3, 'wamp.error.protocol_violation']);
    expect((await receive(transport)).status).toBe(404);
  });
});
