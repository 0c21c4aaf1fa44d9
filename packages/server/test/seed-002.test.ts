/**
 * Seed 002: the Crossbar config of the HTTP bridge article starts Interchange unchanged, and the
 * article's requests get the article's answers — curl (here fetch) publishing and calling
 * through the bridge, Autobahn|JS clients subscribing and calling, the REST callee answering
 * the backend's 401 inside a 200, and the message forwarder POSTing events to the backend.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import autobahn from 'autobahn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { InterchangeNode } from '../src/node.js';
import { tempDir } from './helpers.js';
import { RecordingServer } from './support/recording.js';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const FIXTURE = fileURLToPath(new URL('./fixtures/seed-002/config.json', import.meta.url));

/** The article's backend answer, byte for byte as nginx sent it (the headers shown in the article). */
const UNAUTHENTICATED =
  'HTTP/1.1 401 Unauthorized\r\nServer: nginx/1.14.0 (Ubuntu)\r\nContent-Type: application/json\r\n' +
  'Cache-Control: no-cache, private\r\nDate: Fri, 22 May 2020 22:21:38 GMT\r\nContent-Encoding: \r\n' +
  'Content-Length: 30\r\nConnection: close\r\n\r\n{"message":"Unauthenticated."}';

/** A backend that answers every request as the article's API did, recording the request head. */
async function apiBackend(): Promise<{ server: Server; url: string; heads: string[] }> {
  const heads: string[] = [];
  const server = createServer((socket) => {
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(data)?.[1] ?? 0);
      if (data.length < end + 4 + length) return;
      heads.push(data);
      socket.end(UNAUTHENTICATED);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, heads };
}

function open(url: string): Promise<autobahn.Session> {
  return new Promise((resolve, reject) => {
    const connection = new autobahn.Connection({
      url,
      realm: 'acme-company',
      max_retries: 0,
    } as autobahn.IConnectionOptions);
    connection.onopen = (session) => resolve(session);
    connection.onclose = (reason) => {
      reject(new Error(`connection ${reason}`));
      return true;
    };
    connection.open();
  });
}

describe('seed 002: the Crossbar HTTP bridge config', () => {
  let node: InterchangeNode;
  let api: Awaited<ReturnType<typeof apiBackend>>;
  let receiver: RecordingServer;
  let web: string;

  beforeAll(async () => {
    api = await apiBackend();
    receiver = await RecordingServer.start((_request, res) => {
      res.writeHead(200);
      res.end('ok');
    });
    const text = (await readFile(FIXTURE, 'utf8'))
      .replaceAll('http://api.myapp.local', api.url)
      .replaceAll('http://myapp.local', receiver.url);
    node = await InterchangeNode.start({
      config: JSON.parse(text),
      cbdir: await tempDir(),
      overrides: { interface: '127.0.0.1', port: 0 },
    });
    web = node.addresses[1]!.url.replace(/\/$/, '');
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
    await receiver.close();
    api.server.close();
  });

  it('starts every worker of the config: one router, the forwarder and three REST callees', () => {
    expect(node.addresses.map((a) => a.type)).toEqual(['websocket', 'web']);
    expect(node.addresses[1]!.websocketUrls).toEqual([`ws://127.0.0.1:${node.addresses[1]!.port}/ws`]);
    expect(node.components.map((c) => c.id)).toEqual([
      'crossbar.bridge.rest.MessageForwarder',
      'crossbar.bridge.rest.RESTCallee',
      'crossbar.bridge.rest.RESTCallee',
      'crossbar.bridge.rest.RESTCallee',
    ]);
  });

  it('curl -d \'{"topic": "some-channel", "args": [{ "foo" : "bar"}]}\' /publish: 200 {"id": ...}; JS subscribers get [{"foo": "bar"}]', async () => {
    const session = await open(node.addresses[0]!.url);
    let deliver: (args: unknown) => void = () => {};
    const received = new Promise<unknown>((resolve) => {
      deliver = resolve;
    });
    await session.subscribe('some-channel', (args) => deliver(args));
    const response = await fetch(`${web}/publish`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"topic": "some-channel", "args": [{ "foo" : "bar"}]}',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: expect.any(Number) });
    expect(await received).toEqual([{ foo: 'bar' }]);
    session.leave('wamp.close.normal', '');
  });

  it('POST /call to webapp.api: 200 with the backend response, its 401 inside', async () => {
    const response = await fetch(`${web}/call`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        procedure: 'webapp.api',
        kwargs: {
          url: 'someresource/123456/subresource',
          headers: { Accept: ['application/json'], Authorization: ['Basic cnBjOnNlY3JldA=='] },
          method: 'POST',
          params: [{ foo: 'bar' }],
        },
      }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      args: [
        {
          code: 401,
          content: '{"message":"Unauthenticated."}',
          headers: {
            Server: ['nginx/1.14.0 (Ubuntu)'],
            'Content-Type': ['application/json'],
            'Cache-Control': ['no-cache, private'],
            Date: ['Fri, 22 May 2020 22:21:38 GMT'],
            'Content-Encoding': [''],
            'Content-Length': ['30'],
            Connection: ['close'],
          },
        },
      ],
    });
    const head = api.heads.at(-1)!;
    expect(head).toMatch(/^POST \/someresource\/123456\/subresource\?foo=bar HTTP\/1\.1\r\n/);
    expect(head).toMatch(/\r\nauthorization: Basic cnBjOnNlY3JldA==\r\n/i);
    expect(head).toMatch(/\r\naccept: application\/json\r\n/i);
  });

  it("the article's session.call('webapp.api', [...], {method, url, headers, params}) from Autobahn|JS", async () => {
    const session = await open(node.addresses[1]!.websocketUrls[0]!);
    const result = (await session.call('webapp.api', ['somearg1', 'somearg1'], {
      method: 'POST',
      url: 'resource/3/test',
      headers: {},
      params: { foo: 'bar' },
    })) as {
      code: number;
    };
    expect(result.code).toBe(401);
    expect(api.heads.at(-1)).toMatch(/^POST \/resource\/3\/test\?foo=bar HTTP\/1\.1\r\n/);
    session.leave('wamp.close.normal', '');
  });

  it('forwards events on breaking-news.* and user.*.orders to the receiver as {"args", "kwargs"}', async () => {
    const session = await open(node.addresses[0]!.url);
    await session.publish('breaking-news.politics', [{ foo: 'bar' }], { foo: 'bar' }, { acknowledge: true });
    const news = await receiver.next('/path/to/post/receiver');
    expect(news.method).toBe('POST');
    expect(JSON.parse(news.body)).toEqual({ args: [{ foo: 'bar' }], kwargs: { foo: 'bar' } });
    await session.publish('user.12.orders', [{ order: 1 }], {}, { acknowledge: true });
    const orders = await receiver.next('/some/other/uri');
    expect(JSON.parse(orders.body)).toEqual({ args: [{ order: 1 }], kwargs: {} });
    session.leave('wamp.close.normal', '');
  });

  it('GET /info answers the node info page', async () => {
    const response = await fetch(`${web}/info`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Interchange');
  });
});
