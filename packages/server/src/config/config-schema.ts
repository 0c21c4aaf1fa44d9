/**
 * The node config: Crossbar.io's node configuration version 2, as far as Interchange implements
 * it today. A Crossbar config within that subset starts Interchange unchanged (docs/architecture.md, "Wire
 * and compatibility contracts"); keys and `type`s outside it are reported by `interchange check`
 * with their key path instead of being ignored.
 *
 * To add a feature, add its schema to the variant map that holds its siblings
 * ({@link transportVariants}, {@link webPathVariants}, {@link authMethodShape},
 * {@link workerVariants}); the rest of the schema does not change.
 */
import { isValidUri } from '@interchange/protocol';
import { z } from 'zod';
import { authorizerSchema } from './auth-functions.js';
import { type ClusterConfig, clusterSchema } from './cluster-schema.js';
import {
  type ClassComponentConfig,
  classComponentSchema,
  containerWorkerSchema,
  guestWorkerSchema,
} from './component-schema.js';
import { type ShutdownTrigger, shutdownSchema } from './controller-schema.js';
import { dialectSchema } from './dialect-schema.js';
import { endpointSchema } from './endpoint-schema.js';
import { type MqttTransportConfig, mqttTransportSchema, universalMqttSchema } from './mqtt-schema.js';
import {
  authSchema,
  ipNetwork,
  SERIALIZER_NAMES,
  serializersSchema,
  webSocketPathSchema,
  webSocketShape,
} from './path-schema.js';
import { realmLimitsSchema } from './realm-limits-schema.js';
import { rlinkSchema } from './rlink-schema.js';
import {
  anyString,
  boolean,
  integer,
  isPlainObject,
  keyedBy,
  list,
  nonEmptyString,
  oneOf,
  type Schema,
  section,
  tagged,
  value,
} from './schema-builders.js';
import { sessionStatsSchema } from './session-stats-schema.js';
import { storeKeysOfType } from './store-keys.js';
import { isPathKey, PATH_KEY_EXPECTED, webPathsSchema } from './web-paths-schema.js';
import { checkRawSocketService, checkWebSocketService, rawSocketOptionsSchema } from './websocket-options.js';
import { CONNECTIONS_REFUSED, refusedKey, routerWorkerOptionsSchema } from './worker-options-schema.js';

export * from './cluster-schema.js';
export * from './component-schema.js';
export * from './controller-schema.js';
export * from './endpoint-schema.js';
export * from './mqtt-schema.js';
export * from './path-schema.js';
export * from './path-services-schema.js';
export { type NestedPathConfig, type WebPathConfig, webPathsSchema } from './web-paths-schema.js';
export * from './websocket-options.js';

