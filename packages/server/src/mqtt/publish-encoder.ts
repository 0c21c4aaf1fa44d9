/**
 * A WAMP EVENT as an MQTT PUBLISH, mapped and encoded once for every MQTT subscriber of a
 * transport. The broker hands all receivers of one subscription the same EVENT object
 * (packages/router/src/broker/broker.ts), so the topic, the payload mapping and mqtt-packet's
 * encoding are done on the first receiver and kept with the EVENT (a WeakMap: gone with it):
 * - QoS 0: the whole packet is the same for everybody, written as it is to every subscriber;
 * - QoS 1: only the packet identifier differs (and DUP on redelivery), so each subscriber gets a
 *   copy of the few octets before the payload with its identifier patched in, followed by the
 *   shared payload (MQTT 3.1.1 section 3.3.2.2: the identifier closes the variable header; in
 *   MQTT 5.0 an empty property length follows it, section 3.3.2.3).
 * Two encodings per protocol family (3.1 and 3.1.1 share PUBLISH's form, 5.0 has properties).
 */
import type { EventMessage } from '@interchange/protocol';
import mqttPacket from 'mqtt-packet';
import type { Logger } from '../logger.js';
import { type EventPayload, type PayloadMapper, PayloadMappingError } from './payload-mapping.js';
import { uriToTopic } from './topic-mapping.js';

/** A PUBLISH encoded once, for any number of subscribers. */
export class EncodedPublish {
  readonly qos: 0 | 1;
  /** Octets of the whole packet, what a client's Maximum Packet Size is checked against. */
  readonly length: number;
  /** QoS 0: the whole packet. QoS 1: the octets before the payload (its identifier replaced for each subscriber). */
  readonly #head: Buffer;
  /** QoS 1: the payload, written after each subscriber's head. */
  readonly payload: Buffer | undefined;
  readonly #idOffset: number;

  constructor(qos: 0 | 1, head: Buffer, payload: Buffer | undefined, idOffset: number) {
    this.qos = qos;
    this.#head = head;
    this.payload = payload;
    this.#idOffset = idOffset;
    this.length = head.length + (payload?.length ?? 0);
  }

