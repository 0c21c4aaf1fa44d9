/**
 * Test helpers for the MQTT bridge: MQTT.js clients that do not reconnect, and a queue of the
 * messages a client receives, awaited one by one (no sleeps).
 */
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';

/** One message an MQTT client received. */
export interface Received {
  topic: string;
  payload: Buffer;
  packet: IPublishPacket;
}

/** An MQTT.js client and the messages it receives, in order. */
export interface TestMqttClient {
  client: MqttClient;
  /** The next message (waits for it). */
  next(): Promise<Received>;
  /** Messages received and not yet taken. */
  readonly buffered: Received[];
}

/** Connects an MQTT.js client (no reconnect) and starts collecting its messages. */
export async function connectMqtt(url: string, options: IClientOptions = {}): Promise<TestMqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  return collect(client);
}

/** Starts collecting the messages of a client. */
export function collect(client: MqttClient): TestMqttClient {
  const buffered: Received[] = [];
  const waiting: ((message: Received) => void)[] = [];
  client.on('message', (topic, payload, packet) => {
    const message = { topic, payload, packet };
    const waiter = waiting.shift();
    if (waiter !== undefined) waiter(message);
    else buffered.push(message);
  });
  return {
    client,
    buffered,
    next: () => {
      const message = buffered.shift();
      if (message !== undefined) return Promise.resolve(message);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

/** The CONNACK error an MQTT.js connection attempt ends with (its `code`), or `connected`. */
export function connectOutcome(url: string, options: IClientOptions = {}): Promise<number | 'connected'> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    client.on('connect', () => {
      client.end(true);
      resolve('connected');
    });
    client.on('error', (error) => {
      client.end(true);
      resolve((error as { code?: number }).code ?? -1);
    });
  });
}
