/**
 * MQTT through Interchange's broker and its bridge into the realm (issue 15): one publisher, N
 * subscribers of one topic, each side MQTT or WAMP.
 *
 * - `route`: `mqtt-mqtt`, `mqtt-wamp`, `wamp-mqtt`, and `wamp-wamp` (the same harness without
 *   MQTT, for comparison).
 * - `qos`: the MQTT side's QoS, 0 or 1: an MQTT publisher publishes at it (QoS 1: the broker
 *   answers PUBACK once the realm has the event), MQTT subscribers subscribe at it (QoS 1: the
 *   broker sends with a packet identifier, keeps at most its `max_inflight` unacknowledged, and
 *   the generator answers each with PUBACK). A WAMP publisher publishes with `acknowledge` at
 *   QoS 1 and without at QoS 0: the bridge delivers at the lower of the publication's QoS and
 *   the subscription's, and counts a publication with `acknowledge` as QoS 1.
 * - `mapping`: the topic's `payload_mapping` in the launcher's config (targets/interchange.mjs):
 *   `passthrough` (MQTT payload carried as is; WAMP publishers publish in payload passthru mode
 *   with `ppt_scheme: "mqtt"`) or `native` (the MQTT payload is `{"args": [...]}` in JSON).
 *   Payloads are 64 octets on the MQTT side.
 *
 * Two phases on the same connections:
 * 1. Throughput, closed loop on deliveries as in scenario-pubsub.mjs: publications go out while
 *    fewer than `window` deliveries are outstanding, and at most `depth` publications (at least
 *    2). Deliveries/s counts every subscriber; publications/s counts those that reached the first
 *    subscriber.
 * 2. Latency, open loop at half the publication rate phase 1 measured: each publication is due
 *    at a fixed time, and its latency runs from then (no coordinated omission) to its arrival at
 *    the first subscriber. One publisher on one topic is delivered in order (MQTT 3.1.1 section
 *    4.6, WAMP's publication ordering), so the k-th arrival is the k-th publication: nothing in
 *    the payload is read.
 */
import { loadavg } from 'node:os';
import { Histogram } from './histogram.mjs';
import { measureWindow, waitOrFail, watchClients } from './measure.mjs';
import { MqttRawClient, PacketType, PublishTemplate } from './mqtt-raw-client.mjs';
import { Code, FrameTemplate, headReader, ID_SLOT } from './wire.mjs';
import { openMany, WampRawClient } from './ws-client.mjs';

/** Topics of each mapping, as the launcher's `payload_mapping` names them. */
export const MQTT_TOPICS = Object.freeze({
  passthrough: { mqtt: 'bench/passthrough', wamp: 'bench.passthrough' },
  native: { mqtt: 'bench/native', wamp: 'bench.native' },
});
export const ROUTES = Object.freeze(['mqtt-mqtt', 'mqtt-wamp', 'wamp-mqtt', 'wamp-wamp']);
/** Octets of every MQTT payload. */
const PAYLOAD_BYTES = 64;
/** Due times of the latency phase, by publication index modulo this ring (far more than in flight). */
const RING = 1 << 16;
/** A backlog that stops shrinking for this long was lost (the router dropped messages). */
const STALL_MS = 3000;

/** The payload of each side: MQTT bytes, and what a WAMP publisher sends to get them. */
function payloads(mapping, serializer) {
  if (mapping === 'native') {
    // {"args":["xxx..."]} of PAYLOAD_BYTES octets.
    const text = 'x'.repeat(PAYLOAD_BYTES - '{"args":[""]}'.length);
    return { mqtt: Buffer.from(JSON.stringify({ args: [text] })), wamp: { options: {}, args: [text] } };
  }
  const bytes = Buffer.alloc(PAYLOAD_BYTES, 0x2a);
  // WAMP's JSON has no binary type: a string of a NUL and the base64 (basic profile "Binary conversion of JSON Strings").
  const arg = serializer === 'json' ? `\u0000${bytes.toString('base64')}` : bytes;
  return { mqtt: bytes, wamp: { options: { ppt_scheme: 'mqtt' }, args: [arg] } };
}

/** HELLO of a WAMP publisher in passthru mode (advanced profile "Payload Passthru Mode": announced or refused). */
function passthruHello(realm) {
  return [
    Code.HELLO,
    realm,
    { roles: { publisher: { features: { payload_passthru_mode: true } }, subscriber: {}, caller: {}, callee: {} } },
  ];
}

