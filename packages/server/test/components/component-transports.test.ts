/**
 * JS container components connecting to another node over TLS: WebSocket (`wss://`) and
 * RawSocket (`rss://`) with `endpoint.tls` (a private CA, the name checked), RawSocket's
 * `serializer`, and `options.max_message_size`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@interchange/client';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate-config.js';
import { InterchangeNode } from '../../src/node.js';
import { tempDir, workerConfig } from '../helpers.js';

const TLS = fileURLToPath(new URL('../fixtures/tls', import.meta.url));
const LOCAL = { interface: '127.0.0.1', port: 0 };

describe('container components connecting over TLS', () => {
  const nodes: InterchangeNode[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop()));
  });

  async function routerNode(): Promise<InterchangeNode> {
    const tls = { key: join(TLS, 'server.key'), certificate: join(TLS, 'server.crt') };
    const node = await InterchangeNode.start({
      config: workerConfig([
        { type: 'websocket', endpoint: { type: 'tcp', port: 0, tls } },
        { type: 'rawsocket', endpoint: { type: 'tcp', port: 0, tls } },
        { type: 'websocket', endpoint: { type: 'tcp', port: 0 } },
      ]),
      cbdir: TLS,
      overrides: LOCAL,
    });
    nodes.push(node);
    return node;
  }

  async function containerNode(transports: Record<string, unknown>[]): Promise<InterchangeNode> {
    const cbdir = await tempDir();
    await writeFile(
      join(cbdir, 'pinger.mjs'),
      'export default async (session, extra) => { await session.register("com.example." + extra.name + ".ping", () => [extra.name, "pong"]); };',
    );
    const node = await InterchangeNode.start({
      config: {
        version: 2,
        workers: [
          {
            type: 'container',
            components: transports.map((transport, i) => ({
              type: 'class',
              classname: 'pinger.mjs',
              realm: 'realm1',
              extra: { name: `c${i}` },
              transport,
            })),
          },
        ],
      },
      cbdir,
    });
    nodes.push(node);
    return node;
  }

  it('join over wss:// and rss:// with a private CA, and refuse a server whose name does not match', async () => {
    const router = await routerNode();
    const [wss, rss, plain] = router.addresses;
    const tls = { hostname: 'localhost', ca_certificates: [join(TLS, 'ca.crt')] };
    await containerNode([
      {
        type: 'websocket',
        url: `wss://localhost:${wss?.port}/`,
        endpoint: { type: 'tcp', host: '127.0.0.1', port: wss?.port, tls },
        options: { max_message_size: 65536 },
      },
      {
        type: 'rawsocket',
        serializer: 'msgpack',
        endpoint: { type: 'tcp', host: '127.0.0.1', port: rss?.port, tls },
      },
    ]);
    const client = await connect({ url: plain?.url ?? '', realm: 'realm1' });
    try {
      expect((await client.call('com.example.c0.ping')).args).toEqual([['c0', 'pong']]);
      expect((await client.call('com.example.c1.ping')).args).toEqual([['c1', 'pong']]);
    } finally {
      await client.leave();
    }
    const wrongName = containerNode([
      {
        type: 'rawsocket',
        serializer: 'json',
        endpoint: { type: 'tcp', host: '127.0.0.1', port: rss?.port, tls: { ...tls, hostname: 'example.com' } },
      },
    ]);
    await expect(wrongName).rejects.toThrow(/example\.com/);
  });
});

describe('check of a component transport with tls', () => {
  it('reports a client certificate without its key, and TLS files that do not exist', async () => {
    const cbdir = await tempDir();
    const result = await validateConfig(
      {
        version: 2,
        workers: [
          {
            type: 'container',
            components: [
              {
                type: 'class',
                classname: 'app.Backend',
                realm: 'realm1',
                transport: {
                  type: 'websocket',
                  url: 'wss://example.com/ws',
                  endpoint: {
                    type: 'tcp',
                    host: 'example.com',
                    port: 443,
                    tls: { hostname: 'example.com', ca_certificates: ['ca.pem'], certificate: 'me.crt' },
                  },
                },
              },
            ],
          },
        ],
      },
      { cbdir },
    );
    // The check also reports the component's Python module (app) as missing; only the
    // transport's problems are this test's subject.
    const transportIssues = (issues: readonly { path: string; message: string }[]) =>
      issues.filter((i) => i.path.includes('.transport.')).map((i) => `${i.path}: ${i.message}`);
    expect(result.ok ? [] : transportIssues(result.issues)).toEqual([
      'workers[0].components[0].transport.endpoint.tls.key: a client certificate needs both certificate and key',
    ]);
    const withKey = await validateConfig(
      {
        version: 2,
        workers: [
          {
            type: 'container',
            components: [
              {
                type: 'class',
                classname: 'crossbar.bridge.rest.RESTCallee',
                realm: 'realm1',
                extra: { procedure: 'com.example.get', baseurl: 'https://example.com/' },
                transport: {
                  type: 'rawsocket',
                  serializer: 'cbor',
                  endpoint: {
                    type: 'tcp',
                    host: 'example.com',
                    port: 443,
                    tls: { hostname: 'example.com', ca_certificates: ['ca.pem'], certificate: 'me.crt', key: 'me.key' },
                  },
                },
              },
            ],
          },
        ],
      },
      { cbdir },
    );
    const at = 'workers[0].components[0].transport.endpoint.tls';
    expect(withKey.ok ? [] : withKey.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      `${at}.ca_certificates[0]: file not found: ${join(cbdir, 'ca.pem')}`,
      `${at}.certificate: file not found: ${join(cbdir, 'me.crt')}`,
      `${at}.key: file not found: ${join(cbdir, 'me.key')}`,
    ]);
  });
});
