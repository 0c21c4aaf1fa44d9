/**
 * Authentication and authorization of MQTT clients, as Crossbar's MQTT transport does them: the
 * user name and password answer the transport's `ticket` or `wampcra` principals or its dynamic
 * authenticator, a TLS client certificate its `tls` principals; the role then decides what the
 * client may publish and subscribe, with the spec's answers for what it may not.
 */
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type Session } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { connectMqtt, connectOutcome } from './mqtt-helpers.js';
import { RawMqttClient } from './raw-mqtt-client.js';

const TLS = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
const ALL = { call: true, register: true, publish: true, subscribe: true };

describe('MQTT authentication and authorization', () => {
  let node: InterchangeNode;
  let backend: Session;
  let cbdir: string;
  const url = (index: number) => `mqtt://127.0.0.1:${node.addresses[index]!.port}`;

  beforeAll(async () => {
    cbdir = await tempDir();
    for (const name of ['server.key', 'server.crt', 'ca.crt']) await copyFile(join(TLS, name), join(cbdir, name));
    const mqtt = (auth: unknown, endpoint: unknown = LOCAL_ENDPOINT) => ({
      type: 'mqtt',
      endpoint,
      options: { realm: 'realm1', payload_mapping: { '': { type: 'native', serializer: 'json' } }, auth },
    });
    const config = workerConfig(
      [
        mqtt({
          ticket: { type: 'static', principals: { joe: { ticket: 'secret1', role: 'device' } } },
          anonymous: { type: 'static', role: 'anonymous' },
        }),
        mqtt({ wampcra: { type: 'static', users: { ann: { secret: 'pw2', role: 'device' } } } }),
        mqtt({ ticket: { type: 'dynamic', authenticator: 'com.example.authenticate' } }),
        mqtt(
          {
            tls: {
              type: 'static',
              principals: {
                client_0: {
                  'certificate-sha1': '7D:AC:9F:26:82:D6:2B:3A:B7:E6:82:9F:B7:C3:75:D0:F5:07:E2:11',
                  role: 'device',
                },
              },
            },
          },
          { ...LOCAL_ENDPOINT, tls: { key: 'server.key', certificate: 'server.crt', ca_certificates: ['ca.crt'] } },
        ),
        { type: 'websocket', endpoint: LOCAL_ENDPOINT, auth: { anonymous: { type: 'static', role: 'backend' } } },
      ],
      {
        realms: [
          {
            name: 'realm1',
            roles: [
              {
                name: 'device',
                permissions: [{ uri: 'dev.', match: 'prefix', allow: { publish: true, subscribe: true } }],
              },
              { name: 'anonymous', permissions: [{ uri: 'public.', match: 'prefix', allow: { subscribe: true } }] },
              { name: 'backend', permissions: [{ uri: '', match: 'prefix', allow: ALL }] },
            ],
          },
        ],
      },
    );
    node = await InterchangeNode.start({ config, cbdir });
    backend = await connect({ url: node.addresses[4]!.url, realm: 'realm1' });
    await backend.register('com.example.authenticate', (invocation) => {
      const [, authid, details] = invocation.args as [string, string, { ticket?: string }];
      if (authid === 'dyn' && details.ticket === 'letmein') return { role: 'device' };
      throw new Error('denied');
    });
  });

  afterAll(async () => {
    await backend?.leave();
    await node?.stop({ timeoutMs: 300 });
  });

  it('accepts a ticket principal and refuses a wrong password (3.1.1: code 4, 5.0: 0x86)', async () => {
    expect(await connectOutcome(url(0), { username: 'joe', password: 'secret1' })).toBe('connected');
    expect(await connectOutcome(url(0), { username: 'joe', password: 'wrong' })).toBe(4);
    expect(await connectOutcome(url(0), { username: 'joe', password: 'wrong', protocolVersion: 5 })).toBe(0x86);
  });

  it('gives clients without credentials the anonymous role of the auth block, and refuses them without one', async () => {
    const anonymous = await RawMqttClient.open(node.addresses[0]!.port, 5);
    expect(await anonymous.connect({ clientId: 'anon' })).toMatchObject({ reasonCode: 0 });
    anonymous.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [
        { topic: 'public/news', qos: 0 },
        { topic: 'dev/secret', qos: 0 },
      ],
    });
    expect(await anonymous.next()).toMatchObject({ cmd: 'suback', granted: [0, 0x87] });
    anonymous.drop();
    expect(await connectOutcome(url(1))).toBe(5);
  });

  it('accepts a wampcra user, the password being the secret', async () => {
    expect(await connectOutcome(url(1), { username: 'ann', password: 'pw2' })).toBe('connected');
    expect(await connectOutcome(url(1), { username: 'ann', password: 'nope' })).toBe(4);
  });

  it('asks a dynamic authenticator', async () => {
    expect(await connectOutcome(url(2), { username: 'dyn', password: 'letmein' })).toBe('connected');
    expect(await connectOutcome(url(2), { username: 'dyn', password: 'nope' })).toBe(4);
  });

  it('authenticates a TLS client certificate', async () => {
    const ca = await readFile(join(TLS, 'ca.crt'));
    const cert = await readFile(join(TLS, 'client.crt'));
    const key = await readFile(join(TLS, 'client.key'));
    const port = node.addresses[3]!.port;
    const device = await connectMqtt(`mqtts://localhost:${port}`, { ca, cert, key });
    const granted = await device.client.subscribeAsync('dev/x');
    expect(granted[0]?.qos).toBe(0);
    const ids = (await backend.call('wamp.session.list')).args[0] as number[];
    const details = await Promise.all(ids.map(async (id) => (await backend.call('wamp.session.get', [id])).args[0]));
    expect(details).toContainEqual(
      expect.objectContaining({ authid: 'client_0', authrole: 'device', authmethod: 'tls' }),
    );
    await device.client.endAsync();
  });

  it('shows the MQTT client in the session meta API with its authid and authrole', async () => {
    const device = await connectMqtt(url(0), { username: 'joe', password: 'secret1', clientId: 'meta-dev' });
    const ids = (await backend.call('wamp.session.list')).args[0] as number[];
    const details = await Promise.all(ids.map(async (id) => (await backend.call('wamp.session.get', [id])).args[0]));
    expect(details).toContainEqual(expect.objectContaining({ authid: 'joe', authrole: 'device' }));
    await device.client.endAsync();
  });

  it('answers an unauthorized publish (5.0: PUBACK 0x87; 3.1.1: acknowledged, as the spec allows) and subscribe (3.1.1: 0x80)', async () => {
    const v5 = await connectMqtt(url(0), { username: 'joe', password: 'secret1', protocolVersion: 5 });
    const ack = await new Promise<number | undefined>((resolve) =>
      v5.client.publish('other/topic', '{}', { qos: 1 }, (error, packet) =>
        resolve(
          (error as { code?: number } | undefined)?.code ?? (packet as { reasonCode?: number } | undefined)?.reasonCode,
        ),
      ),
    );
    expect(ack).toBe(0x87);
    await v5.client.endAsync(true);
    const v3 = await RawMqttClient.open(node.addresses[0]!.port);
    v3.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: 'v3',
      clean: true,
      keepalive: 0,
      username: 'joe',
      password: Buffer.from('secret1'),
    });
    expect(await v3.next()).toMatchObject({ cmd: 'connack', returnCode: 0 });
    v3.send({
      cmd: 'subscribe',
      messageId: 2,
      subscriptions: [
        { topic: 'other/#', qos: 1 },
        { topic: 'dev/#', qos: 1 },
      ],
    });
    expect(await v3.next()).toMatchObject({ cmd: 'suback', granted: [0x80, 1] });
    v3.send({
      cmd: 'publish',
      topic: 'other/x',
      payload: Buffer.from('{}'),
      qos: 1,
      messageId: 3,
      retain: false,
      dup: false,
    });
    expect(await v3.next()).toMatchObject({ cmd: 'puback', messageId: 3 });
    v3.drop();
  });
});
