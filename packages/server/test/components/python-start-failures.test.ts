/**
 * A Python component whose connection closes before its session ever joined fails the node's
 * start at once, saying why, as Crossbar's container does: a WebSocket path the router does not
 * serve (404, here a router elsewhere), a TLS handshake that fails (an untrusted server certificate), a constructor that
 * raises. Autobahn|Python only logs these, so the start used to wait out its 30 s deadline.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';

const CBDIR = fileURLToPath(new URL('../fixtures/python-start-failures', import.meta.url));
const LOCAL = { interface: '127.0.0.1', port: 0 };

function config(component: Record<string, unknown>): Record<string, unknown> {
  return {
    version: 2,
    workers: [
      {
        type: 'router',
        realms: [{ name: 'realm1' }],
        transports: [
          { type: 'web', endpoint: { type: 'tcp', port: 8080 }, paths: { ws: { type: 'websocket' } } },
          {
            type: 'websocket',
            endpoint: {
              type: 'tcp',
              port: 8443,
              tls: { key: '../tls/server.key', certificate: '../tls/server.crt' },
            },
          },
        ],
      },
      {
        type: 'container',
        options: { pythonpath: ['app'] },
        components: [{ type: 'class', id: 'c1', realm: 'realm1', ...component }],
      },
    ],
  };
}

const plain = {
  type: 'websocket',
  url: 'ws://127.0.0.1:8080/ws',
  endpoint: { type: 'tcp', host: '127.0.0.1', port: 8080 },
};

async function startFailure(component: Record<string, unknown>): Promise<string> {
  let node: InterchangeNode | undefined;
  try {
    node = await InterchangeNode.start({ config: config(component), cbdir: CBDIR, overrides: LOCAL });
  } catch (error) {
    // The reason, not the 30 s first-join deadline's message the start used to end with (the
    // tests' 30 s timeout would end them first).
    return (error as Error).message;
  }
  await node.stop();
  throw new Error('the node started');
}

describe('Python component failing before its session joins', () => {
  // A router elsewhere that serves no WebSocket at the component's URL.
  let elsewhere: Server;
  beforeAll(async () => {
    elsewhere = createServer((_request, response) => response.writeHead(404).end('not here'));
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => elsewhere.close(() => resolve())));

  // Twisted components and asyncio ones (their runner code differs).
  const FLAVOURS = [
    ['Twisted', 'starter.Joins', 'starter.FailsToConstruct', 'no config for this session'],
    ['asyncio', 'async_starter.Joins', 'async_starter.FailsToConstruct', 'no config for this asyncio session'],
  ] as const;

  describe.each(FLAVOURS)('on %s', (_flavour, joins, failsToConstruct, constructorError) => {
    it('joins when all is well (the fixture works)', async () => {
      const node = await InterchangeNode.start({
        config: config({ classname: joins, transport: plain }),
        cbdir: CBDIR,
        overrides: LOCAL,
      });
      await node.stop();
    }, 30_000);

    it('fails the start when the router refuses the WebSocket path', async () => {
      const port = (elsewhere.address() as AddressInfo).port;
      const message = await startFailure({
        classname: joins,
        transport: {
          type: 'websocket',
          url: `ws://127.0.0.1:${port}/ws`,
          endpoint: { type: 'tcp', host: '127.0.0.1', port },
        },
      });
      expect(message).toMatch(/could not connect: the connection closed before the session joined .*404/);
    }, 30_000);

    it('fails the start when the TLS handshake fails', async () => {
      const message = await startFailure({
        classname: joins,
        transport: {
          type: 'websocket',
          url: 'wss://localhost:8443/',
          // No ca_certificates: the test server's certificate is not trusted.
          endpoint: { type: 'tcp', host: '127.0.0.1', port: 8443, tls: { hostname: 'localhost' } },
        },
      });
      expect(message).toMatch(/could not connect: .*(closed before the session joined|CERTIFICATE_VERIFY_FAILED)/);
    }, 30_000);

    it('fails the start when the constructor raises, naming the error', async () => {
      const message = await startFailure({ classname: failsToConstruct, transport: plain });
      expect(message).toContain(`creating the session failed: ValueError: ${constructorError}`);
    }, 30_000);
  });
});
