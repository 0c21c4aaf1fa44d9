/**
 * The `reverseproxy` and `websocket-reverseproxy` path services, from a config in Crossbar's
 * format, against backends the test starts: an HTTP server and a WebSocket echo server, and
 * backends that are down.
 */
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { InterchangeNode } from '../../src/node.js';
import { WebSocketReverseProxy } from '../../src/web/websocket-reverse-proxy.js';
import { httpRequest, LOCAL_ENDPOINT, rawUpgrade, tempDir, workerConfig } from '../helpers.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('reverse proxies', () => {
  let node: InterchangeNode;
  let port: number;
  let backend: Server;
  let backendPort: number;
  let wsServer: WebSocketServer;
  let wsPort: number;
  const seen: Seen[] = [];
  const wsSeen: { url: string; host: string | undefined; protocol: string }[] = [];

  beforeAll(async () => {
    backend = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
        if (req.url?.startsWith('/v1/fail')) {
          // Headers sent, then the connection dies: the client sees a broken response.
          req.socket.destroy();
          return;
        }
        res.writeHead(req.url?.startsWith('/v1/missing') ? 404 : 200, {
          'content-type': 'text/plain',
          'x-backend': 'yes',
        });
        res.end(`backend saw ${req.method} ${req.url}`);
      });
    });
    backendPort = await listen(backend);
    wsServer = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      handleProtocols: (protocols) => (protocols.has('echo.v1') ? 'echo.v1' : false),
    });
    await once(wsServer, 'listening');
    wsPort = (wsServer.address() as AddressInfo).port;
    wsServer.on('connection', (socket, req) => {
      wsSeen.push({ url: req.url ?? '', host: req.headers.host, protocol: socket.protocol });
      socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    });
    const down = await closedPort();
    const config = workerConfig([
      {
        type: 'web',
        endpoint: LOCAL_ENDPOINT,
        paths: {
          api: { type: 'reverseproxy', host: '127.0.0.1', port: backendPort, path: '/v1' },
          fwd: {
            type: 'reverseproxy',
            host: '127.0.0.1',
            port: backendPort,
            forwarded_port: 443,
            forwarded_proto: 'https',
          },
          down: { type: 'reverseproxy', host: '127.0.0.1', port: down },
          echo: {
            type: 'websocket-reverseproxy',
            backend: {
              type: 'websocket',
              endpoint: { type: 'tcp', host: '127.0.0.1', port: wsPort },
              url: `ws://localhost:${wsPort}/echo?room=1`,
            },
          },
          gone: {
            type: 'websocket-reverseproxy',
            backend: {
              type: 'websocket',
              endpoint: { type: 'tcp', host: '127.0.0.1', port: down },
              url: `ws://localhost:${down}`,
            },
          },
        },
      },
    ]);
    node = await InterchangeNode.start({ config, cbdir: await tempDir() });
    port = node.addresses[0]!.port;
  });

  afterAll(async () => {
    await node?.stop();
    backend?.close();
    wsServer?.close();
  });

  it('reverseproxy: the path below the mount goes after "path", the query unchanged, the answer comes back', async () => {
    const res = await httpRequest(port, '/api/users/42?sort=name&x=%2F');
    expect(res.status).toBe(200);
    expect(res.body).toBe('backend saw GET /v1/users/42?sort=name&x=%2F');
    expect(res.headers['x-backend']).toBe('yes');
    expect((await httpRequest(port, '/api')).body).toBe('backend saw GET /v1');
    expect((await httpRequest(port, '/api/')).body).toBe('backend saw GET /v1/');
  });

  it('reverseproxy: the backend status and body pass through', async () => {
    const res = await httpRequest(port, '/api/missing');
    expect(res.status).toBe(404);
    expect(res.body).toBe('backend saw GET /v1/missing');
  });

  it('reverseproxy: request bodies are forwarded', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/api/items`, {
      method: 'POST',
      body: 'a=1',
      headers: { 'content-type': 'text/plain' },
    });
    expect(await response.text()).toBe('backend saw POST /v1/items');
    expect(seen.at(-1)).toMatchObject({ method: 'POST', body: 'a=1' });
  });

  it('reverseproxy: Host is the backend, X-Forwarded-* and X-Real-IP as Crossbar sends them', async () => {
    await httpRequest(port, '/api/h', { headers: { host: 'public.example:8080' } });
    const headers = seen.at(-1)!.headers;
    expect(headers.host).toBe(`127.0.0.1:${backendPort}`);
    expect(headers['x-forwarded-host']).toBe('public.example:8080');
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-real-ip']).toBe('127.0.0.1');
    expect(headers['x-forwarded-port']).toBe(String(port));
    expect(headers['x-forwarded-proto']).toBe('http');
    await httpRequest(port, '/fwd/h');
    expect(seen.at(-1)!.headers).toMatchObject({ 'x-forwarded-port': '443', 'x-forwarded-proto': 'https' });
    expect(seen.at(-1)!.url).toBe('/h');
  });

  it('reverseproxy: ".." segments cannot leave the proxied path; "//host" stays a path', async () => {
    expect((await httpRequest(port, '/api/../secret')).status).toBe(400);
    expect((await httpRequest(port, '/api/%2e%2e/secret')).status).toBe(400);
    const res = await httpRequest(port, '/fwd//evil.example/x');
    expect(res.body).toBe('backend saw GET //evil.example/x');
  });

  it('reverseproxy: a backend that is down gives 502 with a JSON body', async () => {
    const res = await httpRequest(port, '/down/x');
    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(res.body)).toMatchObject({
      error: 'bad gateway: the backend server failed',
      reason: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('reverseproxy: a backend failing before its answer gives 502', async () => {
    const res = await httpRequest(port, '/api/fail');
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'bad gateway: the backend server failed' });
  });

  it('websocket-reverseproxy: relays the handshake (subprotocol, backend url) and messages both ways', async () => {
    const client = new WebSocket(`ws://127.0.0.1:${port}/echo`, ['echo.v1']);
    await once(client, 'open');
    expect(client.protocol).toBe('echo.v1');
    expect(wsSeen.at(-1)).toEqual({ url: '/echo?room=1', host: `localhost:${wsPort}`, protocol: 'echo.v1' });
    const text = once(client, 'message');
    client.send('hello');
    const [data, isBinary] = (await text) as [Buffer, boolean];
    expect(isBinary).toBe(false);
    expect(data.toString()).toBe('hello');
    const binary = once(client, 'message');
    client.send(Buffer.from([1, 2, 3]));
    const [bytes, wasBinary] = (await binary) as [Buffer, boolean];
    expect(wasBinary).toBe(true);
    expect([...bytes]).toEqual([1, 2, 3]);
    client.close(1000);
    await once(client, 'close');
  });

  it('websocket-reverseproxy: the backend closing ends the client connection', async () => {
    const client = new WebSocket(`ws://127.0.0.1:${port}/echo`, ['echo.v1']);
    await once(client, 'open');
    const closed = once(client, 'close');
    for (const socket of wsServer.clients) socket.close(4000, 'backend says bye');
    const [code, reason] = (await closed) as [number, Buffer];
    expect(code).toBe(4000);
    expect(reason.toString()).toBe('backend says bye');
  });

  it('websocket-reverseproxy: a backend that is down gives 502 with a JSON body on the handshake', async () => {
    const outcome = await rawUpgrade(port, '/gone');
    expect(outcome).toMatchObject({ accepted: false, status: 502, contentType: 'application/json; charset=utf-8' });
    if (!outcome.accepted)
      expect(JSON.parse(outcome.body)).toMatchObject({
        error: 'bad gateway: the backend WebSocket server is not reachable',
      });
  });

  it('websocket-reverseproxy: plain HTTP gets 426, paths below it 404', async () => {
    const res = await httpRequest(port, '/echo');
    expect(res.status).toBe(426);
    expect(res.headers.upgrade).toBe('websocket');
    expect((await rawUpgrade(port, '/echo/below')).accepted).toBe(false);
  });
});

