import type { EventMessage } from '@interchange/protocol';
import mqttPacket, { type IPublishPacket, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { PayloadMapper } from '../../src/mqtt/payload-mapping.js';
import type { MappedEvent } from '../../src/mqtt/publish-encoder.js';
import { PublishEncoder } from '../../src/mqtt/publish-encoder.js';

const logger = silentLogger;

/** Counts the mapper's encodings, to see that an EVENT is mapped once for every subscriber. */
class CountingMapper extends PayloadMapper {
  calls = 0;
  override toMqtt(...args: Parameters<PayloadMapper['toMqtt']>): ReturnType<PayloadMapper['toMqtt']> {
    this.calls++;
    return super.toMqtt(...args);
  }
}

function event(fields: Partial<EventMessage> = {}): EventMessage {
  return { type: 'EVENT', subscription: 1, publication: 2, details: {}, args: ['hi', 3], ...fields };
}

/** Parses the octets one subscriber is sent, as a client would. */
function parse(bytes: Buffer, version: number): IPublishPacket {
  const parser = mqttPacket.parser({ protocolVersion: version });
  const packets: Packet[] = [];
  parser.on('packet', (packet: Packet) => packets.push(packet));
  parser.on('error', (error: Error) => {
    throw error;
  });
  parser.parse(bytes);
  expect(packets).toHaveLength(1);
  return packets[0] as IPublishPacket;
}

function sent(mapped: MappedEvent, qos: 0 | 1, version: number, messageId?: number, dup = false): Buffer {
  const packet = mapped.packet(qos, version);
  if (packet === undefined) throw new Error('not encoded');
  const head = packet.head(messageId, dup);
  return packet.payload === undefined ? head : Buffer.concat([head, packet.payload]);
}

describe('PublishEncoder', () => {
  const mapper = () =>
    new CountingMapper({ 'n.': { type: 'native', serializer: 'json' } }, 'realm1', () =>
      Promise.reject(new Error('no codec in this test')),
    );

  it('maps an EVENT once, whatever the number of subscribers, and reuses its packets', () => {
    const counting = mapper();
    const encoder = new PublishEncoder(counting, logger);
    const message = event();
    const first = encoder.map(message, 'n.a.b') as MappedEvent;
    expect(encoder.map(message, 'n.a.b')).toBe(first);
    expect(counting.calls).toBe(1);
    expect(first.packet(0, 4)).toBe(first.packet(0, 4));
    expect(first.packet(0, 4)?.head(undefined, false)).toBe(first.packet(0, 4)?.head(undefined, false));
    // Another EVENT object is another publication (or subscription): mapped again.
    encoder.map(event(), 'n.a.b');
    expect(counting.calls).toBe(2);
  });

  it.each([3, 4, 5])('encodes PUBLISH for protocol level %i as mqtt-packet reads it', (version) => {
    const encoder = new PublishEncoder(mapper(), logger);
    const mapped = encoder.map(event({ acknowledged: true }), 'n.a.b') as MappedEvent;
    const payload = Buffer.from(JSON.stringify({ args: ['hi', 3] }));
    const qos0 = parse(sent(mapped, 0, version), version);
    expect(qos0).toMatchObject({ cmd: 'publish', topic: 'n/a/b', qos: 0, retain: false, dup: false });
    expect(Buffer.from(qos0.payload)).toEqual(payload);
    for (const [messageId, dup] of [
      [1, false],
      [0x1234, false],
      [65535, true],
    ] as const) {
      const qos1 = parse(sent(mapped, 1, version, messageId, dup), version);
      expect(qos1).toMatchObject({ cmd: 'publish', topic: 'n/a/b', qos: 1, messageId, dup, retain: false });
      expect(Buffer.from(qos1.payload)).toEqual(payload);
    }
  });

  it('gives each QoS 1 subscriber its own head and shares the payload', () => {
    const encoder = new PublishEncoder(mapper(), logger);
    const mapped = encoder.map(event({ acknowledged: true }), 'n.t') as MappedEvent;
    const packet = mapped.packet(1, 4);
    const a = packet?.head(7, false);
    const b = packet?.head(8, false);
    expect(a).not.toBe(b);
    expect(a?.readUInt16BE(a.length - 2)).toBe(7);
    expect(b?.readUInt16BE(b.length - 2)).toBe(8);
    expect(packet?.payload).toBe(mapped.payload);
  });

  it("takes the publication's QoS from acknowledge: 1 with it, 0 without", () => {
    const encoder = new PublishEncoder(mapper(), logger);
    expect((encoder.map(event(), 'n.t') as MappedEvent).qos).toBe(0);
    expect((encoder.map(event({ acknowledged: true }), 'n.t') as MappedEvent).qos).toBe(1);
  });

  it('keeps the retain flag of a retained event and skips a cleared one', () => {
    const encoder = new PublishEncoder(mapper(), logger);
    const retained = encoder.map(event({ details: { retained: true } }), 'n.t') as MappedEvent;
    expect(parse(sent(retained, 0, 4), 4).retain).toBe(true);
    expect(encoder.map(event({ details: { retained: true }, args: [] }), 'n.t')).toBeNull();
  });

  it('sends nothing for what has no MQTT form, and says so once per EVENT', () => {
    const encoder = new PublishEncoder(mapper(), logger);
    // Passthrough topic, event not in passthru mode.
    const notPassthru = event({ args: ['text'] });
    expect(encoder.map(notPassthru, 'p.t')).toBeNull();
    expect(encoder.map(notPassthru, 'p.t')).toBeNull();
    // A URI whose topic would hold a wildcard.
    expect(encoder.map(event(), 'n.a+b')).toBeNull();
    // A passthru payload in the `payload` slot (the earlier "payload transparency") is the one argument.
    const bytes = new Uint8Array([1, 2, 3]);
    const passthru = encoder.map(
      { type: 'EVENT', subscription: 1, publication: 2, details: { enc_algo: 'mqtt' }, payload: bytes },
      'p.t',
    ) as MappedEvent;
    expect(Buffer.from(parse(sent(passthru, 0, 4), 4).payload)).toEqual(Buffer.from(bytes));
  });
});
