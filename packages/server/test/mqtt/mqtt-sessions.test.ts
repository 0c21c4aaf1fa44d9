/**
 * MQTT sessions and the spec's answers, driven by hand (raw-mqtt-client.ts) where a real client
 * would hide what is tested: QoS 1 redelivery with DUP after a reconnect, the bounded offline
 * queue, retained messages shared with WAMP, wills, keep-alive, unmappable topics, bad packets.
 */
import { connect, type Event, type Session } from '@interchange/client';
import type { Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { connectMqtt } from './mqtt-helpers.js';
import { RawMqttClient } from './raw-mqtt-client.js';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const argsOf = (packet: Packet | undefined) =>
  packet?.cmd === 'publish' ? (JSON.parse(packet.payload.toString()) as { args: unknown[] }).args : undefined;

/** A WAMP subscription whose events are awaited one by one. */
async function events(session: Session, topic: string): Promise<{ next: () => Promise<Event> }> {
  const queue: Event[] = [];
  const waiting: ((event: Event) => void)[] = [];
  await session.subscribe(topic, (event) => {
    const waiter = waiting.shift();
    if (waiter !== undefined) waiter(event);
    else queue.push(event);
  });
  return {
    next: () => {
      const event = queue.shift();
      return event !== undefined ? Promise.resolve(event) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

describe('MQTT sessions, retained messages, wills and bad input', () => {
  let node: InterchangeNode;
  let port: number;
  let wamp: Session;

  beforeAll(async () => {
    const config = workerConfig([
      {
        type: 'mqtt',
        endpoint: LOCAL_ENDPOINT,
        options: {
          realm: 'realm1',
          payload_mapping: { '': { type: 'native', serializer: 'json' } },
          max_inflight: 2,
          max_queued: 3,
          max_packet_size: 1024,
        },
      },
      { type: 'websocket', endpoint: LOCAL_ENDPOINT },
    ]);
    node = await InterchangeNode.start({ config, cbdir: await tempDir() });
    port = node.addresses[0]!.port;
    wamp = await connect({ url: node.addresses[1]!.url, realm: 'realm1' });
  });

  afterAll(async () => {
    await wamp?.leave();
    await node?.stop({ timeoutMs: 300 });
  });

  it('sends an unacknowledged QoS 1 message again, with DUP, when a persistent session reconnects', async () => {
    const first = await RawMqttClient.open(port);
    expect(await first.connect({ clientId: 'dup-device', clean: false })).toMatchObject({
      cmd: 'connack',
      returnCode: 0,
      sessionPresent: false,
    });
    first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'dup/t', qos: 1 }] });
    expect(await first.next()).toMatchObject({ cmd: 'suback', granted: [1] });
    await wamp.publish('dup.t', ['once'], { acknowledge: true });
    const sent = await first.next();
    expect(sent).toMatchObject({ cmd: 'publish', qos: 1, dup: false, topic: 'dup/t' });
    first.drop();
    await first.closed;

    const second = await RawMqttClient.open(port);
    expect(await second.connect({ clientId: 'dup-device', clean: false })).toMatchObject({ sessionPresent: true });
    const again = await second.next();
    expect(again).toMatchObject({
      cmd: 'publish',
      qos: 1,
      dup: true,
      messageId: (sent as { messageId: number }).messageId,
    });
    expect(argsOf(again)).toEqual(['once']);
    second.send({ cmd: 'puback', messageId: (again as { messageId: number }).messageId });
    second.send({ cmd: 'disconnect' });
    await second.closed;
    // A clean session starts empty.
    const third = await RawMqttClient.open(port);
    expect(await third.connect({ clientId: 'dup-device', clean: true })).toMatchObject({ sessionPresent: false });
    third.drop();
  });

  it('queues QoS 1 messages for an absent client, keeping the newest max_queued, and sends at most max_inflight at once', async () => {
    const first = await RawMqttClient.open(port);
    await first.connect({ clientId: 'queue-device', clean: false });
    first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'queue/t', qos: 1 }] });
    await first.next();
    first.send({ cmd: 'disconnect' });
    await first.closed;
    for (let n = 1; n <= 5; n++) await wamp.publish('queue.t', [n], { acknowledge: true });

    const second = await RawMqttClient.open(port);
    expect(await second.connect({ clientId: 'queue-device', clean: false })).toMatchObject({ sessionPresent: true });
    const a = await second.next();
    const b = await second.next();
    expect([argsOf(a), argsOf(b)]).toEqual([[3], [4]]);
    second.send({ cmd: 'puback', messageId: (a as { messageId: number }).messageId });
    const c = await second.next();
    expect(argsOf(c)).toEqual([5]);
    second.send({ cmd: 'disconnect' });
  });

  it('reads PUBACKs however they come: several in one write, in the short and the MQTT 5 long form, then another packet', async () => {
    const client = await RawMqttClient.open(port, 5);
    await client.connect({ clientId: 'acks-device' });
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'acks/t', qos: 1 }] });
    await client.next();
    // Two in flight (max_inflight), three queued (max_queued).
    for (let n = 1; n <= 5; n++) await wamp.publish('acks.t', [n], { acknowledge: true });
    const id = (packet: Packet | undefined) => (packet as { messageId: number }).messageId;
    const short = (packet: Packet | undefined) => Buffer.from([0x40, 0x02, id(packet) >> 8, id(packet) & 0xff]);
    const a = await client.next();
    const b = await client.next();
    expect([argsOf(a), argsOf(b)]).toEqual([[1], [2]]);
    // A short PUBACK, an MQTT 5 one with its reason code (remaining length 3), and a PINGREQ, in one write.
    client.write(Buffer.concat([short(a), Buffer.from([0x40, 0x03, id(b) >> 8, id(b) & 0xff, 0x00, 0xc0, 0x00])]));
    const answers = [await client.next(), await client.next(), await client.next()];
    expect(answers.map((p) => (p?.cmd === 'publish' ? argsOf(p) : p?.cmd))).toEqual([[3], [4], 'pingresp']);
    client.write(Buffer.concat([short(answers[0]), short(answers[1])]));
    expect(argsOf(await client.next())).toEqual([5]);
    client.send({ cmd: 'disconnect' });
    await client.closed;
  });

  it('hands a persistent session over to a second connection with the same client ID, subscriptions included', async () => {
    const first = await RawMqttClient.open(port);
    await first.connect({ clientId: 'taken', clean: false });
    first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'taken/t', qos: 1 }] });
    await first.next();
    const second = await RawMqttClient.open(port);
    expect(await second.connect({ clientId: 'taken', clean: false })).toMatchObject({ sessionPresent: true });
    await first.closed;
    await wamp.publish('taken.t', ['to the second'], { acknowledge: true });
    const message = await second.next();
    expect(argsOf(message)).toEqual(['to the second']);
    second.send({ cmd: 'puback', messageId: (message as { messageId: number }).messageId });
    second.send({ cmd: 'disconnect' });
    await second.closed;
  });

  it('shares retained messages with WAMP in both directions', async () => {
    const device = await connectMqtt(`mqtt://127.0.0.1:${port}`);
    await device.client.publishAsync('retained/a', json({ args: ['from mqtt'] }), { qos: 1, retain: true });
    const late = await connect({ url: node.addresses[1]!.url, realm: 'realm1' });
    const got = new Promise<Event>((resolve) => void late.subscribe('retained.a', resolve, { get_retained: true }));
    const event = await got;
    expect(event.args).toEqual(['from mqtt']);
    expect(event.details['retained']).toBe(true);
    await late.leave();

    await wamp.publish('retained.b', ['from wamp'], { retain: true, acknowledge: true });
    await device.client.subscribeAsync('retained/b', { qos: 1 });
    const message = await device.next();
    expect(message.packet.retain).toBe(true);
    expect(JSON.parse(message.payload.toString())).toEqual({ args: ['from wamp'] });
    await wamp.publish('retained.b', ['live'], { acknowledge: true });
    expect((await device.next()).packet.retain).toBe(false);
    await device.client.endAsync();
  });

  it('publishes the will when the connection is lost, and not after a DISCONNECT', async () => {
    const wills = await events(wamp, 'will.gone');
    const leaves = await events(wamp, 'wamp.session.on_leave');
    const lost = await connectMqtt(`mqtt://127.0.0.1:${port}`, {
      will: { topic: 'will/gone', payload: json({ args: ['lost'] }), qos: 0, retain: false },
    });
    lost.client.stream.destroy();
    expect((await wills.next()).args).toEqual(['lost']);
    await leaves.next();

    const polite = await connectMqtt(`mqtt://127.0.0.1:${port}`, {
      will: { topic: 'will/gone', payload: json({ args: ['polite'] }), qos: 0, retain: false },
    });
    await polite.client.endAsync();
    await leaves.next();
    await wamp.publish('will.gone', ['marker'], { exclude_me: false, acknowledge: true });
    expect((await wills.next()).args).toEqual(['marker']);
  });

  it('ends a connection silent for 1.5 times its keep-alive (MQTT 5: reason 0x8D)', async () => {
    const client = await RawMqttClient.open(port, 5);
    expect(await client.connect({ clientId: 'sleepy', keepalive: 1 })).toMatchObject({ cmd: 'connack', reasonCode: 0 });
    expect(await client.next()).toMatchObject({ cmd: 'disconnect', reasonCode: 0x8d });
    await client.closed;
  });

  it('answers topic filters WAMP cannot express with SUBACK failures, and grants QoS 2 as QoS 1', async () => {
    const v5 = await RawMqttClient.open(port, 5);
    await v5.connect({ clientId: 'filters5' });
    v5.send({
      cmd: 'subscribe',
      messageId: 7,
      subscriptions: [
        { topic: '$SYS/#', qos: 0 },
        { topic: 'a//b', qos: 0 },
        { topic: 'a/+/#', qos: 0 },
        { topic: 'a/b#', qos: 0 },
        { topic: '$share/g/a', qos: 0 },
        { topic: 'ok/#', qos: 2 },
      ],
    });
    expect(await v5.next()).toMatchObject({ cmd: 'suback', messageId: 7, granted: [0x8f, 0x8f, 0xa2, 0x8f, 0x9e, 1] });
    v5.drop();
    const v3 = await RawMqttClient.open(port, 4);
    await v3.connect({ clientId: 'filters3' });
    v3.send({
      cmd: 'subscribe',
      messageId: 8,
      subscriptions: [
        { topic: '$SYS/#', qos: 0 },
        { topic: 'x/+', qos: 1 },
      ],
    });
    expect(await v3.next()).toMatchObject({ cmd: 'suback', granted: [0x80, 1] });
    v3.drop();
  });

  it('disconnects a client publishing to a topic WAMP cannot express (MQTT 5: reason 0x90)', async () => {
    const v5 = await RawMqttClient.open(port, 5);
    await v5.connect({ clientId: 'badtopic5' });
    v5.send({ cmd: 'publish', topic: 'a//b', payload: json({}), qos: 0, retain: false, dup: false });
    expect(await v5.next()).toMatchObject({ cmd: 'disconnect', reasonCode: 0x90 });
    await v5.closed;
    const v3 = await RawMqttClient.open(port, 4);
    await v3.connect({ clientId: 'badtopic3' });
    v3.send({ cmd: 'publish', topic: '$SYS/x', payload: json({}), qos: 0, retain: false, dup: false });
    expect(await v3.next()).toBeUndefined();
  });

  it('answers QoS 2 publishes with PUBREC and PUBCOMP, delivering a resent one once', async () => {
    const seen = await events(wamp, 'exactly.once');
    const client = await RawMqttClient.open(port, 5);
    await client.connect({ clientId: 'qos2' });
    const publish = {
      cmd: 'publish',
      topic: 'exactly/once',
      payload: json({ args: [1] }),
      qos: 2,
      messageId: 5,
      retain: false,
    } as const;
    client.send({ ...publish, dup: false });
    expect(await client.next()).toMatchObject({ cmd: 'pubrec', messageId: 5 });
    client.send({ ...publish, dup: true });
    expect(await client.next()).toMatchObject({ cmd: 'pubrec', messageId: 5 });
    client.send({ cmd: 'pubrel', messageId: 5 });
    expect(await client.next()).toMatchObject({ cmd: 'pubcomp', messageId: 5 });
    await wamp.publish('exactly.once', ['marker'], { exclude_me: false, acknowledge: true });
    expect((await seen.next()).args).toEqual([1]);
    expect((await seen.next()).args).toEqual(['marker']);
    client.drop();
  });

  it('refuses bad packets with the reason code and a disconnect, and lives on', async () => {
    const early = await RawMqttClient.open(port);
    early.send({ cmd: 'pingreq' });
    expect(await early.next()).toBeUndefined();

    const level6 = await RawMqttClient.open(port);
    // CONNECT, protocol name MQTT, level 6, clean session, keep-alive 0, client ID "x".
    level6.write(Uint8Array.from([0x10, 13, 0, 4, 0x4d, 0x51, 0x54, 0x54, 6, 2, 0, 0, 0, 1, 0x78]));
    expect(await level6.next()).toMatchObject({ cmd: 'connack', returnCode: 1 });
    expect(await level6.next()).toBeUndefined();

    const malformed = await RawMqttClient.open(port);
    malformed.write(Uint8Array.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f]));
    expect(await malformed.next()).toBeUndefined();

    const big = await RawMqttClient.open(port, 5);
    await big.connect({ clientId: 'big' });
    big.send({ cmd: 'publish', topic: 'big', payload: Buffer.alloc(2000), qos: 0, retain: false, dup: false });
    expect(await big.next()).toMatchObject({ cmd: 'disconnect', reasonCode: 0x95 });

    const twice = await RawMqttClient.open(port, 5);
    await twice.connect({ clientId: 'twice' });
    await twice
      .connect({ clientId: 'twice' })
      .then((packet) => expect(packet).toMatchObject({ cmd: 'disconnect', reasonCode: 0x82 }));

    for (const client of [early, malformed, big, twice])
      expect(client.parseErrors, Buffer.concat(client.received).toString('hex')).toEqual([]);
    const fine = await connectMqtt(`mqtt://127.0.0.1:${port}`);
    expect(fine.client.connected).toBe(true);
    await fine.client.endAsync();
  });
});
