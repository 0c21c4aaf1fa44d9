/**
 * The node config: Crossbar.io's node configuration version 2, as far as Interchange implements
 * it today. A Crossbar config within that subset starts Interchange unchanged (DESIGN.md, "Wire
 * and compatibility contracts"); keys and `type`s outside it are reported by `interchange check`
 * with their key path instead of being ignored.
 *
 * To add a feature, add its schema to the variant map that holds its siblings
 * ({@link transportVariants}, {@link webPathVariants}, {@link authMethodShape},
 * {@link workerVariants}); the rest of the schema does not change.
 */
import { z } from 'zod';
import { type ClusterConfig, clusterSchema } from './cluster-schema.js';
import { classComponentSchema, containerWorkerSchema, guestWorkerSchema } from './component-schema.js';
import { endpointSchema } from './endpoint-schema.js';
import {
  authSchema,
  CROSSBAR_ONLY_PATH_TYPES,
  serializersSchema,
  webPathVariants,
  webSocketPathSchema,
  webSocketShape,
} from './path-schema.js';
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

export * from './cluster-schema.js';
export * from './component-schema.js';
export * from './endpoint-schema.js';
export * from './path-schema.js';

/** A WAMP URI in loose form (spec: basic profile "Relaxed/Loose URIs"), as realm names are. */
const LOOSE_URI = /^([^\s.#]+\.)*[^\s.#]+$/;

/** A path key: `/` for the root, otherwise one URL path segment. */
const PATH_KEY = /^[A-Za-z0-9._~!$&'()*+,;=:@-]+$/;

/** Whether `key` can name a path of a web transport. */
function isPathKey(key: string): boolean {
  return key === '/' || (PATH_KEY.test(key) && key !== '.' && key !== '..');
}

const PATH_KEY_EXPECTED = 'a single path segment such as "ws", or "/"';

/** A map with at least one entry. */
function nonEmptyMap(paths: unknown, ctx: z.RefinementCtx): void {
  if (isPlainObject(paths) && Object.keys(paths).length === 0) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected at least one path' });
  }
}

/** The services of a web transport, by path segment. */
export const webPathsSchema = keyedBy(
  PATH_KEY_EXPECTED,
  isPathKey,
  tagged('path type', webPathVariants, CROSSBAR_ONLY_PATH_TYPES),
).superRefine(nonEmptyMap);

/** A plain WebSocket listener (accepts the upgrade on any path). */
export const webSocketTransportSchema = section({
  ...webSocketShape,
  id: nonEmptyString().optional(),
  endpoint: endpointSchema,
});

/** Options of a web transport. */
const webOptionsSchema = section({
  /** Logs each HTTP request at info level. */
  access_log: boolean().optional(),
});

/** An HTTP listener serving `paths`, WebSocket paths included. */
export const webTransportSchema = section({
  type: oneOf(['web']),
  id: nonEmptyString().optional(),
  endpoint: endpointSchema,
  paths: webPathsSchema,
  options: webOptionsSchema.optional(),
});

/** The RawSocket settings, shared by `rawsocket` transports and the `rawsocket` part of `universal`. */
const rawSocketShape = {
  /** Serializers accepted; all of json, msgpack and cbor when omitted. */
  serializers: serializersSchema.optional(),
  /** Largest message accepted in bytes, rounded up to a power of two 512..16M (Crossbar default 128 KiB). */
  max_message_size: integer(1, 64 * 1024 * 1024).optional(),
  auth: authSchema.optional(),
  debug: boolean().optional(),
};

/** A WAMP-over-RawSocket listener on TCP (optionally TLS) or a Unix socket. */
export const rawSocketTransportSchema = section({
  type: oneOf(['rawsocket']),
  id: nonEmptyString().optional(),
  endpoint: endpointSchema,
  ...rawSocketShape,
});

/**
 * RawSocket, WebSocket and HTTP on one port, told apart by the first octet (0x7F: RawSocket) and,
 * for HTTP, by the upgrade request's path (Crossbar's `universal`).
 */
export const universalTransportSchema = section({
  type: oneOf(['universal']),
  id: nonEmptyString().optional(),
  endpoint: endpointSchema,
  rawsocket: section(rawSocketShape).optional(),
  /** WebSocket services by path. */
  websocket: keyedBy(PATH_KEY_EXPECTED, isPathKey, webSocketPathSchema).superRefine(nonEmptyMap).optional(),
  web: section({ paths: webPathsSchema, options: webOptionsSchema.optional() }).optional(),
});

/** Listening transports, by `type`. */
export const transportVariants = {
  websocket: webSocketTransportSchema,
  web: webTransportSchema,
  rawsocket: rawSocketTransportSchema,
  universal: universalTransportSchema,
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
 * procedure called as `authorizer(session, uri, action, options)` for each request.
 */
export const roleSchema = section({
  name: nonEmptyString(),
  permissions: list(permissionSchema).default([]),
  authorizer: value<string>(
    'a procedure URI such as "com.example.authorize"',
    (v) => typeof v === 'string' && LOOSE_URI.test(v),
  ).optional(),
}).superRefine((role, ctx) => {
  if (role.authorizer !== undefined && role.permissions.length > 0) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['authorizer'],
      message: 'a role has either permissions or an authorizer, not both',
    });
  }
});

