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
import {
  anyString,
  boolean,
  integer,
  isPlainObject,
  keyedBy,
  list,
  nonEmptyString,
  oneOf,
  section,
  tagged,
  value,
} from './schema-builders.js';

/** The serializers a transport may offer, by Crossbar's names. */
export const SERIALIZER_NAMES = ['json', 'msgpack', 'cbor'] as const;
/** One of {@link SERIALIZER_NAMES}. */
export type ConfigSerializerName = (typeof SERIALIZER_NAMES)[number];

/** Crossbar serializers Interchange does not speak. */
const CROSSBAR_ONLY_SERIALIZERS = ['ubjson', 'flatbuffers'];

/** A WAMP URI in loose form (spec: basic profile "Relaxed/Loose URIs"), as realm names are. */
const LOOSE_URI = /^([^\s.#]+\.)*[^\s.#]+$/;

/** A serializer list; a Crossbar-only serializer is reported as unsupported rather than invalid. */
const serializers = list(oneOf(SERIALIZER_NAMES, { unsupported: CROSSBAR_ONLY_SERIALIZERS, what: 'serializer' }), {
  nonEmpty: true,
});

/** A TCP listening endpoint. Crossbar's `tls`, `shared` and `unix` endpoints are not implemented. */
export const tcpEndpointSchema = section({
  type: oneOf(['tcp']),
  /** 0 asks the OS for a free port (tests). */
  port: integer(0, 65535),
  /** The address to bind; all interfaces when omitted. */
  interface: nonEmptyString().optional(),
  /** 4 binds IPv4 only (`0.0.0.0`), 6 binds `::`; without it Node's dual-stack default. */
  version: oneOf([4, 6]).optional(),
  backlog: integer(1, 65535).optional(),
});

/** Endpoint variants by `type`. */
export const endpointSchema = tagged('endpoint type', { tcp: tcpEndpointSchema }, ['unix', 'twisted']);

/** Auth methods of a WebSocket transport, by name. Only `anonymous` is implemented today. */
export const authMethodShape = {
  anonymous: section({
    type: oneOf(['static'], { unsupported: ['dynamic'], what: 'anonymous auth type' }),
    /** The `authrole` anonymous sessions get. */
    role: nonEmptyString().default('anonymous'),
  }).optional(),
};

/** `auth` of a WebSocket transport or path. Without it, anonymous access with role `anonymous`. */
export const authSchema = section(authMethodShape).superRefine((auth, ctx) => {
  if (Object.values(auth).every((method) => method === undefined)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected at least one auth method (supported: anonymous)' });
  }
});

/** WebSocket options (Crossbar `options` of a websocket transport). */
export const webSocketOptionsSchema = section({
  /** Largest message accepted, in bytes; larger ones get ABORT `wamp.error.protocol_violation`. */
  max_message_size: integer(1, 2 ** 31 - 1).optional(),
  /** Milliseconds between pings the router sends; 0 or absent disables pings. */
  auto_ping_interval: integer(0).optional(),
  /** Milliseconds to wait for the pong before dropping the connection. */
  auto_ping_timeout: integer(1).optional(),
  /** Origins allowed to open a connection; `*` matches any run of characters. */
  allowed_origins: list(anyString()).optional(),
});

const webSocketShape = {
  type: oneOf(['websocket']),
  /** Serializers offered; all of {@link SERIALIZER_NAMES} when omitted. */
  serializers: serializers.optional(),
  options: webSocketOptionsSchema.optional(),
  auth: authSchema.optional(),
};

/** A WebSocket path of a web transport. */
export const webSocketPathSchema = section(webSocketShape);

/** Options of a static path. */
export const staticOptionsSchema = section({
  /** Lists a directory that has no `index.html`. */
  enable_directory_listing: boolean().optional(),
  /** Extra content types by file extension, e.g. `{ ".md": "text/markdown" }`. */
  mime_types: z.record(z.string(), nonEmptyString()).optional(),
  /** Seconds browsers may cache files (`Cache-Control: max-age`). */
  cache_timeout: integer(0).optional(),
});

/** A static file path of a web transport. */
export const staticPathSchema = section({
  type: oneOf(['static']),
  /** Served directory, relative to the config file's directory. */
  directory: nonEmptyString(),
  options: staticOptionsSchema.optional(),
});

/** Path services of a web transport, by `type`. */
export const webPathVariants = { static: staticPathSchema, websocket: webSocketPathSchema };

const CROSSBAR_ONLY_PATH_TYPES = [
  'wsgi',
  'redirect',
  'resource',
  'reverseproxy',
  'websocket-reverseproxy',
  'json',
  'cgi',
  'longpoll',
  'publisher',
  'caller',
  'webhook',
  'schemadoc',
  'path',
  'upload',
  'nodeinfo',
  'archive',
  'wap',
  'file',
];

/** A path key: `/` for the root, otherwise one URL path segment. */
const PATH_KEY = /^[A-Za-z0-9._~!$&'()*+,;=:@-]+$/;

/** The services of a web transport, by path segment. */
export const webPathsSchema = keyedBy(
  'a single path segment such as "ws", or "/"',
  (key) => key === '/' || (PATH_KEY.test(key) && key !== '.' && key !== '..'),
  tagged('path type', webPathVariants, CROSSBAR_ONLY_PATH_TYPES),
).superRefine((paths, ctx) => {
  if (isPlainObject(paths) && Object.keys(paths).length === 0) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected at least one path' });
  }
});

/** A plain WebSocket listener (accepts the upgrade on any path). */
export const webSocketTransportSchema = section({
  ...webSocketShape,
  id: nonEmptyString().optional(),
  endpoint: endpointSchema,
});

/** An HTTP listener serving `paths`, WebSocket paths included. */
export const webTransportSchema = section({
  type: oneOf(['web']),
  id: nonEmptyString().optional(),
  endpoint: endpointSchema,
  paths: webPathsSchema,
  options: section({
    /** Logs each HTTP request at info level. */
    access_log: boolean().optional(),
  }).optional(),
});

/** Listening transports, by `type`. */
export const transportVariants = { websocket: webSocketTransportSchema, web: webTransportSchema };

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

/** A role of a realm. Crossbar's dynamic `authorizer` is not implemented. */
export const roleSchema = section({
  name: nonEmptyString(),
  permissions: list(permissionSchema).default([]),
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
});

/** A component hosted in the router process. */
export const classComponentSchema = section({
  type: oneOf(['class']),
  id: nonEmptyString().optional(),
  /** Path of a JS module, relative to the config file's directory. */
  classname: nonEmptyString(),
  realm: nonEmptyString(),
  /** The component's `authrole`; without it, `trusted` (allowed everything). */
  role: nonEmptyString().optional(),
  /** Passed to the component as its second argument. */
  extra: z.unknown().optional(),
});

/** A router worker: realms, listening transports and hosted components. */
export const routerWorkerSchema = section({
  type: oneOf(['router']),
  id: nonEmptyString().optional(),
  options: section({ title: anyString().optional() }).optional(),
  realms: list(realmSchema).default([]),
  transports: list(tagged('transport type', transportVariants, ['rawsocket', 'universal', 'mqtt', 'flashpolicy', 'websocket.testee', 'stream.testee'])).default([]),
  components: list(tagged('component type', { class: classComponentSchema }, ['function', 'wamplet'])).default([]),
});

/** Worker kinds, by `type`. */
export const workerVariants = { router: routerWorkerSchema };

/** The whole node config file. */
export const nodeConfigSchema = section({
  /** JSON-schema reference some editors add; not a setting. */
  $schema: anyString().optional(),
  version: value<2>('2 (Crossbar node config version 2)', (v) => v === 2),
  controller: section({
    id: nonEmptyString().optional(),
    options: section({ title: anyString().optional() }).optional(),
  }).optional(),
  workers: list(tagged('worker type', workerVariants, ['container', 'guest', 'proxy', 'websocket-testee', 'marketmaker'])).default(
    [],
  ),
});

/** A validated node config. */
export type NodeConfig = z.output<typeof nodeConfigSchema>;
/** A router worker of a {@link NodeConfig}. */
export type RouterWorkerConfig = z.output<typeof routerWorkerSchema>;
/** A listening transport of a router worker. */
export type TransportConfig = RouterWorkerConfig['transports'][number];
/** A plain WebSocket transport. */
export type WebSocketTransportConfig = z.output<typeof webSocketTransportSchema>;
/** A web transport. */
export type WebTransportConfig = z.output<typeof webTransportSchema>;
/** A path service of a web transport. */
export type WebPathConfig = WebTransportConfig['paths'][string];
/** A static path. */
export type StaticPathConfig = z.output<typeof staticPathSchema>;
/** A WebSocket path (or the WebSocket part of a websocket transport). */
export type WebSocketPathConfig = z.output<typeof webSocketPathSchema>;
/** WebSocket options. */
export type WebSocketOptionsConfig = z.output<typeof webSocketOptionsSchema>;
/** A TCP endpoint. */
export type EndpointConfig = z.output<typeof tcpEndpointSchema>;
/** A realm. */
export type RealmConfigEntry = z.output<typeof realmSchema>;
/** A hosted class component. */
export type ClassComponentConfig = z.output<typeof classComponentSchema>;