describe('websocket-reverseproxy: a backend that never answers the handshake', () => {
  it('gives the client 504 after the handshake timeout and closes the backend connection', async () => {
    const held: Socket[] = [];
    // Reads the handshake and never answers.
    const silent = createTcpServer((socket) => held.push(socket.resume()));
    const backendPort = await listen(silent as unknown as Server);
    const proxy = new WebSocketReverseProxy({
      config: {
        type: 'websocket-reverseproxy',
        backend: {
          type: 'websocket',
          endpoint: { type: 'tcp', host: '127.0.0.1', port: backendPort },
          url: 'ws://localhost/',
        },
      },
      cbdir: '/',
      logger: pino({ level: 'silent' }),
      handshakeTimeoutMs: 100,
    });
    const front = createServer();
    front.on('upgrade', (req, socket, head) => proxy.handle.upgrade?.(req, socket, head, ''));
    const frontPort = await listen(front);
    try {
      const outcome = await rawUpgrade(frontPort, '/');
      expect(outcome).toMatchObject({ accepted: false, status: 504 });
      if (!outcome.accepted)
        expect(JSON.parse(outcome.body)).toEqual({
          error: 'gateway timeout: the backend WebSocket server did not answer the handshake',
        });
      expect(held).toHaveLength(1);
      if (!held[0]!.destroyed) await once(held[0]!, 'close');
    } finally {
      proxy.close();
      front.close();
      silent.close();
    }
  });
});

