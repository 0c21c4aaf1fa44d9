/**
 * Python components of a container worker: they connect over their configured transport
 * (WebSocket with TLS and a private CA, RawSocket with a chosen serializer), and the container's
 * `shutdown` and `restart` options decide what happens when one ends.
 */
import { fileURLToPath } from 'node:url';
import { connect, type Session } from '@interchange/client';
import { afterEach, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { callWhenRegistered } from '../support/call-when-registered.js';
import { recordingLogger } from '../support/recording.js';

const CBDIR = fileURLToPath(new URL('../fixtures/python-container', import.meta.url));
const LOCAL = { interface: '127.0.0.1', port: 0 };

function containerConfig(options: Record<string, unknown>): Record<string, unknown> {
  return {
    version: 2,
    workers: [
      {
        type: 'router',
        realms: [{ name: 'realm1' }],
        transports: [
          {
            type: 'websocket',
            endpoint: {
              type: 'tcp',
              port: 8443,
              tls: { key: '../tls/server.key', certificate: '../tls/server.crt' },
            },
          },
          { type: 'rawsocket', endpoint: { type: 'tcp', port: 8081 } },
          {
            type: 'rawsocket',
            endpoint: {
              type: 'tcp',
              port: 8082,
              tls: { key: '../tls/server.key', certificate: '../tls/server.crt' },
            },
          },
          { type: 'web', endpoint: { type: 'tcp', port: 8080 }, paths: { ws: { type: 'websocket' } } },
        ],
      },
      {
        type: 'container',
        options: { pythonpath: ['app'], ...options },
        components: [
          {
            type: 'class',
            id: 'clock-a',
            classname: 'clock.Clock',
            realm: 'realm1',
            extra: { name: 'a' },
            transport: {
              type: 'websocket',
              url: 'wss://localhost:8443/',
              serializers: ['msgpack'],
              endpoint: {
                type: 'tcp',
                host: '127.0.0.1',
                port: 8443,
                tls: { hostname: 'localhost', ca_certificates: ['../tls/ca.crt'] },
              },
            },
          },
          {
            type: 'class',
            id: 'clock-b',
            classname: 'clock.Clock',
            realm: 'realm1',
            extra: { name: 'b' },
            transport: {
              type: 'rawsocket',
              serializer: 'cbor',
              endpoint: { type: 'tcp', host: '127.0.0.1', port: 8081 },
              options: { max_message_size: 1048576 },
            },
          },
          {
            type: 'class',
            id: 'clock-c',
            classname: 'twisted_clock.TwistedClock',
            realm: 'realm1',
            extra: { name: 'c' },
            transport: {
              type: 'rawsocket',
              serializer: 'msgpack',
              endpoint: {
                type: 'tcp',
                host: '127.0.0.1',
                port: 8082,
                tls: { hostname: 'localhost', ca_certificates: ['../tls/ca.crt'] },
              },
            },
          },
        ],
      },
    ],
  };
}

async function gone(session: Session, procedure: string): Promise<void> {
  for (;;) {
    try {
      await session.call(procedure, []);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } catch (error) {
      const uri = (error as { uri?: string }).uri;
      if (uri === 'wamp.error.no_such_procedure') return;
      // The callee was stopped while answering: look again.
      if (uri !== 'wamp.error.canceled') throw error;
    }
  }
}

describe('Python components of a container worker', () => {
  let node: InterchangeNode | undefined;
  let client: Session | undefined;
  afterEach(async () => {
    await client?.leave().catch(() => undefined);
    await node?.stop();
  });

  async function start(options: Record<string, unknown>) {
    const log = recordingLogger();
    node = await InterchangeNode.start({
      config: containerConfig(options),
      cbdir: CBDIR,
      logger: log.logger,
      overrides: LOCAL,
    });
    const web = node.addresses.find((a) => a.type === 'web');
    client = await connect({ url: web?.websocketUrls[0] ?? '', realm: 'realm1' });
    return { log, client };
  }

  it('connect over WebSocket with TLS (private CA), over RawSocket with cbor, and over TLS RawSocket (Twisted)', async () => {
    const { client } = await start({});
    expect(await callWhenRegistered(client, 'com.example.a.info')).toMatchObject({ name: 'a', tls: true });
    expect(await callWhenRegistered(client, 'com.example.b.info')).toMatchObject({ name: 'b', tls: false });
    expect(await callWhenRegistered(client, 'com.example.c.info')).toMatchObject({ name: 'c', tls: true });
  }, 30_000);

  it('leave their realm cleanly when the node stops, on asyncio and on Twisted', async () => {
    const { client, log } = await start({});
    await callWhenRegistered(client, 'com.example.a.info');
    await callWhenRegistered(client, 'com.example.c.info');
    const before = log.entries.length;
    await node?.stop();
    const after = log.entries.slice(before).map((e) => e.msg ?? '');
    for (const id of ['clock-a', 'clock-b', 'clock-c']) {
      expect(after).toContain(`[${id}] left: wamp.close.normal`);
      expect(after).toContain(`[${id}] stopped`);
    }
    expect(after.filter((m) => m.includes('transport_lost') || m.includes('connection lost'))).toEqual([]);
  }, 30_000);

  it('restart a failed component by default, and not one that left (restart-on-failed)', async () => {
    const { client, log } = await start({});
    await callWhenRegistered(client, 'com.example.a.stop', ['crash']);
    await log.waitFor((e) => /\[clock-a\] exited with code 3; restarting in \d+ ms/.test(e.msg ?? ''));
    expect(await callWhenRegistered(client, 'com.example.a.info')).toMatchObject({ name: 'a' });
    await client.call('com.example.a.stop', ['leave']);
    await log.waitFor((e) => e.msg === '[clock-a] exited with code 0; not restarted');
    await gone(client, 'com.example.a.info');
    expect(await callWhenRegistered(client, 'com.example.b.info')).toMatchObject({ name: 'b' });
  }, 30_000);

  it('stop every component once one has stopped (shutdown-on-any-component-stopped)', async () => {
    const { client, log } = await start({ shutdown: 'shutdown-on-any-component-stopped' });
    await callWhenRegistered(client, 'com.example.a.info');
    await callWhenRegistered(client, 'com.example.b.stop', ['leave']);
    await log.waitFor((e) => /container worker1 shuts down \(shutdown-on-any-component-stopped\)/.test(e.msg ?? ''));
    await gone(client, 'com.example.a.info');
    await gone(client, 'com.example.b.info');
  }, 30_000);

  it('do not restart with restart-never', async () => {
    const { client, log } = await start({ restart: 'restart-never' });
    await callWhenRegistered(client, 'com.example.a.stop', ['crash']);
    await log.waitFor((e) => e.msg === '[clock-a] exited with code 3; not restarted');
    await gone(client, 'com.example.a.info');
  }, 30_000);
});