/** Opens the subscribers; `onDelivery(index)` runs for each event or MQTT PUBLISH received. */
async function openSubscribers(job, side, topics, onDelivery, state) {
  const { host, port, mqttPort, serializer, realm } = job;
  const unexpected = (what) => {
    state.unexpected++;
    state.lastUnexpected = what;
  };
  if (side === 'mqtt') {
    return openMany(
      job.subscribers,
      64,
      (i) => new MqttRawClient({ host, port: mqttPort, clientId: `bench-sub-${i}` }),
      async (client, i) => {
        await client.open();
        await client.subscribe(topics.mqtt, job.qos);
        client.onPacket = (type, buf, start, end) => {
          if (type === PacketType.PUBLISH) onDelivery(i);
          else
            unexpected(`MQTT packet type ${type}: ${buf.subarray(start, Math.min(end, start + 60)).toString('hex')}`);
        };
      },
    );
  }
  const read = headReader(serializer);
  return openMany(
    job.subscribers,
    64,
    () => new WampRawClient({ host, port, serializer }),
    async (client, i) => {
      await client.join(realm);
      await client.request([Code.SUBSCRIBE, 1, {}, topics.wamp], Code.SUBSCRIBED);
      client.onFrame = (buf, start, end) => {
        if (read(buf, start, end) === Code.EVENT) onDelivery(i);
        else unexpected(buf.subarray(start, Math.min(end, start + 120)).toString('latin1'));
      };
    },
  );
}

/** Opens the publisher; returns `send(n)` that queues and writes n publications. */
async function openPublisher(job, side, topics, payload, state) {
  const { host, port, mqttPort, serializer, realm } = job;
  if (side === 'mqtt') {
    const client = new MqttRawClient({ host, port: mqttPort, clientId: 'bench-pub' });
    await client.open();
    const template = new PublishTemplate({ topic: topics.mqtt, payload: payload.mqtt, qos: job.qos });
    client.onPacket = (type, buf, start) => {
      if (type === PacketType.PUBACK) {
        state.acks++;
        return;
      }
      state.unexpected++;
      state.lastUnexpected = `MQTT packet type ${type} at the publisher (${buf[start]})`;
    };
    let id = 0;
    const send = (n) => {
      for (let k = 0; k < n; k++) {
        // Packet identifiers 1..65535 (section 2.3.1); far fewer than that are ever in flight.
        id = id === 65535 ? 1 : id + 1;
        client.queue(template, id);
      }
      client.flush();
    };
    return { client, send };
  }
  const client = new WampRawClient({ host, port, serializer });
  await client.open();
  await client.request(passthruHello(realm), Code.WELCOME);
  const read = headReader(serializer);
  client.onFrame = (buf, start, end) => {
    if (read(buf, start, end) === Code.PUBLISHED && job.qos === 1) {
      state.acks++;
      return;
    }
    state.unexpected++;
    state.lastUnexpected = `at the publisher: ${buf.subarray(start, Math.min(end, start + 120)).toString('latin1')}`;
  };
  const frame = new FrameTemplate(serializer, [
    Code.PUBLISH,
    ID_SLOT,
    job.qos === 1 ? { ...payload.wamp.options, acknowledge: true } : payload.wamp.options,
    topics.wamp,
    payload.wamp.args,
  ]);
  let requestId = 0;
  const send = (n) => {
    for (let k = 0; k < n; k++) client.queue(frame, ++requestId);
    client.flush();
  };
  return { client, send };
}

/** Waits until `missing()` is 0; fails once it has not shrunk for STALL_MS. */
async function drain(missing, failure) {
  let last = missing();
  let since = Date.now();
  while (missing() > 0) {
    await waitOrFail(20, failure);
    const now = missing();
    if (now < last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since > STALL_MS) {
      throw new Error(`${now} deliveries missing: none arrived for ${STALL_MS / 1000} s`);
    }
  }
}

