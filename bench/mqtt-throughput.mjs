// MQTT QoS 0 throughput through the bridge, both ways, beside the same route in WAMP:
// MQTT.js publishers -> one WAMP subscriber, and one WAMP publisher -> MQTT.js subscribers
// (passthrough payloads of 64 bytes). One node process in this process; a rough figure, not
// one of run.mjs's pinned cells.
//   node bench/mqtt-throughput.mjs [--messages 100000] [--smoke]
// A full run writes bench/results/mqtt.md, the "MQTT" section `node bench/report.mjs` puts into
// BENCHMARKS.md.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@interchange/client';
import { InterchangeNode } from '@interchange/server';
import mqtt from 'mqtt';
import { machine } from './lib/machine.mjs';

const smoke = process.argv.includes('--smoke');
const at = process.argv.indexOf('--messages');
const total = smoke ? 2000 : at > 0 ? Number(process.argv[at + 1]) : 100_000;
const payload = Buffer.alloc(64, 7);
const local = { type: 'tcp', port: 0, interface: '127.0.0.1' };

const node = await InterchangeNode.start({
  config: {
    version: 2,
    workers: [
      {
        type: 'router',
        realms: [{ name: 'realm1' }],
        transports: [
          { type: 'mqtt', endpoint: local, options: { realm: 'realm1', max_queued: 0 } },
          { type: 'websocket', endpoint: local, options: { outbound_limit: 64 * 1024 * 1024 } },
        ],
      },
    ],
  },
  cbdir: process.cwd(),
});
const mqttUrl = `mqtt://127.0.0.1:${node.addresses[0].port}`;
const wsUrl = node.addresses[1].url;

/** Waits until `count()` reaches `want` or stops growing for a second; returns it. */
async function settle(count, want) {
  let last = -1;
  let still = 0;
  while (count() < want && still < 20) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    still = count() === last ? still + 1 : 0;
    last = count();
  }
  return count();
}

async function mqttToWamp() {
  const wamp = await connect({ url: wsUrl, realm: 'realm1' });
  let received = 0;
  let done = 0;
  await wamp.subscribe('bench.in', () => {
    received++;
    done = performance.now();
  });
  const client = await mqtt.connectAsync(mqttUrl, { reconnectPeriod: 0 });
  const start = performance.now();
  for (let n = 0; n < total; n++) {
    // Waits for the socket now and then, as a device's client would.
    if (n % 1000 === 999) await new Promise((resolve) => client.publish('bench/in', payload, { qos: 0 }, resolve));
    else client.publish('bench/in', payload, { qos: 0 });
  }
  const got = await settle(() => received, total);
  await client.endAsync();
  await wamp.leave();
  return { received: got, perSecond: Math.round(got / ((done - start) / 1000)) };
}

async function wampToMqtt() {
  const client = await mqtt.connectAsync(mqttUrl, { reconnectPeriod: 0 });
  let received = 0;
  let done = 0;
  client.on('message', () => {
    received++;
    done = performance.now();
  });
  await client.subscribeAsync('bench/out', { qos: 0 });
  const wamp = await connect({ url: wsUrl, realm: 'realm1' });
  const bytes = new Uint8Array(payload);
  const start = performance.now();
  for (let n = 0; n < total; n++) {
    const acknowledge = n % 1000 === 999;
    const sent = wamp.publish('bench.out', [bytes], { ppt_scheme: 'mqtt', acknowledge });
    if (acknowledge) await sent;
  }
  const got = await settle(() => received, total);
  await wamp.leave();
  await client.endAsync();
  return { received: got, perSecond: Math.round(got / ((done - start) / 1000)) };
}

async function wampToWamp() {
  const sub = await connect({ url: wsUrl, realm: 'realm1' });
  let received = 0;
  let done = 0;
  await sub.subscribe('bench.wamp', () => {
    received++;
    done = performance.now();
  });
  const pub = await connect({ url: wsUrl, realm: 'realm1' });
  const bytes = new Uint8Array(payload);
  const start = performance.now();
  for (let n = 0; n < total; n++) {
    const acknowledge = n % 1000 === 999;
    const sent = pub.publish('bench.wamp', [bytes], { acknowledge });
    if (acknowledge) await sent;
  }
  const got = await settle(() => received, total);
  await Promise.all([sub.leave(), pub.leave()]);
  return { received: got, perSecond: Math.round(got / ((done - start) / 1000)) };
}

try {
  const rows = [
    ['MQTT QoS 0 -> WAMP subscriber', await mqttToWamp()],
    ['WAMP publisher -> MQTT QoS 0 subscriber', await wampToMqtt()],
    ['WAMP publisher -> WAMP subscriber (same process, for comparison)', await wampToWamp()],
  ];
  const lines = [
    `| route (${total.toLocaleString('en')} messages of 64 bytes) | received | messages/s |`,
    '|---|---:|---:|',
    ...rows.map(
      ([name, r]) => `| ${name} | ${r.received.toLocaleString('en')} | ${r.perSecond.toLocaleString('en')} |`,
    ),
  ];
  console.log(lines.join('\n'));
  if (smoke && rows.some(([, r]) => r.received === 0)) process.exitCode = 1;
  if (!smoke) {
    const root = join(dirname(fileURLToPath(import.meta.url)), '..');
    const m = machine(root);
    const section = `## MQTT through the bridge

\`node bench/mqtt-throughput.mjs\`: QoS 0 publications of 64 bytes (passthrough) from MQTT.js
clients into one WAMP subscriber, from one WAMP publisher to MQTT.js subscribers, and WAMP to WAMP
through the same node for comparison. Node, load and clients share one process, unpinned: a rough
figure beside the pinned cells above, not one of them (${m.cpu}, ${m.cores} cores, Node ${m.node},
commit ${m.commit}${m.dirty ? ' with uncommitted changes' : ''}; ${new Date().toISOString().slice(0, 10)}).

${lines.join('\n')}

`;
    writeFileSync(join(root, 'bench/results/mqtt.md'), section);
  }
} finally {
  await node.stop({ timeoutMs: 500 });
}
