/**
 * TLS on every kind of listener (files relative to the cbdir), client certificates required by
 * `ca_certificates`, and the client certificate passed on in the transport details.
 */
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import type { Peer, PeerConnection } from '@interchange/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ConfigError } from '../../src/config/config-issues.js';
import { silentLogger } from '../../src/logger.js';
import { InterchangeNode } from '../../src/node.js';
import { EndpointListener } from '../../src/transports/endpoint-listener.js';
import { FrameCachePool } from '../../src/transports/frame-cache.js';
import { RawSocketService } from '../../src/transports/rawsocket-service.js';
import type { ServerTransportInfo } from '../../src/transports/tls-context.js';
import { tempDir, workerConfig } from '../helpers.js';
import { httpsPost } from '../support/http.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
const read = (name: string) => readFile(join(FIXTURES, name), 'utf8');

/** Opens a TLS connection, runs a JSON RawSocket handshake, and returns the reply octets. */
function rawSocketOverTls(port: number, tls: { ca: string; cert?: string; key?: string }): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ...tls }, () =>
      socket.write(Uint8Array.of(0x7f, 0xf1, 0, 0)),
    );
    socket.once('data', (chunk: Buffer) => {
      resolve([...chunk.subarray(0, 4)]);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

describe('TLS listeners', () => {
  let node: InterchangeNode;
  let ca: string;
  let cbdir: string;

  beforeAll(async () => {
    cbdir = await tempDir();
    for (const name of ['server.key', 'server.crt', 'ca.crt']) await copyFile(join(FIXTURES, name), join(cbdir, name));
    ca = await read('ca.crt');
    const endpoint = {
      type: 'tcp',
      port: 0,
      interface: '127.0.0.1',
      tls: { key: 'server.key', certificate: 'server.crt' },
    };
    const config = workerConfig([
      {
        type: 'web',
        endpoint,
        paths: {
          ws: { type: 'websocket' },
          publish: { type: 'publisher', realm: 'realm1', options: { require_tls: true } },
        },
      },
      { type: 'rawsocket', endpoint },
      {
        type: 'universal',
        endpoint,
        rawsocket: {},
        web: { paths: { publish: { type: 'publisher', realm: 'realm1' } } },
      },
      { type: 'websocket', endpoint: { ...endpoint, tls: { ...endpoint.tls, ca_certificates: ['ca.crt'] } } },
    ]);
    node = await InterchangeNode.start({ config, cbdir });
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 300 });
  });

  it('reports secure URLs', () => {
    const [web, raw, universal, ws] = node.addresses;
    expect(web).toMatchObject({
      secure: true,
      url: `https://127.0.0.1:${web!.port}/`,
      websocketUrls: [`wss://127.0.0.1:${web!.port}/ws`],
    });
    expect(raw).toMatchObject({ secure: true, url: `rss://127.0.0.1:${raw!.port}` });
    expect(universal).toMatchObject({ secure: true, url: `https://127.0.0.1:${universal!.port}/` });
    expect(ws).toMatchObject({ secure: true, url: `wss://127.0.0.1:${ws!.port}/` });
  });

  it('serves HTTPS, and require_tls accepts it', async () => {
    const answer = await httpsPost(
      `https://localhost:${node.addresses[0]!.port}/publish`,
      '{"topic": "com.example.topic"}',
      { ca },
    );
    expect([answer.status, answer.json]).toEqual([200, { id: expect.any(Number) }]);
  });

  it('serves WebSocket over TLS', async () => {
    const ws = new WebSocket(node.addresses[0]!.websocketUrls[0]!.replace('127.0.0.1', 'localhost'), 'wamp.2.json', {
      ca,
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify([1, 'realm1', { roles: { caller: {} } }]));
    const [welcome] = (await new Promise((resolve) =>
      ws.once('message', (data) => resolve(JSON.parse(String(data)))),
    )) as unknown[];
    expect(welcome).toBe(2);
    ws.close();
  });

  it('serves RawSocket over TLS, alone and on a universal port', async () => {
    expect(await rawSocketOverTls(node.addresses[1]!.port, { ca })).toEqual([0x7f, 0x81, 0, 0]);
    expect(await rawSocketOverTls(node.addresses[2]!.port, { ca })).toEqual([0x7f, 0x81, 0, 0]);
    const https = await httpsPost(
      `https://localhost:${node.addresses[2]!.port}/publish`,
      '{"topic": "com.example.topic"}',
      { ca },
    );
    expect(https.status).toBe(200);
  });

  it('refuses clients without a certificate when ca_certificates is set, and takes those with one', async () => {
    const url = node.addresses[3]!.url.replace('127.0.0.1', 'localhost');
    const refused = new WebSocket(url, 'wamp.2.json', { ca });
    await expect(
      new Promise((resolve, reject) => {
        refused.once('open', resolve);
        refused.once('error', reject);
      }),
    ).rejects.toThrow();
    const accepted = new WebSocket(url, 'wamp.2.json', {
      ca,
      cert: await read('client.crt'),
      key: await read('client.key'),
    });
    await new Promise((resolve, reject) => {
      accepted.once('open', resolve);
      accepted.once('error', reject);
    });
    accepted.close();
  });

  it('reports a missing TLS file as a config problem', async () => {
    const config = workerConfig([
      { type: 'rawsocket', endpoint: { type: 'tcp', port: 0, tls: { key: 'nope.key', certificate: 'server.crt' } } },
    ]);
    const error = await InterchangeNode.start({ config, cbdir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(
      `workers[0].transports[0].endpoint.tls.key: file not found: ${join(cbdir, 'nope.key')}`,
    );
  });
});

describe('client certificates in the transport details', () => {
  /** A RawSocket service on a TLS listener whose router records each peer's transport details. */
  async function listen(
    tls: Record<string, unknown>,
  ): Promise<{ port: number; infos: ServerTransportInfo[]; close: () => Promise<void> }> {
    const infos: ServerTransportInfo[] = [];
    const acceptor = {
      connect(peer: Peer): PeerConnection {
        infos.push(peer.info as ServerTransportInfo);
        return { receive() {}, protocolViolation() {}, transportClosed() {} };
      },
    };
    const service = new RawSocketService({
      config: {},
      router: acceptor,
      frameCaches: new FrameCachePool(),
      logger: silentLogger,
    });
    const listener = await EndpointListener.listen(
      {
        type: 'tcp',
        port: 0,
        interface: '127.0.0.1',
        tls: { key: 'server.key', certificate: 'server.crt', ...tls } as never,
      },
      { cbdir: FIXTURES, logger: silentLogger, onSocket: (socket) => service.handleSocket(socket) },
    );
    const close = async () => {
      await service.close(100);
      await listener.close();
    };
    return { port: listener.address.port, infos, close };
  }

  it('carries the verified client certificate: subject, issuer, SHA-1 fingerprint as Crossbar pins it', async () => {
    const { port, infos, close } = await listen({ ca_certificates: ['ca.crt'] });
    try {
      await rawSocketOverTls(port, {
        ca: await read('ca.crt'),
        cert: await read('client.crt'),
        key: await read('client.key'),
      });
      expect(infos).toHaveLength(1);
      const tls = infos[0]!.tls!;
      expect(tls).toMatchObject({ authorized: true, protocol: expect.stringMatching(/^TLSv1\.[23]$/) });
      expect(tls.clientCertificate?.subject).toMatchObject({ CN: 'client_0', O: 'Acme' });
      expect(tls.clientCertificate?.issuer).toMatchObject({ CN: 'Interchange Test CA' });
      expect(tls.clientCertificate?.fingerprint).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    } finally {
      await close();
    }
  });

  it('lets clients without a certificate in when require_client_certificate is false', async () => {
    const { port, infos, close } = await listen({ ca_certificates: ['ca.crt'], require_client_certificate: false });
    try {
      expect(await rawSocketOverTls(port, { ca: await read('ca.crt') })).toEqual([0x7f, 0x81, 0, 0]);
      expect(infos[0]!.tls).toMatchObject({ authorized: false, clientCertificate: undefined });
    } finally {
      await close();
    }
  });
});