/** A WAMP URI in loose form (spec: basic profile "Relaxed/Loose URIs"), as realm names are. */
const LOOSE_URI = /^([^\s.#]+\.)*[^\s.#]+$/;

/** A map with at least one entry. */
function nonEmptyMap(paths: unknown, ctx: z.RefinementCtx): void {
  if (isPlainObject(paths) && Object.keys(paths).length === 0) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected at least one path' });
  }
}

/** A plain WebSocket listener (accepts the upgrade on any path). */
export const webSocketTransportSchema = section({
  ...webSocketShape,
  id: nonEmptyString().optional(),
  endpoint: endpointSchema,
}).superRefine(checkWebSocketService);

/** Options of a web transport. */
const webOptionsSchema = section({
  /** Logs each HTTP request at info level. */
  access_log: boolean().optional(),
  /** Interchange's addition: milliseconds a client has to send a request's headers (default 30000). */
  http_headers_timeout: integer(1, 2 ** 31 - 1).optional(),
  /** Interchange's addition: milliseconds a client has to send a whole request, body included (default 300000). */
  http_request_timeout: integer(1, 2 ** 31 - 1).optional(),
  /**
   * Interchange's addition: addresses and networks of the reverse proxies in front of this
   * transport; only requests from them have their client address read from `Forwarded` or
   * `X-Forwarded-For` (web/trusted-proxies.ts).
   */
  trusted_proxies: list(ipNetwork()).optional(),
});

/** An HTTP listener serving `paths`, WebSocket paths included. */
export const webTransportSchema = section({
  type: oneOf(['web']),
  id: nonEmptyString().optional(),
  endpoint: endpointSchema,
  paths: webPathsSchema,
  options: webOptionsSchema.optional(),
});

/** One serializer by name (`serializer` of a rawsocket transport). */
const rawSocketSerializerSchema = oneOf(SERIALIZER_NAMES, {
  unsupported: ['flatbuffers'],
  what: 'serializer',
});

/** The RawSocket settings, shared by `rawsocket` transports and the `rawsocket` part of `universal`. */
const rawSocketShape = {
  /** Serializers accepted; all of json, msgpack and cbor when omitted. */
  serializers: serializersSchema.optional(),
  /** One serializer (the older Crossbar spelling of `serializers: [name]`). */
  serializer: rawSocketSerializerSchema.optional(),
  /** Crossbar's place for `max_message_size` (see `websocket-options.ts`). */
  options: rawSocketOptionsSchema.optional(),
  /** Largest message accepted in bytes, as `options.max_message_size` (Interchange's older place). */
  max_message_size: integer(1, 64 * 1024 * 1024).optional(),
  auth: authSchema.optional(),
  /** Logs this transport's connections at debug level, whatever the node's log level. */
  debug: boolean().optional(),
};

/** The RawSocket part of a universal transport. */
const rawSocketPartSchema = section(rawSocketShape).superRefine(checkRawSocketService);

/** A WAMP-over-RawSocket listener on TCP (optionally TLS) or a Unix socket. */
export const rawSocketTransportSchema = section({
  type: oneOf(['rawsocket']),
  id: nonEmptyString().optional(),
  endpoint: endpointSchema,
  ...rawSocketShape,
}).superRefine(checkRawSocketService);

/**
 * RawSocket, WebSocket and HTTP on one port, told apart by the first octet (0x7F: RawSocket) and,
 * for HTTP, by the upgrade request's path (Crossbar's `universal`).
 */
export const universalTransportSchema = section({
  type: oneOf(['universal']),
  id: nonEmptyString().optional(),
  endpoint: endpointSchema,
  rawsocket: rawSocketPartSchema.optional(),
  /** WebSocket services by path. */
  websocket: keyedBy(PATH_KEY_EXPECTED, isPathKey, webSocketPathSchema).superRefine(nonEmptyMap).optional(),
  web: section({ paths: webPathsSchema, options: webOptionsSchema.optional() }).optional(),
  /** MQTT clients, told apart by their first octet (a CONNECT packet); see docs/mqtt.md. */
  mqtt: universalMqttSchema.optional(),
});

/** Listening transports, by `type`. */
export const transportVariants = {
  websocket: webSocketTransportSchema,
  web: webTransportSchema,
  rawsocket: rawSocketTransportSchema,
  universal: universalTransportSchema,
  mqtt: mqttTransportSchema,
};

/** A static permission of a role (same shape as the router's `PermissionConfig`). */
export const permissionSchema = section({
  uri: anyString(),
  match: oneOf(['exact', 'prefix', 'wildcard']).optional(),
  allow: section({
    call: boolean().optional(),
    register: boolean().optional(),
    publish: boolean().optional(),
    subscribe: boolean().optional(),
  }).default({}),
  disclose: section({ caller: boolean().optional(), publisher: boolean().optional() }).optional(),
  cache: boolean().optional(),
});

/**
 * A role of a realm: static `permissions`, or (Crossbar's dynamic roles) an `authorizer`
 * procedure called as `authorizer(session, uri, action, options)` for each request, or neither:
 * then `allow-by-default` decides every request (Crossbar's plain role; default false).
 */
export const roleSchema = section({
  name: nonEmptyString(),
  permissions: list(permissionSchema).optional(),
  /** A procedure URI, or a `function` block (a JS module's factory; see auth-functions.ts). */
  authorizer: authorizerSchema(
    value<string>('a procedure URI such as "com.example.authorize"', (v) => typeof v === 'string' && LOOSE_URI.test(v)),
  ).optional(),
  'allow-by-default': boolean().optional(),
}).superRefine((role, ctx) => {
  if (role.authorizer !== undefined && (role.permissions ?? []).length > 0) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['authorizer'],
      message: 'a role has either permissions or an authorizer, not both',
    });
  }
});

/**
 * Crossbar's realm `store` block: which topics keep an event history (advanced profile "Event
 * History"), read with `wamp.subscription.get_events`. `memory` keeps it in the process;
 * `lmdb` also writes it and the retained events to an LMDB file under `path` (relative to the node directory), at most `maxsize` bytes
 * (Crossbar's bounds: 128 KiB to 128 GiB, default 128 MiB); `sync: false` acknowledges once
 * a write is committed instead of flushed (survives a killed process, not a crashed machine);
 * see docs/durability.md.
 */
export const storeSchema = section({
  type: oneOf(['memory', 'lmdb']),
  path: nonEmptyString().optional(),
  maxsize: integer(128 * 1024, 128 * 2 ** 30).optional(),
  sync: boolean().optional(),
  limit: integer(1, 1_000_000).optional(),
  'event-history': list(
    section({
      uri: nonEmptyString(),
      match: oneOf(['exact', 'prefix', 'wildcard']).optional(),
      limit: integer(1, 1_000_000).optional(),
    }),
  ).optional(),
  /** Crossbar's call queues (router dealer/call-queues.ts): calls wait while every callee is busy; entries set per-registration limits. */
  'call-queue': list(
    section({
      uri: nonEmptyString(),
      match: oneOf(['exact', 'prefix', 'wildcard']).optional(),
      limit: integer(1, 1_000_000).optional(),
    }).superRefine((entry, ctx) => {
      // Checked here too, so that `check` reports it rather than the router at start.
      if (!isValidUri(entry.uri, { match: entry.match ?? 'exact' }))
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['uri'],
          message: `not a valid ${entry.match ?? 'exact'} procedure URI`,
        });
    }),
  ).optional(),
}).superRefine(storeKeysOfType);

