/**
 * The universal transport: RawSocket, WebSocket, long-poll and web paths on one port, told apart
 * by the first octet and, for HTTP, by the request.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, RawWampClient, rawUpgrade, tempDir, workerConfig } from '../helpers.js';
import { RawSocketTestClient } from '../support/rawsocket-client.js';

describe('universal transport', () => {
  let node: InterchangeNode;
  let port: number;

  beforeAll(async () => {
    const cbdir = await tempDir();
    await writeFile(join(cbdir, 'index.html'), '<h1>one port</h1>');
    const config = workerConfig([
      {
        type: 'universal',
        endpoint: LOCAL_ENDPOINT,
        rawsocket: { serializers: ['json'] },
        websocket: { ws: { type: 'websocket' } },
        web: {
          paths: { '/': { type: 'static', directory: '.' }, lp: { type: 'longpoll' }, sock: { type: 'websocket' } },
        },
      },
    ]);
    node = await InterchangeNode.start({ config, cbdir });
    port = node.addresses[0]!.port;
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 300 });
  });

  it('reports every service of the port', () => {
    expect(node.addresses[0]).toMatchObject({
      type: 'universal',
      url: `http://127.0.0.1:${port}/`,
      rawsocket: true,
      websocketUrls: [`ws://127.0.0.1:${port}/ws`, `ws://127.0.0.1:${port}/sock`],
      longpollUrls: [`http://127.0.0.1:${port}/lp`],
    });
  });

  it('serves RawSocket clients (first octet 0x7F)', async () => {
    const client = await RawSocketTestClient.connected({ port });
    expect(await client.join()).toBeGreaterThan(0);
    client.close();
  });

  it('serves WebSocket clients on the websocket paths and on web paths of type websocket', async () => {
    for (const url of node.addresses[0]!.websocketUrls) {
      const client = new RawWampClient(url);
      expect(await client.join()).toBeGreaterThan(0);
      client.ws.close();
    }
  });

  it('serves the web paths: static files and long-poll', async () => {
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(await page.text()).toBe('<h1>one port</h1>');
    const open = await fetch(`http://127.0.0.1:${port}/lp/open`, {
      method: 'POST',
      body: '{"protocols": ["wamp.2.json"]}',
    });
    expect(await open.json()).toMatchObject({ protocol: 'wamp.2.json' });
  });

  it('refuses an upgrade on a path without WebSocket service', async () => {
    expect(await rawUpgrade(port, '/nowhere', 'wamp.2.json')).toMatchObject({ accepted: false, status: 404 });
  });

  it('keeps serving everyone after garbage on a connection', async () => {
    const garbage = await RawSocketTestClient.open({ port });
    garbage.write([0x16, 0x03, 0x01, 0x00, 0x05]);
    await garbage.closed;
    expect(String.fromCharCode(...garbage.bytes.slice(0, 12))).toBe('HTTP/1.1 400');
    const client = await RawSocketTestClient.connected({ port });
    expect(await client.join()).toBeGreaterThan(0);
    client.close();
  });
});

describe('universal transport without a rawsocket part', () => {
  it('disconnects a RawSocket client and still serves WebSocket on any path', async () => {
    const config = workerConfig([
      { type: 'universal', endpoint: LOCAL_ENDPOINT, websocket: { '/': { type: 'websocket' } } },
    ]);
    const node = await InterchangeNode.start({ config, cbdir: await tempDir() });
    try {
      const { port } = node.addresses[0]!;
      const raw = await RawSocketTestClient.open({ port });
      raw.write([0x7f, 0xf1, 0, 0]);
      await raw.closed;
      expect(raw.bytes).toEqual([]);
      const client = new RawWampClient(`ws://127.0.0.1:${port}/any/path`);
      expect(await client.join()).toBeGreaterThan(0);
      client.ws.close();
    } finally {
      await node.stop({ timeoutMs: 200 });
    }
  });
});