describe('websocket-reverseproxy to a backend over TLS (endpoint tls)', () => {
  const fixtures = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));

  it('verifies the backend against ca_certificates and hostname, and refuses an untrusted one with 502', async () => {
    const tlsServer = createHttpsServer({
      key: await readFile(`${fixtures}server.key`),
      cert: await readFile(`${fixtures}server.crt`),
    });
    const wss = new WebSocketServer({ server: tlsServer, handleProtocols: () => 'echo.v1' });
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`tls: ${data.toString()}`)));
    const backendPort = await listen(tlsServer);
    const endpoint = { type: 'tcp', host: '127.0.0.1', port: backendPort };
    const node = await InterchangeNode.start({
      config: {
        version: 2,
        workers: [
          {
            type: 'router',
            realms: [{ name: 'realm1' }],
            transports: [
              {
                type: 'web',
                endpoint: LOCAL_ENDPOINT,
                paths: {
                  trusted: {
                    type: 'websocket-reverseproxy',
                    backend: {
                      type: 'websocket',
                      endpoint: { ...endpoint, tls: { hostname: 'localhost', ca_certificates: [`${fixtures}ca.crt`] } },
                      url: `wss://localhost:${backendPort}/`,
                    },
                  },
                  // The system's CAs do not know the test CA.
                  untrusted: {
                    type: 'websocket-reverseproxy',
                    backend: {
                      type: 'websocket',
                      endpoint: { ...endpoint, tls: { hostname: 'localhost' } },
                      url: `wss://localhost:${backendPort}/`,
                    },
                  },
                  wrongname: {
                    type: 'websocket-reverseproxy',
                    backend: {
                      type: 'websocket',
                      endpoint: {
                        ...endpoint,
                        tls: { hostname: 'other.example', ca_certificates: [`${fixtures}ca.crt`] },
                      },
                      url: `wss://localhost:${backendPort}/`,
                    },
                  },
                },
              },
            ],
          },
        ],
      },
      cbdir: await tempDir(),
    });
    try {
      const port = node.addresses[0]!.port;
      const client = new WebSocket(`ws://127.0.0.1:${port}/trusted`, ['echo.v1']);
      await once(client, 'open');
      const reply = once(client, 'message');
      client.send('hi');
      expect(((await reply) as [Buffer])[0].toString()).toBe('tls: hi');
      client.close();
      await once(client, 'close');
      for (const [path, reason] of [
        ['/untrusted', /certificate/],
        ['/wrongname', /other\.example/],
      ] as const) {
        const outcome = await rawUpgrade(port, path);
        expect(outcome).toMatchObject({ accepted: false, status: 502 });
        if (!outcome.accepted) expect(JSON.parse(outcome.body).reason).toMatch(reason);
      }
    } finally {
      await node.stop();
      wss.close();
      tlsServer.close();
    }
  });
});
