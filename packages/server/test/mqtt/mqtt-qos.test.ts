/**
 * QoS downgrade (MQTT 3.1.1 section 3.8.4, MQTT 5.0 section 3.8.4): a message reaches a
 * subscriber at the lower of the QoS it was published at and the QoS the subscription was
 * granted, whoever published it (an MQTT client, a WAMP client with or without `acknowledge`, a
 * retained message), and every MQTT subscriber of one publication gets the same message whatever
 * its protocol version, QoS or transport (the PUBLISH is encoded once for all of them). Checked
 * with Debian's mosquitto_sub/mosquitto_pub (what they print) and MQTT.js.
 */
import { connect, type Session } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { mosquittoPub, mosquittoSub } from '../support/mosquitto.js';
import { connectMqtt, type TestMqttClient } from './mqtt-helpers.js';

/** `mosquitto_sub -q qos -C count`: delivered at most at `qos`. */
function subscribeAt(port: number, filter: string, qos: number, count: number) {
  return mosquittoSub(port, filter, count, ['-q', String(qos)]);
}

/** A message as mosquitto_sub prints it, with its payload as text. */
function printed(qos: number, retain: boolean, topic: string, text: string) {
  return { qos, retain, topic, payload: Buffer.from(text) };
}

describe('MQTT QoS downgrade and one encoding for every subscriber', () => {
  let node: InterchangeNode;
  let port: number;
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
        { type: 'websocket', endpoint: LOCAL_ENDPOINT, serializers: ['json'] },
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
    port = node.addresses[0]!.port;
    wamp = await connect({ url: node.addresses[1]!.url, realm: 'realm1' });
  });

  afterAll(async () => {
    await wamp?.leave();
    await node?.stop({ timeoutMs: 300 });
  });

  it.each([
    [0, 1, 0],
    [1, 1, 1],
    [1, 0, 0],
    [2, 1, 1],
    [0, 0, 0],
  ])('mosquitto: published at QoS %i, subscribed at %i: received at %i', async (published, granted, received) => {
    const topic = `qos/${published}/${granted}`;
    const sub = subscribeAt(port, topic, granted, 1);
    await sub.subscribed;
    expect(await mosquittoPub(port, topic, Buffer.from(`hello ${published}`), ['-q', String(published)])).toBe(0);
    expect(await sub.messages).toEqual([printed(received, false, topic, `hello ${published}`)]);
  });

  it('mosquitto: a WAMP publication is QoS 1 with acknowledge and QoS 0 without', async () => {
    const sub = subscribeAt(port, 'native/wamp', 1, 2);
    await sub.subscribed;
    await wamp.publish('native.wamp', ['plain']);
    await wamp.publish('native.wamp', ['acknowledged'], { acknowledge: true });
    expect(await sub.messages).toEqual([
      printed(0, false, 'native/wamp', '{"args":["plain"]}'),
      printed(1, false, 'native/wamp', '{"args":["acknowledged"]}'),
    ]);
  });

  it.each([
    [0, 0],
    [1, 1],
  ])('mosquitto: a message retained at QoS %i reaches a later QoS 1 subscriber at %i', async (published, received) => {
    const topic = `retained/${published}`;
    expect(await mosquittoPub(port, topic, Buffer.from('kept'), ['-q', String(published), '-r'])).toBe(0);
    const sub = subscribeAt(port, topic, 1, 1);
    expect(await sub.messages).toEqual([printed(received, true, topic, 'kept')]);
  });

  it('MQTT.js: every subscriber, of any protocol version, QoS and transport, gets each message at its own QoS', async () => {
    const url = `mqtt://127.0.0.1:${port}`;
    const subscribers: { name: string; qos: 0 | 1; client: TestMqttClient }[] = [];
    for (const [name, protocolVersion, qos, over] of [
      ['3.1.1 QoS 0', 4, 0, url],
      ['3.1.1 QoS 1', 4, 1, url],
      ['5.0 QoS 0', 5, 0, url],
      ['5.0 QoS 1', 5, 1, url],
      ['3.1 QoS 1', 3, 1, url],
      ['WebSocket 5.0 QoS 1', 5, 1, `ws://127.0.0.1:${port}/mqtt`],
    ] as const) {
      const client = await connectMqtt(over, {
        protocolVersion,
        ...(protocolVersion === 3 ? { protocolId: 'MQIsdp' } : {}),
      });
      await client.client.subscribeAsync('fan/+', { qos });
      subscribers.push({ name, qos, client });
    }
    const publisher = await connectMqtt(url);
    const sent: { topic: string; payload: string; qos: 0 | 1 }[] = [];
    for (let i = 0; i < 20; i++) {
      const qos = i % 2 === 0 ? 1 : 0;
      const message = { topic: `fan/${i % 3}`, payload: `message ${i} ${'x'.repeat(i * 50)}`, qos } as const;
      sent.push(message);
      await publisher.client.publishAsync(message.topic, message.payload, { qos });
    }
    for (const { name, qos, client } of subscribers) {
      const got: { topic: string; payload: string; qos: number }[] = [];
      const ids = new Set<number>();
      for (let i = 0; i < sent.length; i++) {
        const message = await client.next();
        got.push({ topic: message.topic, payload: message.payload.toString(), qos: message.packet.qos });
        if (message.packet.qos === 1) ids.add(message.packet.messageId as number);
      }
      expect(got, name).toEqual(sent.map((m) => ({ ...m, qos: Math.min(m.qos, qos) })));
      // Each QoS 1 message had its own packet identifier (they are acknowledged one by one).
      expect(ids.size, name).toBe(qos === 1 ? 10 : 0);
      await client.client.endAsync();
    }
    await publisher.client.endAsync();
  });
});
