#!/usr/bin/env node
/**
 * What the MQTT load generator (lib/mqtt-raw-client.mjs) pays per message, against mqtt-packet,
 * the codec MQTT.js parses and writes with (so a floor of what an MQTT.js client would pay: it
 * adds an event and its own bookkeeping per message), in one process without sockets:
 *
 * - receive: splitting a stream of PUBLISH packets (64-octet payloads) into messages, and for
 *   QoS 1 producing each PUBACK: the generator reads the fixed header and copies two identifier
 *   octets; mqtt-packet's parser builds a packet object and `generate` writes the PUBACK;
 * - send: producing a PUBLISH, by copying a pre-built packet and patching its identifier, and
 *   with mqtt-packet's `generate`.
 *
 *   node bench/mqtt-generator-cost.mjs   prints ns per message; writes bench/results/mqtt-generator-cost.json
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqttPacket from 'mqtt-packet';
import { MqttRawClient, PublishTemplate } from './lib/mqtt-raw-client.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const MESSAGES = 500_000;
const CHUNK = 64 * 1024;
const TOPIC = 'bench/passthrough';
const PAYLOAD = Buffer.alloc(64, 0x2a);

function nsPerMessage(run) {
  run(); // warm-up
  const t0 = process.hrtime.bigint();
  const n = run();
  return Number(process.hrtime.bigint() - t0) / n;
}

/** A chunk of whole PUBLISH packets, as a broker writes them to a subscriber. */
function stream(qos) {
  const packet = mqttPacket.generate({
    cmd: 'publish',
    topic: TOPIC,
    payload: PAYLOAD,
    qos,
    retain: false,
    dup: false,
    ...(qos > 0 ? { messageId: 4242 } : {}),
  });
  const perChunk = Math.floor(CHUNK / packet.length);
  return { chunk: Buffer.concat(Array.from({ length: perChunk }, () => packet)), perChunk };
}

const results = { node: process.version, messages: MESSAGES, qos: {} };
for (const qos of [0, 1]) {
  const { chunk, perChunk } = stream(qos);
  const chunks = Math.ceil(MESSAGES / perChunk);

  const receiveRaw = nsPerMessage(() => {
    const client = new MqttRawClient({ host: '', port: 0, clientId: 'cost' });
    client.socket = { write() {} };
    let n = 0;
    client.onPacket = () => {
      n++;
    };
    for (let c = 0; c < chunks; c++) client.receive(chunk);
    return n;
  });

  const receiveCodec = nsPerMessage(() => {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    let n = 0;
    parser.on('packet', (packet) => {
      n++;
      if (packet.qos === 1) mqttPacket.generate({ cmd: 'puback', messageId: packet.messageId });
    });
    for (let c = 0; c < chunks; c++) parser.parse(chunk);
    return n;
  });

  const target = Buffer.allocUnsafe(CHUNK);
  const template = new PublishTemplate({ topic: TOPIC, payload: PAYLOAD, qos });
  const perBuffer = Math.floor(CHUNK / template.length);
  const sendRaw = nsPerMessage(() => {
    let id = 0;
    for (let i = 0; i < MESSAGES; i++) {
      const slot = i % perBuffer;
      id = id === 65535 ? 1 : id + 1;
      template.writeInto(target, slot * template.length, id);
    }
    return MESSAGES;
  });
  const sendCodec = nsPerMessage(() => {
    let id = 0;
    for (let i = 0; i < MESSAGES; i++) {
      id = id === 65535 ? 1 : id + 1;
      mqttPacket.generate({
        cmd: 'publish',
        topic: TOPIC,
        payload: PAYLOAD,
        qos,
        retain: false,
        dup: false,
        ...(qos > 0 ? { messageId: id } : {}),
      });
    }
    return MESSAGES;
  });
  results.qos[qos] = {
    receive: { generator: receiveRaw, codec: receiveCodec },
    send: { generator: sendRaw, codec: sendCodec },
  };
  console.log(
    `QoS ${qos}: receive ${receiveRaw.toFixed(0)} ns (mqtt-packet ${receiveCodec.toFixed(0)} ns), send ${sendRaw.toFixed(0)} ns (mqtt-packet ${sendCodec.toFixed(0)} ns) per message`,
  );
}
writeFileSync(join(here, 'results', 'mqtt-generator-cost.json'), `${JSON.stringify(results, null, 1)}\n`);
