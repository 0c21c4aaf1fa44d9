/**
 * The MQTT bridge end to end with MQTT.js (npm `mqtt`) on one side and WAMP clients on the
 * other: topics and URIs, wildcards, QoS 1, retained events, wills, MQTT 3.1.1 and 5.0.
 */
import { connect, type Event, type Session } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { connectMqtt } from './mqtt-helpers.js';

/** Subscribes; `event` resolves with the first event (wrapped: an awaited promise would flatten it). */
async function firstEvent(session: Session, topic: string): Promise<{ event: Promise<Event> }> {
  let resolve: (event: Event) => void = () => {};
  const event = new Promise<Event>((r) => {
    resolve = r;
  });
  await session.subscribe(topic, (e) => resolve(e));
  return { event };
}

describe('MQTT bridge with MQTT.js', () => {
  let node: InterchangeNode;
  let mqttUrl: string;
  let wamp: Session;

  beforeAll(async () => {
    const config = workerConfig(
      [
        {
          type: 'mqtt',
          endpoint: LOCAL_ENDPOINT,
          options: {
            realm: 'realm1',
            role: 'anonymous',
            payload_mapping: { '': { type: 'passthrough' }, 'native.': { type: 'native', serializer: 'json' } },
          },
        },
        { type: 'websocket', endpoint: LOCAL_ENDPOINT, serializers: ['json', 'cbor'] },
      ],
      {
        realms: [
          {
            name: 'realm1',
            roles: [
              {
                name: 'anonymous',
                permissions: [
                  { uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } },
                ],
              },
            ],
          },
        ],
      },
    );
    node = await InterchangeNode.start({ config, cbdir: await tempDir() });
    mqttUrl = `mqtt://127.0.0.1:${node.addresses[0]!.port}`;
    wamp = await connect({ url: node.addresses[1]!.url, realm: 'realm1' });
  });

  afterAll(async () => {
    await wamp?.leave();
    await node?.stop({ timeoutMs: 300 });
  });

  it('reports the MQTT listener', () => {
    expect(node.addresses[0]).toMatchObject({ type: 'mqtt', mqtt: true, url: mqttUrl });
  });

  it('carries an MQTT publish to a WAMP subscriber (native mapping: args and kwargs)', async () => {
    const { event } = await firstEvent(wamp, 'native.sensor.temp');
    const device = await connectMqtt(mqttUrl);
    await device.client.publishAsync('native/sensor/temp', JSON.stringify({ args: [21.5], kwargs: { unit: 'C' } }), {
      qos: 1,
    });
    const received = await event;
    expect(received.args).toEqual([21.5]);
    expect(received.kwargs).toEqual({ unit: 'C' });
    await device.client.endAsync();
  });

  it('carries a WAMP publish to an MQTT subscriber (native mapping)', async () => {
    const device = await connectMqtt(mqttUrl);
    await device.client.subscribeAsync('native/cmd/led', { qos: 1 });
    await wamp.publish('native.cmd.led', ['on'], { kwargs: { level: 3 }, acknowledge: true });
    const message = await device.next();
    expect(message.topic).toBe('native/cmd/led');
    expect(JSON.parse(message.payload.toString())).toEqual({ args: ['on'], kwargs: { level: 3 } });
    expect(message.packet.qos).toBe(1);
    await device.client.endAsync();
  });

  it('passes payloads through untouched between MQTT clients and to WAMP (ppt_scheme mqtt)', async () => {
    const { event } = await firstEvent(wamp, 'raw.bytes');
    const sub = await connectMqtt(mqttUrl);
    await sub.client.subscribeAsync('raw/bytes');
    const pub = await connectMqtt(mqttUrl, { protocolVersion: 5 });
    const payload = Buffer.from([0, 1, 2, 254, 255]);
    await pub.client.publishAsync('raw/bytes', payload);
    expect((await sub.next()).payload).toEqual(payload);
    const received = await event;
    expect(received.details['ppt_scheme']).toBe('mqtt');
    expect(Buffer.from(received.args[0] as Uint8Array)).toEqual(payload);
    await Promise.all([sub.client.endAsync(), pub.client.endAsync()]);
  });

  it('maps + and # subscriptions to wildcard and prefix subscriptions', async () => {
    const device = await connectMqtt(mqttUrl);
    await device.client.subscribeAsync(['native/house/+/temp', 'native/garden/#']);
    await wamp.publish('native.house.kitchen.temp', [20], { acknowledge: true });
    await wamp.publish('native.house.kitchen.humidity', [50], { acknowledge: true });
    await wamp.publish('native.garden', ['parent'], { acknowledge: true });
    await wamp.publish('native.garden.pond.level', [3], { acknowledge: true });
    const topics = [(await device.next()).topic, (await device.next()).topic, (await device.next()).topic];
    expect(topics).toEqual(['native/house/kitchen/temp', 'native/garden', 'native/garden/pond/level']);
    await device.client.endAsync();
  });

  it('serves MQTT over WebSocket (subprotocol mqtt) on the mqtt transport port too', async () => {
    const sub = await connectMqtt(mqttUrl);
    await sub.client.subscribeAsync('ws/+');
    const overWs = await connectMqtt(`ws://127.0.0.1:${node.addresses[0]!.port}/mqtt`, { protocolVersion: 5 });
    await overWs.client.publishAsync('ws/one', 'hello', { qos: 1 });
    expect((await sub.next()).payload.toString()).toBe('hello');
    await Promise.all([sub.client.endAsync(), overWs.client.endAsync()]);
  });

  it("honours MQTT 5 No Local: a client's own message does not come back", async () => {
    const device = await connectMqtt(mqttUrl, { protocolVersion: 5 });
    await device.client.subscribeAsync('loop/t', { qos: 0, nl: true });
    const other = await connectMqtt(mqttUrl);
    await device.client.publishAsync('loop/t', 'mine', { qos: 1 });
    await other.client.publishAsync('loop/t', 'theirs', { qos: 1 });
    expect((await device.next()).payload.toString()).toBe('theirs');
    await Promise.all([device.client.endAsync(), other.client.endAsync()]);
  });

  it('clears a retained message with an empty retained publish', async () => {
    const device = await connectMqtt(mqttUrl);
    await device.client.publishAsync('clear/me', 'kept', { qos: 1, retain: true });
    const first = await connectMqtt(mqttUrl);
    await first.client.subscribeAsync('clear/me');
    expect((await first.next()).payload.toString()).toBe('kept');
    await device.client.publishAsync('clear/me', '', { qos: 1, retain: true });
    await first.next(); // the clearing message itself, delivered live
    const late = await connectMqtt(mqttUrl);
    await late.client.subscribeAsync(['clear/me', 'marker']);
    await device.client.publishAsync('marker', 'after', { qos: 1 });
    expect((await late.next()).topic).toBe('marker');
    await Promise.all([device.client.endAsync(), first.client.endAsync(), late.client.endAsync()]);
  });

  it('lets a second connection with the same client ID take the session over (MQTT 5: reason 0x8E to the first)', async () => {
    const first = await connectMqtt(mqttUrl, { protocolVersion: 5, clientId: 'same-id' });
    const reason = new Promise<number | undefined>((resolve) =>
      first.client.on('disconnect', (packet) => resolve(packet.reasonCode)),
    );
    const second = await connectMqtt(mqttUrl, { protocolVersion: 5, clientId: 'same-id' });
    expect(await reason).toBe(0x8e);
    expect(second.client.connected).toBe(true);
    first.client.end(true);
    await second.client.endAsync();
  });

  it('ends the MQTT connection when the realm kills its session (MQTT 5: reason 0x98)', async () => {
    const device = await connectMqtt(mqttUrl, { protocolVersion: 5, clientId: 'kill-me' });
    const reason = new Promise<number | undefined>((resolve) =>
      device.client.on('disconnect', (packet) => resolve(packet.reasonCode)),
    );
    await wamp.call('wamp.session.kill_by_authid', ['kill-me']);
    expect(await reason).toBe(0x98);
    device.client.end(true);
  });
});
