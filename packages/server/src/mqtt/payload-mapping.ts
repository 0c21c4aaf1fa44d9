/**
 * Crossbar's payload mappings between an MQTT payload (bytes) and a WAMP event (args, kwargs),
 * chosen per WAMP URI by the longest configured prefix (Crossbar's `payload_mapping`):
 * - `passthrough`: the payload is the one binary argument of a payload-passthru event with
 *   `ppt_scheme: "mqtt"` (spec: advanced "Payload Passthru Mode"); WAMP clients read it as is;
 * - `native`: the payload is `{"args": [...], "kwargs": {...}}` in JSON, MessagePack, CBOR or UBJSON;
 * - `dynamic`: WAMP procedures convert, called as Crossbar calls them:
 *   `decoder(uri, mqtt_topic, payload)` returns the event's `{args, kwargs, ...}`,
 *   `encoder(mqtt_topic, uri, args, kwargs)` returns the payload.
 * A topic no mapping covers is treated as `passthrough`, the form that loses nothing.
 */
import type { PublishOptions, Session } from '@interchange/client';
import { type Dict, decodeBase64, encodeBase64 } from '@interchange/protocol';
import { decodeUbjson, encodeUbjson } from '@interchange/protocol/ubjson';
import { Decoder as CborDecoder, Encoder as CborEncoder } from 'cbor-x';
import { Packr } from 'msgpackr';
import type { PayloadMappingConfig } from '../config/mqtt-schema.js';

/** The part of a WAMP PUBLISH a payload maps to. */
export interface WampPublication {
  args: unknown[] | undefined;
  options: PublishOptions;
}

/** What a mapping to MQTT reads of a WAMP event (the client library's `Event` has this shape). */
export interface EventPayload {
  args: unknown[];
  kwargs: Record<string, unknown>;
  details: Dict;
}

/** A payload that its mapping cannot convert; the message is dropped (MQTT 5: reason 0x99). */
export class PayloadMappingError extends Error {
  override readonly name = 'PayloadMappingError';
}

/** The keys of a native payload that become PUBLISH options, as Crossbar reads them. */
const NATIVE_OPTIONS = [
  'exclude',
  'exclude_authid',
  'exclude_authrole',
  'eligible',
  'eligible_authid',
  'eligible_authrole',
] as const;

const msgpack = new Packr({ useRecords: false, mapsAsObjects: true });
// Bytes as plain CBOR byte strings, as Crossbar (Python's cbor) writes them: cbor-x would tag a
// Uint8Array as a typed array (tag 64), which Python's MQTT clients read as an opaque Tag.
const cborEncoder = new CborEncoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false } as never);
const cborDecoder = new CborDecoder({ useRecords: false, mapsAsObjects: true } as never);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** WAMP's JSON convention for binary values: a string of NUL then base64 (spec: basic "JSON"). */
function jsonReplacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? `\0${encodeBase64(value)}` : value;
}
function jsonReviver(_key: string, value: unknown): unknown {
  return typeof value === 'string' && value.startsWith('\0') ? decodeBase64(value, 1) : value;
}

function serialize(serializer: 'json' | 'msgpack' | 'cbor' | 'ubjson', value: unknown): Buffer {
  switch (serializer) {
    case 'json':
      return Buffer.from(JSON.stringify(value, jsonReplacer), 'utf8');
    case 'msgpack':
      return msgpack.pack(value);
    case 'cbor':
      return Buffer.from(cborEncoder.encode(value));
    case 'ubjson':
      return Buffer.from(encodeUbjson(value));
  }
}

