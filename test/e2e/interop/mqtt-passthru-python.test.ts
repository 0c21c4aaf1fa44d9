/**
 * Crossbar's mqtt/basic passthrough scenario with a retained message: an MQTT device
 * (Debian's mosquitto_pub) publishes its binary payload retained, and an Autobahn|Python 22
 * subscriber written as that example's WAMP clients are (a payload codec, announcing only the
 * earlier `payload_transparency`) joins later with `get_retained`, then reads the topic's event
 * history. It gets the retained event, and the history entries, in the form it decodes (the
 * payload bare, with `enc_algo`), as it gets live events. The node runs the passthrough fixture
 * config (fixtures/mqtt-basic) with ports set to 0 and an event history added to its realm.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { InterchangeNode } from '@interchange/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mosquittoPub } from '../../../packages/server/test/support/mosquitto.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./mqtt_passthru_python.py', import.meta.url));
const cbdir = fileURLToPath(new URL('../fixtures/mqtt-basic/passthrough/.crossbar', import.meta.url));

/** The example's payload: unsigned short, signed int, 8 bytes, big endian. */
function devicePayload(pid: number, seq: number, ran: Buffer): Buffer {
  const out = Buffer.alloc(14);
  out.writeUInt16BE(pid, 0);
  out.writeInt32BE(seq, 2);
  ran.copy(out, 6);
  return out;
}

describe("Crossbar's mqtt/basic passthrough: a retained MQTT message reaches Autobahn|Python 22", () => {
  let node: InterchangeNode;
  let mqttPort: number;
  let universalPort: number;

  beforeAll(async () => {
    const config = JSON.parse(await readFile(`${cbdir}/config.json`, 'utf8'));
    for (const transport of config.workers[0].transports) {
      transport.endpoint.port = 0;
      transport.endpoint.interface = '127.0.0.1';
    }
    config.workers[0].realms[0].store = {
      type: 'memory',
      'event-history': [{ uri: 'mqtt.test.mytopic1', limit: 10 }],
    };
    node = await InterchangeNode.start({ config, cbdir });
    mqttPort = node.addresses[0]!.port;
    universalPort = node.addresses[1]!.port;
  });

  afterAll(async () => {
    await node?.stop({ timeoutMs: 500 });
  });

  it('decodes the retained event (get_retained) and the history entries with its payload codec', async () => {
    const first = Buffer.from('0102030405060708', 'hex');
    const second = Buffer.from('a1b2c3d4e5f60718', 'hex');
    for (const [seq, ran] of [
      [1, first],
      [2, second],
    ] as const) {
      const code = await mosquittoPub(mqttPort, 'mqtt/test/mytopic1', devicePayload(4242, seq, ran), ['-q', '1', '-r']);
      expect(code).toBe(0);
    }
    const { stdout } = await run('/usr/bin/python3', [script, `127.0.0.1:${universalPort}`, 'mqtt.test.mytopic1'], {
      timeout: 30_000,
    });
    const observed = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
    expect(observed.retained_event).toEqual({
      pid: 4242,
      seq: 2,
      ran: second.toString('hex'),
      retained: true,
      enc_algo: 'mqtt',
    });
    const history = [...observed.history].sort((a, b) => a.seq - b.seq);
    expect(history).toEqual([
      { pid: 4242, seq: 1, ran: first.toString('hex'), enc_algo: 'mqtt' },
      { pid: 4242, seq: 2, ran: second.toString('hex'), enc_algo: 'mqtt' },
    ]);
  });
});
