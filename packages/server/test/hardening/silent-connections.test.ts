/**
 * Connections that never finish: no TLS handshake, no HTTP headers (or headers and bodies that
 * trickle), no HELLO after the transport handshake (issue 12: 20,000 of them exhausted the file
 * descriptors). Each listener drops them after its timeout, logs the peer, and keeps serving a
 * bystander session that joined before and stays past every timeout.
 */
import { once } from 'node:events';
import { copyFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { RawSocketTestClient } from '../support/rawsocket-client.js';
import { recordingLogger } from '../support/recording.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
const HELLO_MS = 300;

/** Connects a TCP socket that collects what it is sent. */
async function tcp(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  const started = Date.now();
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
  return { socket, received: () => Buffer.concat(chunks).toString('latin1'), closed };
}

describe('connections that never finish', () => {
  let node: InterchangeNode;
  const log = recordingLogger();
  let ports: Record<'ws' | 'rs' | 'web' | 'universal' | 'tls', number>;
  let longpoll: string;
  let bystander: RawSocketTestClient;
  let calls = 0;

  async function bystanderServed(): Promise<void> {
    calls++;
    bystander.sendJson([48, calls, {}, 'wamp.session.count']);
    expect(await bystander.nextJson()).toEqual([50, calls, {}, [expect.any(Number)]]);
  }

  beforeAll(async () => {
    const cbdir = await tempDir();
    for (const name of ['server.key', 'server.crt']) await copyFile(join(FIXTURES, name), join(cbdir, name));
    const webOptions = { http_headers_timeout: 300, http_request_timeout: 600 };
    const config = workerConfig([
      { type: 'websocket', endpoint: LOCAL_ENDPOINT, options: { hello_timeout: HELLO_MS } },
      { type: 'rawsocket', endpoint: LOCAL_ENDPOINT, options: { hello_timeout: HELLO_MS } },
      {
        type: 'web',
        endpoint: LOCAL_ENDPOINT,
        options: webOptions,
        paths: { lp: { type: 'longpoll', options: { hello_timeout: 1 } } },
      },
      {
        type: 'universal',
        endpoint: LOCAL_ENDPOINT,
        web: { paths: { '/': { type: 'json', value: {} } }, options: webOptions },
      },
      {
        type: 'rawsocket',
        endpoint: {
          ...LOCAL_ENDPOINT,
          tls: { key: 'server.key', certificate: 'server.crt', handshake_timeout: 300 },
        },
      },
    ]);
    node = await InterchangeNode.start({ config, cbdir, logger: log.logger });
    const [ws, rs, web, universal, tls] = node.addresses.map((a) => a.port) as [number, number, number, number, number];
    ports = { ws, rs, web, universal, tls };
    longpoll = node.addresses[2]!.longpollUrls[0]!;
    bystander = await RawSocketTestClient.connected({ port: rs });
    await bystander.join();
  });

  afterAll(async () => {
    bystander.close();
    await node.stop({ timeoutMs: 500 });
  });

  it('closes a WebSocket that never sends HELLO, after hello_timeout', async () => {
    const client = await tcp(ports.ws);
    client.socket.write(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: MDEyMzQ1Njc4OWFiY2RlZg==\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Protocol: wamp.2.json\r\n\r\n',
    );
    const entry = await log.waitFor((e) => e.obj.limit === 'options.hello_timeout');
    // The closing handshake starts: a close frame (0x88) after the 101 response.
    await expect.poll(() => client.received()).toMatch(/^HTTP\/1\.1 101 [\s\S]*\r\n\r\n\x88/);
    client.socket.destroy();
    expect(entry.obj.peer).toMatch(/^tcp4:127\.0\.0\.1:\d+$/);
    await bystanderServed();
  });

  it('closes a RawSocket that never sends HELLO, and keeps a session that did', async () => {
    const silent = await RawSocketTestClient.connected({ port: ports.rs });
    const started = Date.now();
    await silent.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(HELLO_MS - 50);
    // The bystander joined long before and is past its timeout: still served.
    await bystanderServed();
  });

  it('drops a long-poll transport that never sends HELLO', async () => {
    const opened = await fetch(`${longpoll}/open`, {
      method: 'POST',
      body: JSON.stringify({ protocols: ['wamp.2.json'] }),
    });
    const { transport } = (await opened.json()) as { transport: string };
    await log.waitFor((e) => e.obj.limit === 'options.hello_timeout' && e.obj.timeoutMs === 1000);
    // The transport is closed by the router: a poll learns it is gone.
    const late = await fetch(`${longpoll}/${transport}/receive`, { method: 'POST' });
    expect(late.status).toBe(404);
    await bystanderServed();
  });

  it.each(['web', 'universal'] as const)(
    'answers trickled headers with 408 after http_headers_timeout (%s)',
    async (which) => {
      const client = await tcp(ports[which]);
      client.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      const trickle = setInterval(() => client.socket.write('X-Slow: 1\r\n'), 50);
      const after = await client.closed;
      clearInterval(trickle);
      expect(after).toBeGreaterThanOrEqual(250);
      expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
      await bystanderServed();
    },
  );

  it('answers a trickled request body with 408 after http_request_timeout', async () => {
    const client = await tcp(ports.web);
    client.socket.write(`POST /lp/open HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{`);
    const trickle = setInterval(() => client.socket.write(' '), 50);
    const after = await client.closed;
    clearInterval(trickle);
    expect(after).toBeGreaterThanOrEqual(550);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
    await bystanderServed();
  });

  it('drops a universal connection that sent one octet and nothing more', async () => {
    const client = await tcp(ports.universal);
    client.socket.write('G');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('drops a TLS connection that never completes its handshake, after tls.handshake_timeout', async () => {
    const client = await tcp(ports.tls);
    const after = await client.closed;
    expect(after).toBeGreaterThanOrEqual(250);
    expect(after).toBeLessThan(5000);
    const entry = await log.waitFor((e) => e.obj.limit === 'tls.handshake_timeout');
    expect(entry.obj.peer).toBe('127.0.0.1');
    await bystanderServed();
  });
});
