#!/usr/bin/env node
/**
 * What the load generator pays per message, against what a `ws` client would pay, measured in
 * one process without sockets (so only the CPU of framing and parsing counts):
 *
 * - receive: splitting a stream of server frames into messages, with the generator's
 *   WampRawClient (reads two header bytes and the message type) and with ws's Receiver (what a
 *   `ws` client parses with; a real client adds an event per message on top);
 * - send: producing a masked client frame, by copying a pre-built frame and patching its request
 *   ID, and with ws's `Sender.frame` (a fresh random mask and a masked copy per message; a real
 *   `ws.send` adds its own bookkeeping on top).
 *
 *   node bench/generator-cost.mjs        prints ns per message; writes bench/results/generator-cost.json
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ws from 'ws';
import { Code, encodePayload, FrameTemplate, headReader, ID_SLOT, wsFrame } from './lib/wire.mjs';
import { WampRawClient } from './lib/ws-client.mjs';

const { Receiver, Sender } = ws;
const here = dirname(fileURLToPath(import.meta.url));
const MESSAGES = 1_000_000;
const CHUNK = 64 * 1024;

function nsPerMessage(run) {
  run(); // warm-up
  const t0 = process.hrtime.bigint();
  const n = run();
  return Number(process.hrtime.bigint() - t0) / n;
}

function serverStream(serializer) {
  const frame = wsFrame(encodePayload(serializer, [Code.EVENT, 5_123_456_789, 7_123_456_789, {}, ['hello', 42]]), {
    binary: serializer !== 'json',
    masked: false,
  });
  const perChunk = Math.floor(CHUNK / frame.length);
  const chunk = Buffer.concat(Array.from({ length: perChunk }, () => frame));
  return { chunk, perChunk, frame };
}

const results = { node: process.version, messages: MESSAGES, serializers: {} };
for (const serializer of ['json', 'msgpack', 'cbor']) {
  const { chunk, perChunk, frame } = serverStream(serializer);
  const chunks = Math.ceil(MESSAGES / perChunk);

  const receiveRaw = nsPerMessage(() => {
    const client = new WampRawClient({ host: '', port: 0, serializer });
    const read = headReader(serializer);
    let events = 0;
    client.onFrame = (buf, start, end) => {
      if (read(buf, start, end) === Code.EVENT) events++;
    };
    for (let i = 0; i < chunks; i++) client.receive(chunk);
    return events;
  });

  const receiveWs = nsPerMessage(() => {
    const receiver = new Receiver({ isServer: false, maxPayload: 0, binaryType: 'nodebuffer' });
    let events = 0;
    receiver.on('message', () => events++);
    for (let i = 0; i < chunks; i++) receiver.write(chunk);
    return events;
  });

  const template = new FrameTemplate(serializer, [Code.CALL, ID_SLOT, {}, 'bench.echo', ['ping']]);
  const sendTemplate = nsPerMessage(() => {
    const out = Buffer.allocUnsafe(template.length * 1024);
    let id = 1;
    for (let batch = 0; batch < MESSAGES / 1024; batch++) {
      let at = 0;
      for (let i = 0; i < 1024; i++) at = template.writeInto(out, at, id++);
    }
    return id - 1;
  });

  const sendWs = nsPerMessage(() => {
    let n = 0;
    for (let i = 0; i < MESSAGES; i++) {
      // What ws.send does per message: encode the message, then frame it with a fresh mask.
      const payload = encodePayload(serializer, [Code.CALL, i + 1, {}, 'bench.echo', ['ping']]);
      Sender.frame(payload, {
        fin: true,
        rsv1: false,
        opcode: serializer === 'json' ? 1 : 2,
        mask: true,
        readOnly: false,
      });
      n++;
    }
    return n;
  });

  results.serializers[serializer] = {
    frameBytes: frame.length,
    receive: { generator: receiveRaw, ws: receiveWs },
    send: { generator: sendTemplate, ws: sendWs },
  };
  console.log(
    `${serializer.padEnd(8)} receive: generator ${receiveRaw.toFixed(0)} ns, ws Receiver ${receiveWs.toFixed(0)} ns; ` +
      `send: generator ${sendTemplate.toFixed(0)} ns, encode + ws Sender.frame ${sendWs.toFixed(0)} ns (per message)`,
  );
}
writeFileSync(join(here, 'results', 'generator-cost.json'), `${JSON.stringify(results, null, 1)}\n`);
