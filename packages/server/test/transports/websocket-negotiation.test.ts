import { createSerializer, type SerializerName, type WampMessage } from '@interchange/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import {
  acceptedSubprotocols,
  negotiateSubprotocol,
  parseOfferedSubprotocols,
} from '../../src/transports/websocket-negotiation.js';
import { httpRequest, LOCAL_ENDPOINT, RawWampClient, rawUpgrade, tempDir, workerConfig } from '../helpers.js';

describe('negotiateSubprotocol', () => {
  it('accepts the plain and batched forms of the configured serializers only', () => {
    expect(acceptedSubprotocols(['json'])).toEqual(['wamp.2.json', 'wamp.2.json.batched']);
    expect(acceptedSubprotocols(['msgpack', 'cbor'])).toEqual([
      'wamp.2.cbor',
      'wamp.2.msgpack',
      'wamp.2.cbor.batched',
      'wamp.2.msgpack.batched',
    ]);
  });

  it("picks the client's first acceptable offer", () => {
    const accepted = acceptedSubprotocols(['json', 'cbor']);
    expect(negotiateSubprotocol(['wamp.2.msgpack', 'wamp.2.json', 'wamp.2.cbor'], accepted)).toEqual({
      ok: true,
      subprotocol: 'wamp.2.json',
    });
  });

  it('refuses with the supported list when nothing fits or nothing was offered', () => {
    const accepted = acceptedSubprotocols(['json']);
    expect(negotiateSubprotocol(['wamp.2.cbor', 'mqtt'], accepted)).toEqual({
      ok: false,
      body: {
        error: 'none of the offered WebSocket subprotocols is supported: wamp.2.cbor, mqtt',
        supported: accepted,
      },
    });
    const none = negotiateSubprotocol([], accepted);
    expect(none.ok).toBe(false);
  });

  it('splits repeated and comma-separated headers', () => {
    expect(parseOfferedSubprotocols(['wamp.2.json, wamp.2.cbor', 'x'])).toEqual(['wamp.2.json', 'wamp.2.cbor', 'x']);
    expect(parseOfferedSubprotocols(undefined)).toEqual([]);
  });
});