/**
 * Crossbar's realm `store` block: which topics keep an event history (advanced profile "Event
 * History"), read with `wamp.subscription.get_events`. Only the in-memory store exists.
 */
export const storeSchema = section({
  type: oneOf(['memory']),
  limit: integer(1, 1_000_000).optional(),
  'event-history': list(
    section({
      uri: nonEmptyString(),
      match: oneOf(['exact', 'prefix', 'wildcard']).optional(),
      limit: integer(1, 1_000_000).optional(),
    }),
  ).optional(),
});

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
});

/** A router worker: realms, listening transports and hosted components. */
export const routerWorkerSchema = section({
  type: oneOf(['router']),
  id: nonEmptyString().optional(),
  options: section({ title: anyString().optional() }).optional(),
  realms: list(realmSchema).default([]),
  transports: list(
    tagged('transport type', transportVariants, ['mqtt', 'flashpolicy', 'websocket.testee', 'stream.testee']),
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
  controller?: { id?: string | undefined; options?: { title?: string | undefined } | undefined } | undefined;
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
    options: section({ title: anyString().optional() }).optional(),
  }).optional(),
  workers: list(tagged('worker type', workerVariants, ['proxy', 'websocket-testee', 'marketmaker'])).default([]),
  cluster: clusterSchema.optional(),
});

/** A router worker of a {@link NodeConfig}. */
export type RouterWorkerConfig = z.output<typeof routerWorkerSchema>;
/** A listening transport of a router worker. */
export type TransportConfig = RouterWorkerConfig['transports'][number];
/** A plain WebSocket transport. */
export type WebSocketTransportConfig = z.output<typeof webSocketTransportSchema>;
/** A web transport. */
export type WebTransportConfig = z.output<typeof webTransportSchema>;
/** A RawSocket transport. */
export type RawSocketTransportConfig = z.output<typeof rawSocketTransportSchema>;
/** The RawSocket settings of a rawsocket or universal transport. */
export type RawSocketConfig = Omit<RawSocketTransportConfig, 'type' | 'id' | 'endpoint'>;
/** A universal transport. */
export type UniversalTransportConfig = z.output<typeof universalTransportSchema>;
/** A path service of a web transport. */
export type WebPathConfig = WebTransportConfig['paths'][string];
/** A listening endpoint (TCP or Unix). */
export type EndpointConfig = TransportConfig['endpoint'];
/** A realm. */
export type RealmConfigEntry = z.output<typeof realmSchema>;