function deserialize(serializer: 'json' | 'msgpack' | 'cbor' | 'ubjson', payload: Buffer): unknown {
  try {
    switch (serializer) {
      case 'json':
        return JSON.parse(utf8.decode(payload), jsonReviver);
      case 'msgpack':
        return msgpack.unpack(payload);
      case 'cbor':
        return cborDecoder.decode(payload);
      case 'ubjson':
        return decodeUbjson(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
    }
  } catch (error) {
    throw new PayloadMappingError(`the payload is no valid ${serializer}`, { cause: error });
  }
}

const isDict = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

/** Reads `{args, kwargs, exclude, ...}` (a native payload, a decoder's result) into a publication. */
function publicationOf(value: unknown, what: string): WampPublication {
  if (!isDict(value)) throw new PayloadMappingError(`${what} is not a map of args and kwargs`);
  const args = value['args'];
  const kwargs = value['kwargs'];
  if (args !== undefined && args !== null && !Array.isArray(args))
    throw new PayloadMappingError(`${what}: "args" is not a list`);
  if (kwargs !== undefined && kwargs !== null && !isDict(kwargs))
    throw new PayloadMappingError(`${what}: "kwargs" is not a map`);
  const options: PublishOptions = {};
  if (isDict(kwargs) && Object.keys(kwargs).length > 0) options.kwargs = kwargs;
  for (const key of NATIVE_OPTIONS) {
    const entry = value[key];
    if (Array.isArray(entry)) (options as Record<string, unknown>)[key] = entry;
  }
  return { args: Array.isArray(args) ? args : undefined, options };
}

/** Where a dynamic mapping finds its codec procedures: a session joined to the codec realm. */
export type CodecSessions = (realm: string) => Promise<Session>;

/** The payload mappings of one MQTT transport. */
export class PayloadMapper {
  readonly #entries: [string, PayloadMappingConfig][];
  readonly #realm: string;
  readonly #codecs: CodecSessions;
  /** Payloads already encoded for an event, by the event's args or kwargs (the router hands every receiver the same objects). */
  readonly #encoded = new WeakMap<object, { uri: string; payload: Buffer | Promise<Buffer | undefined> }>();

  constructor(mappings: Record<string, PayloadMappingConfig> | undefined, realm: string, codecs: CodecSessions) {
    // Longest prefix first, so the first hit is the longest match.
    this.#entries = Object.entries(mappings ?? {}).sort((a, b) => b[0].length - a[0].length);
    this.#realm = realm;
    this.#codecs = codecs;
  }

  /** The mapping of a WAMP URI: the longest configured prefix, else passthrough. */
  mappingFor(uri: string): PayloadMappingConfig {
    for (const [prefix, mapping] of this.#entries) if (uri.startsWith(prefix)) return mapping;
    return { type: 'passthrough' };
  }

  /**
   * An MQTT payload published to `topic` (URI `uri`) as a WAMP publication.
   *
   * @throws PayloadMappingError when the mapping cannot read the payload.
   */
  async toWamp(uri: string, topic: string, payload: Buffer): Promise<WampPublication> {
    const mapping = this.mappingFor(uri);
    switch (mapping.type) {
      case 'passthrough':
        return { args: [new Uint8Array(payload)], options: { ppt_scheme: 'mqtt' } };
      case 'native':
        return publicationOf(deserialize(mapping.serializer, payload), `the ${mapping.serializer} payload`);
      case 'dynamic': {
        const session = await this.#codecs(mapping.realm ?? this.#realm);
        let result: Awaited<ReturnType<Session['call']>>;
        try {
          result = await session.call(mapping.decoder, [uri, topic, new Uint8Array(payload)]);
        } catch (error) {
          throw new PayloadMappingError(`the decoder ${mapping.decoder} failed`, { cause: error });
        }
        return publicationOf(result.args[0], `the result of ${mapping.decoder}`);
      }
    }
  }

  /**
   * A WAMP event on `uri` as the payload of an MQTT PUBLISH to `topic`; `undefined` when the
   * mapping has no form for it (a passthrough topic receiving an event that is not in
   * passthru mode). Synchronous for `passthrough` and `native`; a promise for `dynamic`, whose
   * encoder is called once per event for all receivers.
   *
   * @throws PayloadMappingError (or rejects with it) when the payload cannot be encoded.
   */
  toMqtt(uri: string, topic: string, event: EventPayload): Buffer | undefined | Promise<Buffer | undefined> {
    const mapping = this.mappingFor(uri);
    switch (mapping.type) {
      case 'passthrough': {
        const payload = event.args[0];
        // An event without payload (an MQTT retained-message clear, say) is the empty payload.
        if (event.args.length === 0 && Object.keys(event.kwargs).length === 0) return Buffer.alloc(0);
        // Passthru as the spec names it (`ppt_scheme`), or as Autobahn|Python and Crossbar still
        // send it (`enc_algo`, the earlier "payload transparency").
        const passthru = event.details['ppt_scheme'] !== undefined || event.details['enc_algo'] !== undefined;
        if (!passthru || !(payload instanceof Uint8Array)) return undefined;
        return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      }
      case 'native':
        return this.#cached(uri, event, () => {
          const value: Record<string, unknown> = {};
          if (event.args.length > 0) value['args'] = event.args;
          if (Object.keys(event.kwargs).length > 0) value['kwargs'] = event.kwargs;
          try {
            return serialize(mapping.serializer, value);
          } catch (error) {
            throw new PayloadMappingError(`the event has no ${mapping.serializer} form`, { cause: error });
          }
        });
      case 'dynamic':
        return this.#cached(uri, event, () => this.#encodeDynamic(mapping, uri, topic, event));
    }
  }

  /** The payload of an event encoded once for every receiver (the router hands all of them the same args or kwargs). */
  #cached<T extends Buffer | Promise<Buffer | undefined>>(uri: string, event: EventPayload, encode: () => T): T {
    const key = event.args.length > 0 ? event.args : Object.keys(event.kwargs).length > 0 ? event.kwargs : undefined;
    if (key === undefined) return encode();
    const cached = this.#encoded.get(key);
    if (cached !== undefined && cached.uri === uri) return cached.payload as T;
    const payload = encode();
    this.#encoded.set(key, { uri, payload });
    return payload;
  }

  async #encodeDynamic(
    mapping: Extract<PayloadMappingConfig, { type: 'dynamic' }>,
    uri: string,
    topic: string,
    event: EventPayload,
  ): Promise<Buffer | undefined> {
    const session = await this.#codecs(mapping.realm ?? this.#realm);
    let result: Awaited<ReturnType<Session['call']>>;
    try {
      result = await session.call(mapping.encoder, [topic, uri, event.args, event.kwargs]);
    } catch (error) {
      throw new PayloadMappingError(`the encoder ${mapping.encoder} failed`, { cause: error });
    }
    const payload = result.args[0];
    if (payload instanceof Uint8Array) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
    throw new PayloadMappingError(`the encoder ${mapping.encoder} returned no bytes`);
  }
}

/** The realms a transport's dynamic mappings call codecs in (they need the `trusted` role the bridge calls with). */
export function codecRealmsOf(options: {
  realm: string;
  payload_mapping?: Record<string, PayloadMappingConfig> | undefined;
}): string[] {
  return Object.values(options.payload_mapping ?? {}).flatMap((mapping) =>
    mapping.type === 'dynamic' ? [mapping.realm ?? options.realm] : [],
  );
}