describe('WebSocket handshake on a running node', () => {
  let node: InterchangeNode;
  let anyPort: number;
  let jsonOnlyPort: number;
  let originPort: number;

  beforeAll(async () => {
    const config = workerConfig([
      { type: 'websocket', endpoint: LOCAL_ENDPOINT, options: { enable_webstatus: false } },
      {
        type: 'web',
        endpoint: LOCAL_ENDPOINT,
        paths: { ws: { type: 'websocket', serializers: ['json'], options: { enable_webstatus: false } } },
      },
      {
        type: 'websocket',
        endpoint: LOCAL_ENDPOINT,
        options: { allowed_origins: ['https://app.example.com', 'http://localhost:*'] },
      },
    ]);
    node = await InterchangeNode.start({ config, cbdir: await tempDir() });
    anyPort = node.addresses[0]!.port;
    jsonOnlyPort = node.addresses[1]!.port;
    originPort = node.addresses[2]!.port;
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  const forms: [string, SerializerName, boolean][] = [
    ['wamp.2.json', 'json', false],
    ['wamp.2.msgpack', 'msgpack', false],
    ['wamp.2.cbor', 'cbor', false],
    ['wamp.2.json.batched', 'json', true],
    ['wamp.2.msgpack.batched', 'msgpack', true],
    ['wamp.2.cbor.batched', 'cbor', true],
  ];

  it.each(forms)('speaks %s end to end', async (subprotocol, name, batched) => {
    const serializer = createSerializer(name, { batched });
    const client = new RawWampClient(`ws://127.0.0.1:${anyPort}/`, subprotocol, (data, isBinary) => {
      expect(isBinary).toBe(serializer.binary);
      return serializer.decode(serializer.binary ? new Uint8Array(data) : data.toString('utf8'));
    });
    await client.opened;
    expect(client.ws.protocol).toBe(subprotocol);
    const hello: WampMessage = { type: 'HELLO', realm: 'realm1', details: { roles: { subscriber: {} } } };
    client.send(serializer.joinFrames([serializer.encode(hello)]), serializer.binary);
    const [welcome] = await client.next<WampMessage[]>();
    expect(welcome?.type).toBe('WELCOME');
    client.ws.close();
    await client.closed;
  });

  it('answers a handshake offering nothing acceptable with 400 and a JSON body', async () => {
    const outcome = await rawUpgrade(jsonOnlyPort, '/ws', 'wamp.2.msgpack, wamp.2.cbor');
    expect(outcome).toMatchObject({ accepted: false, status: 400, contentType: 'application/json; charset=utf-8' });
    if (outcome.accepted) return;
    expect(JSON.parse(outcome.body)).toEqual({
      error: 'none of the offered WebSocket subprotocols is supported: wamp.2.msgpack, wamp.2.cbor',
      supported: ['wamp.2.json', 'wamp.2.json.batched'],
    });
  });

  it('refuses a handshake without any subprotocol header with 400', async () => {
    const outcome = await rawUpgrade(anyPort, '/', undefined);
    expect(outcome).toMatchObject({ accepted: false, status: 400 });
    if (outcome.accepted) return;
    expect(JSON.parse(outcome.body)).toMatchObject({
      error: expect.stringContaining('no WebSocket subprotocol offered'),
    });
    expect(JSON.parse(outcome.body).supported).toContain('wamp.2.cbor.batched');
  });

  it('accepts the upgrade on any path of a websocket transport', async () => {
    expect(await rawUpgrade(anyPort, '/some/where', 'wamp.2.json')).toEqual({
      accepted: true,
      protocol: 'wamp.2.json',
    });
  });

  it('routes upgrades of a web transport by path', async () => {
    expect(await rawUpgrade(jsonOnlyPort, '/ws', 'wamp.2.json')).toEqual({ accepted: true, protocol: 'wamp.2.json' });
    const elsewhere = await rawUpgrade(jsonOnlyPort, '/other', 'wamp.2.json');
    expect(elsewhere).toMatchObject({ accepted: false, status: 404 });
  });

  it('answers plain HTTP requests to WebSocket services with 426 and the accepted subprotocols without enable_webstatus', async () => {
    for (const [port, path] of [
      [anyPort, '/anything'],
      [jsonOnlyPort, '/ws'],
    ] as const) {
      const res = await httpRequest(port, path);
      expect(res.status).toBe(426);
      expect(res.headers.upgrade).toBe('websocket');
      expect(JSON.parse(res.body)).toMatchObject({ error: 'this path accepts WebSocket connections only' });
    }
    expect(JSON.parse((await httpRequest(jsonOnlyPort, '/ws')).body).supported).toEqual([
      'wamp.2.json',
      'wamp.2.json.batched',
    ]);
  });

  it('checks the Origin of browsers against allowed_origins', async () => {
    expect(await rawUpgrade(originPort, '/', 'wamp.2.json', { origin: 'https://app.example.com' })).toMatchObject({
      accepted: true,
    });
    expect(await rawUpgrade(originPort, '/', 'wamp.2.json', { origin: 'http://localhost:5173' })).toMatchObject({
      accepted: true,
    });
    const refused = await rawUpgrade(originPort, '/', 'wamp.2.json', { origin: 'https://evil.example.net' });
    expect(refused).toMatchObject({ accepted: false, status: 403 });
    if (refused.accepted) return;
    expect(JSON.parse(refused.body)).toEqual({ error: 'origin not allowed: https://evil.example.net' });
    // Non-browser clients send no Origin and are not affected.
    expect(await rawUpgrade(originPort, '/', 'wamp.2.json')).toMatchObject({ accepted: true });
  });
});