/** One cell: throughput, then latency at half of it. */
export async function mqttScenario(job) {
  const [from, to] = job.route.split('-');
  const topics = MQTT_TOPICS[job.mapping];
  if (topics === undefined || from === undefined || to === undefined)
    throw new Error(`bad mqtt cell ${JSON.stringify(job)}`);
  const payload = payloads(job.mapping, job.serializer);
  const fan = job.subscribers;
  // Publications kept undelivered: `window` deliveries' worth, within `depth` (a QoS 1 MQTT
  // subscriber holds 32 in flight and 1,000 queued by default; more would drop the oldest).
  const depth = Math.min(job.depth, Math.max(2, Math.floor(job.window / fan)));
  const state = { unexpected: 0, lastUnexpected: undefined, acks: 0 };

  let delivered = 0;
  let first = 0;
  let published = 0;
  // Latency phase: due time of publication k (counted from `base`) in dueAt[k % RING].
  let histogram;
  let base = 0;
  const dueAt = new Float64Array(RING);
  let pump = () => {};
  let pumpScheduled = false;
  const schedulePump = () => {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(() => {
      pumpScheduled = false;
      pump();
    });
  };
  const subscribers = await openSubscribers(
    job,
    to,
    topics,
    (i) => {
      delivered++;
      if (i === 0) {
        if (histogram !== undefined) histogram.record((performance.now() - dueAt[(first - base) & (RING - 1)]) * 1000);
        first++;
      }
      schedulePump();
    },
    state,
  );
  const publisher = await openPublisher(job, from, topics, payload, state);
  const all = [...subscribers, publisher.client];
  const watch = watchClients(all);
  const failure = () => {
    if (state.unexpected > 0) return `unexpected message: ${state.lastUnexpected}`;
    return watch.failure();
  };
  try {
    // Phase 1: throughput.
    pump = () => {
      const room = depth - (published - Math.floor(delivered / fan));
      if (room <= 0) return;
      publisher.send(room);
      published += room;
    };
    pump();
    await waitOrFail(job.warmupMs, failure);
    const first0 = first;
    const acks0 = state.acks;
    const window = await measureWindow({
      warmupMs: 0,
      durationMs: job.durationMs,
      routerPid: job.routerPid,
      count: () => delivered,
      failure,
    });
    const publishRate = (first - first0) / window.seconds;
    const ackRate = (state.acks - acks0) / window.seconds;

    // Drain: every publication delivered everywhere, or the router lost some.
    pump = () => {};
    await drain(() => published * fan - delivered, failure);

    // Phase 2: latency, open loop at half the rate measured.
    const rate = Math.max(10, Math.floor(publishRate / 2));
    histogram = new Histogram();
    base = first;
    // Publications due so far, and those actually sent (fewer when skipped).
    let sent = 0;
    let issued = 0;
    let skipped = 0;
    const t0 = performance.now();
    const end = t0 + job.durationMs;
    await new Promise((resolve, reject) => {
      const tick = () => {
        const reason = failure();
        if (reason !== undefined) {
          reject(new Error(reason));
          return;
        }
        const now = performance.now();
        const due = Math.floor(((Math.min(now, end) - t0) * rate) / 1000);
        // Past `depth` undelivered publications the router is not keeping up: what is due is
        // skipped (and the cell marked saturated) rather than piled up until messages drop.
        const room = Math.max(0, depth - (published - first));
        const n = Math.min(due - sent, room);
        skipped += due - sent - n;
        for (let k = 0; k < n; k++) dueAt[(issued + k) & (RING - 1)] = t0 + ((sent + k) * 1000) / rate;
        if (n > 0) {
          publisher.send(n);
          published += n;
          issued += n;
        }
        sent = due;
        if (now >= end) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
    const behind = published - first;
    await drain(() => published - first, failure);
    const latency = histogram.summary();
    histogram = undefined;
    if (delivered > published * fan)
      throw new Error(`counted ${delivered} deliveries for ${published} publications to ${fan}`);
    return {
      ...window,
      unit: 'deliveries/s',
      publishRate,
      ackRate: from === 'mqtt' && job.qos === 1 ? ackRate : undefined,
      latencyRate: rate,
      latencyUs: latency,
      // Publications skipped, or more than a tenth of a second's worth still undelivered at the end.
      saturated: skipped > 0 || behind > Math.max(10, rate / 10),
      skipped,
      published,
      delivered,
      fan,
      depth,
      // The machine's 1-minute load average at the end: on a shared machine, how crowded it was.
      loadAverage: loadavg()[0],
    };
  } finally {
    watch.stop();
    for (const client of all) client.destroy();
  }
}