/** A realm of a router worker. */
export const realmSchema = section({
  name: value<string>('a realm name (a WAMP URI such as "realm1")', (v) => typeof v === 'string' && LOOSE_URI.test(v)),
  id: nonEmptyString().optional(),
  /**
   * Without `roles`, sessions may do everything (the router's rule); with `roles`, a session's
   * authrole must be one of them and its actions are checked against that role.
   */
  roles: list(roleSchema).optional(),
  store: storeSchema.optional(),
  /** Interchange's addition: where the spec and Crossbar differ, which side (dialect-schema.ts). */
  dialect: dialectSchema.optional(),
  /** Interchange's addition: bounds on what sessions make the realm hold (realm-limits-schema.ts). */
  limits: realmLimitsSchema.optional(),
  /** Crossbar's router-to-router links of the realm (rlink-schema.ts, src/rlinks/). */
  rlinks: list(rlinkSchema).optional(),
  /** Crossbar's session statistics (session-stats-schema.ts). */
  stats: sessionStatsSchema.optional(),
});

/** Any listening transport of a router worker. */
export type TransportConfig =
  | WebSocketTransportConfig
  | WebTransportConfig
  | RawSocketTransportConfig
  | UniversalTransportConfig
  | MqttTransportConfig;

/** A validated router worker. */
export interface RouterWorkerConfig {
  type: 'router';
  id?: string | undefined;
  options?: z.output<typeof routerWorkerOptionsSchema> | undefined;
  /** Always refused (worker-options-schema.ts); never present in a valid config. */
  connections?: undefined;
  realms: RealmConfigEntry[];
  transports: TransportConfig[];
  components: ClassComponentConfig[];
}

/**
 * A router worker: realms, listening transports and hosted components. Typed by its interface:
 * the inferred type of the whole schema is too large for the compiler to write into a
 * declaration file.
 */
export const routerWorkerSchema: z.ZodType<RouterWorkerConfig, z.ZodTypeDef, unknown> = section({
  type: oneOf(['router']),
  id: nonEmptyString().optional(),
  options: routerWorkerOptionsSchema.optional(),
  connections: refusedKey(CONNECTIONS_REFUSED).optional(),
  realms: list(realmSchema).default([]),
  transports: list(
    tagged('transport type', transportVariants, ['flashpolicy', 'websocket.testee', 'stream.testee']),
  ).default([]),
  components: list(tagged('component type', { class: classComponentSchema }, ['function', 'wamplet'])).default([]),
});

/** Worker kinds, by `type`. */
export const workerVariants = {
  router: routerWorkerSchema,
  container: containerWorkerSchema,
  guest: guestWorkerSchema,
};

/** A validated node config. */
export interface NodeConfig {
  $schema?: string | undefined;
  version: 2;
  controller?:
    | {
        id?: string | undefined;
        options?: { title?: string | undefined; shutdown?: ShutdownTrigger[] | undefined } | undefined;
      }
    | undefined;
  workers: WorkerConfig[];
  /** Interchange's addition: join other nodes through NATS (see cluster-schema.ts). */
  cluster?: ClusterConfig | undefined;
}

/** Any worker of a {@link NodeConfig}. */
export type WorkerConfig =
  | RouterWorkerConfig
  | z.output<typeof containerWorkerSchema>
  | z.output<typeof guestWorkerSchema>;

/** The whole node config file. */
export const nodeConfigSchema: Schema<NodeConfig> = section({
  /** JSON-schema reference some editors add; not a setting. */
  $schema: anyString().optional(),
  version: value<2>('2 (Crossbar node config version 2)', (v) => v === 2),
  controller: section({
    id: nonEmptyString().optional(),
    options: section({ title: anyString().optional(), shutdown: shutdownSchema.optional() }).optional(),
  }).optional(),
  workers: list(tagged('worker type', workerVariants, ['proxy', 'websocket-testee', 'marketmaker'])).default([]),
  cluster: clusterSchema.optional(),
});

/** A plain WebSocket transport. */
export type WebSocketTransportConfig = z.output<typeof webSocketTransportSchema>;
/** A web transport. */
export type WebTransportConfig = z.output<typeof webTransportSchema>;
/** A RawSocket transport. */
export type RawSocketTransportConfig = z.output<typeof rawSocketTransportSchema>;
/** The RawSocket settings of a rawsocket or universal transport. */
export type RawSocketConfig = z.output<typeof rawSocketPartSchema>;
/** A universal transport. */
export type UniversalTransportConfig = z.output<typeof universalTransportSchema>;
/** A listening endpoint (TCP or Unix). */
export type EndpointConfig = TransportConfig['endpoint'];
/** A realm. */
export type RealmConfigEntry = z.output<typeof realmSchema>;
