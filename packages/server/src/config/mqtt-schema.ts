/**
 * Crossbar's `mqtt` transport (and the `mqtt` part of a `universal` transport): an MQTT broker
 * bridged into one realm (see docs/mqtt.md). The keys are Crossbar's (`realm`, `role`,
 * `payload_mapping`, `auth`); the `max_*` bounds and `session_expiry` are Interchange's additions.
 */
import { z } from 'zod';
import { endpointSchema } from './endpoint-schema.js';
import { authSchema } from './path-schema.js';
import { integer, nonEmptyString, oneOf, section, tagged, value } from './schema-builders.js';

/** A WAMP URI in loose form, as realm names are. */
const LOOSE_URI = /^([^\s.#]+\.)*[^\s.#]+$/;

/** `passthrough`: the MQTT payload travels as the one binary argument of a payload-passthru event (`ppt_scheme: mqtt`). */
const passthroughMappingSchema = section({ type: oneOf(['passthrough']) });

/** `native`: the MQTT payload is `{"args": [...], "kwargs": {...}}` in `serializer`. */
const nativeMappingSchema = section({
  type: oneOf(['native']),
  serializer: oneOf(['json', 'msgpack', 'cbor', 'ubjson'], { what: 'MQTT payload serializer' }),
});

/** `dynamic`: WAMP procedures (in `realm`, by default the transport's) convert each payload. */
const dynamicMappingSchema = section({
  type: oneOf(['dynamic']),
  realm: value<string>('a realm name', (v) => typeof v === 'string' && LOOSE_URI.test(v)).optional(),
  encoder: nonEmptyString(),
  decoder: nonEmptyString(),
});

/** One payload mapping, by `type`. */
export const payloadMappingSchema = tagged('MQTT payload mapping type', {
  passthrough: passthroughMappingSchema,
  native: nativeMappingSchema,
  dynamic: dynamicMappingSchema,
});

/** The `options` of an MQTT transport. */
export const mqttOptionsSchema = section({
  realm: value<string>('a realm name (a WAMP URI such as "realm1")', (v) => typeof v === 'string' && LOOSE_URI.test(v)),
  /** The role of MQTT clients when there is no `auth` block (Crossbar's `anonymous`). */
  role: nonEmptyString().optional(),
  /** Payload mappings by WAMP URI prefix; the longest prefix of a topic's URI decides. */
  payload_mapping: z.record(z.string(), payloadMappingSchema).optional(),
  auth: authSchema.optional(),
  /** Interchange's addition: the largest MQTT packet accepted and sent, in octets (default 1 MiB). */
  max_packet_size: integer(64, 256 * 1024 * 1024).optional(),
  /** Interchange's addition: QoS 1 messages sent to a client and not yet acknowledged (default 32). */
  max_inflight: integer(1, 65535).optional(),
  /** Interchange's addition: messages queued for a client (offline, or past `max_inflight`) before the oldest are dropped (default 1000). */
  max_queued: integer(0, 1_000_000).optional(),
  /** Interchange's addition: the longest a persistent session is kept while its client is away, in seconds (default 3600). */
  session_expiry: integer(0, 7 * 24 * 3600).optional(),
});

/** The `mqtt` part of a `universal` transport: the same options, on the universal port. */
export const universalMqttSchema = section({
  type: oneOf(['mqtt']).optional(),
  id: nonEmptyString().optional(),
  options: mqttOptionsSchema,
});

/** A listening MQTT transport (TCP or TLS endpoint). */
export const mqttTransportSchema = section({
  type: oneOf(['mqtt']),
  id: nonEmptyString().optional(),
  endpoint: endpointSchema,
  options: mqttOptionsSchema,
});

/** The validated `options` of an MQTT transport. */
export type MqttOptionsConfig = z.output<typeof mqttOptionsSchema>;
/** One validated payload mapping. */
export type PayloadMappingConfig = z.output<typeof payloadMappingSchema>;
/** A validated `mqtt` transport. */
export type MqttTransportConfig = z.output<typeof mqttTransportSchema>;
