/**
 * Crossbar's MQTT examples move over: node configs in the shape of Crossbar's `mqtt/basic`
 * (fixtures/mqtt-basic: passthrough, native with CBOR, dynamic with a hosted Python codec) pass
 * `interchange check` and start unchanged but for their ports, and MQTT clients nobody here
 * wrote (Debian's mosquitto_pub and mosquitto_sub, MQTT.js) exchange events with Autobahn|JS
 * through them: on the `mqtt` transport, on the universal port, and over WebSocket.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { InterchangeNode, runCli } from '@interchange/server';
import autobahn from 'autobahn';
import { decode as cborDecode, encode as cborEncode } from 'cbor-x';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { mosquittoPub, mosquittoSub } from '../../../packages/server/test/support/mosquitto.js';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const serializers = (autobahn as unknown as { serializer: Record<string, new () => unknown> }).serializer;

const cbdirOf = (mode: string) => fileURLToPath(new URL(`../fixtures/mqtt-basic/${mode}/.crossbar`, import.meta.url));

interface BasicNode {
  node: InterchangeNode;
  mqttPort: number;
  universalPort: number;
  session: autobahn.Session;
  connection: autobahn.Connection;
}

/** Starts a fixture node (ports set to 0) and joins Autobahn|JS over its universal port, CBOR. */
async function startBasic(mode: string): Promise<BasicNode> {
  const cbdir = cbdirOf(mode);
  const config = JSON.parse(await readFile(`${cbdir}/config.json`, 'utf8'));
  for (const transport of config.workers[0].transports) {
    transport.endpoint.port = 0;
    transport.endpoint.interface = '127.0.0.1';
  }
  const node = await InterchangeNode.start({ config, cbdir });
  const universalPort = node.addresses[1]!.port;
  const { session, connection } = await new Promise<{ session: autobahn.Session; connection: autobahn.Connection }>(
    (resolve, reject) => {
      const connection = new autobahn.Connection({
        realm: 'realm1',
        max_retries: 0,
        transports: [
          {
            type: 'websocket',
            url: `ws://127.0.0.1:${universalPort}/ws`,
            serializers: [new (serializers['CBORSerializer'] as new () => unknown)()],
          },
        ],
      } as unknown as autobahn.IConnectionOptions);
      connection.onopen = (session) => resolve({ session, connection });
      connection.onclose = (reason) => {
        reject(new Error(`Autobahn|JS: ${reason}`));
        return true;
      };
      connection.open();
    },
  );
  return { node, mqttPort: node.addresses[0]!.port, universalPort, session, connection };
}

async function stopBasic(basic: BasicNode | undefined): Promise<void> {
  if (basic === undefined) return;
  await new Promise<void>((resolve) => {
    basic.connection.onclose = () => {
      resolve();
      return true;
    };
    basic.connection.close();
  });
  await basic.node.stop({ timeoutMs: 500 });
}

/** The next event of an Autobahn|JS subscription. */
function nextEvent(
  session: autobahn.Session,
  topic: string,
  options: Record<string, unknown> = {},
): Promise<{
  ready: Promise<unknown>;
  event: Promise<{ args: unknown[]; kwargs: Record<string, unknown>; details: Record<string, unknown> }>;
}> {
  return new Promise((resolveOuter) => {
    let resolveEvent: (value: {
      args: unknown[];
      kwargs: Record<string, unknown>;
      details: Record<string, unknown>;
    }) => void = () => {};
    const event = new Promise<{ args: unknown[]; kwargs: Record<string, unknown>; details: Record<string, unknown> }>(
      (resolve) => {
        resolveEvent = resolve;
      },
    );
    const ready = Promise.resolve(
      session.subscribe(
        topic,
        (args, kwargs, details) =>
          resolveEvent({
            args: args ?? [],
            kwargs: kwargs ?? {},
            details: details as unknown as Record<string, unknown>,
          }),
        options as autobahn.ISubscribeOptions,
      ),
    );
    resolveOuter({ ready, event });
  });
}