  /**
   * The octets before the payload for one subscriber: the shared packet at QoS 0, else a copy
   * of the head with `messageId` and the DUP flag (section 3.3.1.1) set.
   */
  head(messageId: number | undefined, dup: boolean): Buffer {
    if (this.qos === 0 || messageId === undefined) return this.#head;
    const head = Buffer.allocUnsafe(this.#head.length);
    this.#head.copy(head);
    head[this.#idOffset] = messageId >> 8;
    head[this.#idOffset + 1] = messageId & 0xff;
    if (dup) head[0] = (head[0] as number) | 0x08;
    return head;
  }
}

/** An EVENT in MQTT form, shared by every subscriber that receives it. */
export class MappedEvent {
  readonly topic: string;
  readonly payload: Buffer;
  readonly retain: boolean;
  /** The publication's QoS: 1 when its publisher asked for an acknowledgement, else 0. */
  readonly qos: 0 | 1;
  /** By `(protocol 5 ? 2 : 0) + QoS`; `null` when it cannot be encoded. */
  readonly #packets: (EncodedPublish | null | undefined)[] = [undefined, undefined, undefined, undefined];
  readonly #logger: Logger;

  constructor(topic: string, payload: Buffer, retain: boolean, qos: 0 | 1, logger: Logger) {
    this.topic = topic;
    this.payload = payload;
    this.retain = retain;
    this.qos = qos;
    this.#logger = logger;
  }

  /** The PUBLISH at `qos` for a client of `protocolVersion`; `undefined` when it cannot be encoded (logged once). */
  packet(qos: 0 | 1, protocolVersion: number): EncodedPublish | undefined {
    const v5 = protocolVersion === 5;
    const index = (v5 ? 2 : 0) + qos;
    let packet = this.#packets[index];
    if (packet === undefined) {
      packet = this.#encode(qos, v5);
      this.#packets[index] = packet;
    }
    return packet ?? undefined;
  }

  #encode(qos: 0 | 1, v5: boolean): EncodedPublish | null {
    let bytes: Buffer;
    try {
      bytes = mqttPacket.generate(
        {
          cmd: 'publish',
          topic: this.topic,
          payload: this.payload,
          qos,
          retain: this.retain,
          dup: false,
          ...(qos === 1 ? { messageId: 1 } : {}),
        },
        { protocolVersion: v5 ? 5 : 4 },
      );
    } catch (error) {
      this.#logger.warn({ err: error, topic: this.topic }, 'MQTT PUBLISH could not be encoded; not sent');
      return null;
    }
    if (qos === 0) return new EncodedPublish(0, bytes, undefined, 0);
    // Its own copy of the head, so the packet's copy of the payload is not kept alive with it.
    const head = Buffer.from(bytes.subarray(0, bytes.length - this.payload.length));
    return new EncodedPublish(1, head, this.payload, head.length - (v5 ? 3 : 2));
  }
}

/** The client library's reading of an EVENT's payload: a passthru `payload` is the one argument. */
function payloadOf(message: EventMessage): EventPayload {
  if (message.payload !== undefined) return { args: [message.payload], kwargs: {}, details: message.details };
  return { args: message.args ?? [], kwargs: message.kwargs ?? {}, details: message.details };
}

const isEmpty = (event: EventPayload): boolean => event.args.length === 0 && Object.keys(event.kwargs).length === 0;

/** Maps and encodes the EVENTs of one MQTT transport for its subscribers. */
export class PublishEncoder {
  readonly #mapper: PayloadMapper;
  readonly #logger: Logger;
  /** By EVENT: its MQTT form, `null` when it is not sent to MQTT, or the dynamic mapping under way. */
  readonly #mapped = new WeakMap<EventMessage, MappedEvent | null | Promise<MappedEvent | null>>();

  constructor(mapper: PayloadMapper, logger: Logger) {
    this.#mapper = mapper;
    this.#logger = logger;
  }

  /**
   * The MQTT form of EVENT `message` on `uri` (`details.topic` for a pattern subscription, else
   * the subscribed topic); `null` when it is not sent to MQTT (why is logged once per EVENT). A
   * promise while a dynamic mapping's encoder is being called. Never throws.
   */
  map(message: EventMessage, uri: string): MappedEvent | null | Promise<MappedEvent | null> {
    const cached = this.#mapped.get(message);
    if (cached !== undefined) return cached;
    const mapped = this.#map(message, uri);
    this.#mapped.set(message, mapped);
    if (mapped instanceof Promise)
      void mapped.then((result) => {
        this.#mapped.set(message, result);
      });
    return mapped;
  }

  #map(message: EventMessage, uri: string): MappedEvent | null | Promise<MappedEvent | null> {
    const topic = uriToTopic(uri);
    if (topic === undefined) return null;
    const event = payloadOf(message);
    const retain = message.details['retained'] === true;
    // A cleared retained message (empty) is not sent (MQTT 3.1.1 section 3.3.1.3).
    if (retain && isEmpty(event)) return null;
    const qos = message.acknowledged === true ? 1 : 0;
    let payload: ReturnType<PayloadMapper['toMqtt']>;
    try {
      payload = this.#mapper.toMqtt(uri, topic, event);
    } catch (error) {
      this.#unmapped(error, uri);
      return null;
    }
    if (!(payload instanceof Promise)) return this.#mappedEvent(payload, topic, retain, qos, uri);
    return payload.then(
      (bytes) => this.#mappedEvent(bytes, topic, retain, qos, uri),
      (error: unknown) => {
        this.#unmapped(error, uri);
        return null;
      },
    );
  }

  #mappedEvent(
    payload: Buffer | undefined,
    topic: string,
    retain: boolean,
    qos: 0 | 1,
    uri: string,
  ): MappedEvent | null {
    if (payload === undefined) {
      this.#logger.debug(
        { topic: uri },
        'WAMP event without a passthru payload on a passthrough topic; not sent to MQTT',
      );
      return null;
    }
    return new MappedEvent(topic, payload, retain, qos, this.#logger);
  }

  #unmapped(error: unknown, uri: string): void {
    if (error instanceof PayloadMappingError)
      this.#logger.info({ err: error, topic: uri }, 'WAMP event not mapped to MQTT; dropped');
    else this.#logger.error({ err: error, topic: uri }, 'WAMP event to MQTT failed; dropped');
  }
}