describe("Crossbar's mqtt/basic configs", () => {
  it.each(['passthrough', 'native', 'dynamic'])('%s passes interchange check', async (mode) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['check', '--cbdir', cbdirOf(mode)], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      waitForStop: () => Promise.reject(new Error('not started')),
    });
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
  });

  describe('passthrough', () => {
    let basic: BasicNode;
    beforeAll(async () => {
      basic = await startBasic('passthrough');
    });
    afterAll(() => stopBasic(basic));

    it('carries mosquitto_pub payloads untouched to Autobahn|JS and to mosquitto_sub', async () => {
      const { ready, event } = await nextEvent(basic.session, 'mqtt.test.mytopic1');
      await ready;
      const sub = mosquittoSub(basic.mqttPort, 'mqtt/test/+', 1);
      await sub.subscribed;
      const payload = Buffer.from([0x00, 0x2a, 0xff, 0x10, 0x7f]);
      // Published to the universal port: its first octet (CONNECT) picks MQTT.
      expect(await mosquittoPub(basic.universalPort, 'mqtt/test/mytopic1', payload, ['-q', '1'])).toBe(0);
      const received = await event;
      expect(Buffer.from(received.args[0] as Uint8Array)).toEqual(payload);
      expect(await sub.messages).toEqual([{ qos: 0, retain: false, topic: 'mqtt/test/mytopic1', payload }]);
    });

    it('serves MQTT.js over WebSocket (subprotocol mqtt) on the universal port', async () => {
      const sub = mosquittoSub(basic.mqttPort, 'ws/#', 1);
      await sub.subscribed;
      const client = await mqtt.connectAsync(`ws://127.0.0.1:${basic.universalPort}/mqtt`, { reconnectPeriod: 0 });
      await client.publishAsync('ws/hello', Buffer.from('over websocket'), { qos: 1 });
      expect(await sub.messages).toEqual([
        { qos: 0, retain: false, topic: 'ws/hello', payload: Buffer.from('over websocket') },
      ]);
      await client.endAsync();
    });

    it("publishes mosquitto_sub's will when it is killed", async () => {
      const { ready, event } = await nextEvent(basic.session, 'devices.gone');
      await ready;
      const sub = mosquittoSub(basic.mqttPort, 'nothing/here', 1, [
        '--will-topic',
        'devices/gone',
        '--will-payload',
        'bye',
      ]);
      await sub.subscribed;
      sub.process.kill('SIGKILL');
      expect(Buffer.from((await event).args[0] as Uint8Array).toString()).toBe('bye');
    });
  });

  describe('native (CBOR)', () => {
    let basic: BasicNode;
    beforeAll(async () => {
      basic = await startBasic('native');
    });
    afterAll(() => stopBasic(basic));

    it('carries an Autobahn|JS publish to mosquitto_sub as {args, kwargs} in CBOR', async () => {
      const sub = mosquittoSub(basic.mqttPort, 'sensors/#', 1);
      await sub.subscribed;
      await basic.session.publish('sensors.kitchen.temp', [21.5], { unit: 'C' }, { acknowledge: true });
      const [message] = await sub.messages;
      expect(message?.topic).toBe('sensors/kitchen/temp');
      expect(cborDecode(message!.payload)).toEqual({ args: [21.5], kwargs: { unit: 'C' } });
    });

    it('carries a mosquitto_pub QoS 1 publish to Autobahn|JS, and retains it for late subscribers', async () => {
      const { ready, event } = await nextEvent(basic.session, 'cmd.led');
      await ready;
      const payload = cborEncode({ args: ['on'], kwargs: { level: 3 } });
      expect(await mosquittoPub(basic.mqttPort, 'cmd/led', payload, ['-q', '1', '-r'])).toBe(0);
      expect(await event).toMatchObject({ args: ['on'], kwargs: { level: 3 } });
      const late = await nextEvent(basic.session, 'cmd.led', { get_retained: true });
      const retained = await late.event;
      expect(retained).toMatchObject({ args: ['on'], kwargs: { level: 3 } });
      expect(retained.details['retained']).toBe(true);
    });
  });

  describe('dynamic (a hosted Python codec)', () => {
    let basic: BasicNode;
    beforeAll(async () => {
      basic = await startBasic('dynamic');
    }, 60_000);
    afterAll(() => stopBasic(basic));

    it('decodes MQTT.js payloads and encodes Autobahn|JS events through the codec procedures', async () => {
      const { ready, event } = await nextEvent(basic.session, 'mqtt.test.mytopic1');
      await ready;
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${basic.mqttPort}`, { reconnectPeriod: 0 });
      await client.publishAsync('mqtt/test/mytopic1', 'a=1;b=two', { qos: 1 });
      expect(await event).toMatchObject({ args: ['mqtt/test/mytopic1'], kwargs: { a: '1', b: 'two' } });
      await client.endAsync();

      const sub = mosquittoSub(basic.mqttPort, 'mqtt/test/mytopic2', 1);
      await sub.subscribed;
      await basic.session.publish('mqtt.test.mytopic2', [], { x: 'y', n: 5 }, { acknowledge: true });
      expect((await sub.messages)[0]?.payload.toString()).toBe('n=5;x=y');
    });
  });
});
