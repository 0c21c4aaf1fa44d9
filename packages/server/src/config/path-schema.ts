/**
 * The path services of a web transport (Crossbar's "Web Services"), one schema per `type`, and
 * the WebSocket service settings shared by `websocket` transports and paths.
 */

import { z } from 'zod';
import { AUTH_METHOD_NAMES, type AuthConfig, authMethodSchemas } from './auth-schema.js';
import { cookieSchema } from './cookie-schema.js';
import { allowedOriginsSchema } from './cors-schema.js';
import {
  archivePathSchema,
  jsonPathSchema,
  resourcePathSchema,
  reverseProxyPathSchema,
  uploadPathSchema,
  webSocketReverseProxyPathSchema,
  wsgiPathSchema,
} from './path-services-schema.js';
import {
  anyString,
  boolean,
  integer,
  list,
  nonEmptyString,
  oneOf,
  type Schema,
  section,
  value,
} from './schema-builders.js';
import { ssePathSchema } from './sse-path-schema.js';
import { wapPathSchema } from './wap-path-schema.js';
import { checkWebSocketService, webSocketOptionsSchema } from './websocket-options.js';

/** The serializers a transport may offer, by Crossbar's names. */
export const SERIALIZER_NAMES = ['json', 'msgpack', 'cbor', 'ubjson'] as const;
/** One of {@link SERIALIZER_NAMES}. */
export type ConfigSerializerName = (typeof SERIALIZER_NAMES)[number];

/** Crossbar serializers Interchange does not speak. */
const CROSSBAR_ONLY_SERIALIZERS = ['flatbuffers'];

/** A serializer list; a Crossbar-only serializer is reported as unsupported rather than invalid. */
export const serializersSchema = list(
  oneOf(SERIALIZER_NAMES, {
    unsupported: CROSSBAR_ONLY_SERIALIZERS,
    what: 'serializer',
  }),
  {
    nonEmpty: true,
  },
);

/** Auth methods of a transport, by name (Crossbar's shapes; see `auth-schema.ts`). */
export const authMethodShape = authMethodSchemas;

/** `auth` of a transport or path. Without it, anonymous access with role `anonymous`. */
export const authSchema: Schema<AuthConfig> = section(authMethodShape).superRefine((auth, ctx) => {
  if (Object.values(auth).every((method) => method === undefined)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `expected at least one auth method (supported: ${AUTH_METHOD_NAMES.join(', ')})`,
    });
  }
});

export { deflateSchema, webSocketOptionsSchema } from './websocket-options.js';

/** The keys of a WebSocket service, shared by transports and paths. */
export const webSocketShape = {
  type: oneOf(['websocket']),
  /** The public URL clients use; informational, as in Crossbar. */
  url: nonEmptyString().optional(),
  /** Serializers offered; all of {@link SERIALIZER_NAMES} when omitted. */
  serializers: serializersSchema.optional(),
  options: webSocketOptionsSchema.optional(),
  auth: authSchema.optional(),
  /** Logs this service's connections at debug level, whatever the node's log level. */
  debug: boolean().optional(),
  /** Cookie tracking (Crossbar's `cookie` block); see cookie-schema.ts. */
  cookie: cookieSchema.optional(),
};

/** A WebSocket path of a web transport. */
export const webSocketPathSchema = section(webSocketShape).superRefine(checkWebSocketService);

/** Options of a static path. */
export const staticOptionsSchema = section({
  /** Lists a directory that has no index file. */
  enable_directory_listing: boolean().optional(),
  /** Extra content types by file extension, e.g. `{ ".md": "text/markdown" }`. */
  mime_types: z.record(z.string(), nonEmptyString()).optional(),
  /**
   * Seconds browsers may cache files (`Cache-Control: max-age`, `Expires`); `null` sends no caching
   * headers (as Crossbar); without it, `no-cache`.
   */
  cache_timeout: integer(0).nullable().optional(),
  /** A file (relative to `directory`) served for any path that matches no file: single-page apps. */
  default_file: nonEmptyString().optional(),
  /** Adds `Access-Control-Allow-Origin: *`, without credentials (web/cors-policy.ts); Crossbar's default is true. */
  allow_cross_origin: boolean().optional(),
  /** Pages of these origins may read the files with credentials (CORS; Interchange addition). */
  allowed_origins: allowedOriginsSchema.optional(),
  /** The file served for a directory URL (Interchange addition; default `index.html`). */
  index_file: nonEmptyString().optional(),
});

/** A static file path of a web transport. */
export const staticPathSchema = section({
  type: oneOf(['static']),
  /** Served directory, relative to the config file's directory. */
  directory: nonEmptyString(),
  options: staticOptionsSchema.optional(),
});

/** An HTTP redirect (Crossbar's `redirect`): relative, absolute or fully qualified URL. */
export const redirectPathSchema = section({
  type: oneOf(['redirect']),
  url: nonEmptyString(),
});

/** A node information page (Crossbar's `nodeinfo`): HTML, or JSON when asked for. */
export const nodeInfoPathSchema = section({ type: oneOf(['nodeinfo']) });

/** The node's Prometheus metrics (Interchange addition): `{"type": "metrics"}`, nothing else. */
export const metricsPathSchema = section({ type: oneOf(['metrics']) });

/** A live dashboard of one realm (Interchange addition), connecting through a WebSocket path of the node. */
export const dashboardPathSchema = section({
  type: oneOf(['dashboard']),
  /** The realm shown. */
  realm: nonEmptyString(),
  /** The URL path of the WebSocket service the page connects to, on the same host, e.g. `/ws`. */
  websocket: value<string>('a URL path such as "/ws"', (v) => typeof v === 'string' && /^\/[^?#\s]*$/.test(v)),
});

/** WAMP-over-Longpoll (Crossbar's `longpoll`). Times are seconds, as in Crossbar. */
export const longPollPathSchema = section({
  type: oneOf(['longpoll']),
  options: section({
    /** Seconds a receive request is held open without data; 0 holds it forever (default 10). */
    request_timeout: integer(0).optional(),
    /** Seconds without any request after which a transport is dropped; 0 never (default 30). */
    session_timeout: integer(0).optional(),
    /** Seconds from opening a transport to WELCOME, or it is dropped; 0 never (default 30; Interchange addition). */
    hello_timeout: integer(0, 2_000_000).optional(),
    /** Bytes queued for a client not polling before its transport is dropped; 0 no limit (default 131072). */
    queue_limit_bytes: integer(0).optional(),
    /** Messages queued for a client not polling before its transport is dropped; 0 no limit (default 100). */
    queue_limit_messages: integer(0).optional(),
    /**
     * Largest `send` body accepted, in bytes (a whole batch for `.batched`); a larger one gets ABORT
     * `wamp.error.protocol_violation` (Interchange addition; default 1 MiB, as WebSocket).
     */
    max_message_size: integer(1, 2 ** 31 - 1).optional(),
    /** Transports open at once on this path; `open` past it gets 503 (Interchange addition; default 10,000; 0: no bound). */
    max_transports: integer(0, 10_000_000).optional(),
    debug: boolean().optional(),
    /**
     * Pages of these other origins may use the transport, with credentials (CORS); pages of other
     * origins are refused with 403 (Interchange addition; default: the page's own origin only).
     */
    allowed_origins: allowedOriginsSchema.optional(),
    /** A fixed transport ID, for debugging with curl. */
    debug_transport_id: value<string>(
      'a transport id of letters, digits, "-" or "_"',
      (v) => typeof v === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(v),
    ).optional(),
  }).optional(),
  serializers: serializersSchema.optional(),
  auth: authSchema.optional(),
});

/** An IP address or network, `10.0.0.0/8` or `192.168.1.0/255.255.255.0`. */
export const ipNetwork = () =>
  value<string>(
    'an IP address or network such as "10.0.0.0/8"',
    (v) => typeof v === 'string' && /^[0-9A-Fa-f.:]+(\/[0-9.]+)?$/.test(v),
  );

/** Checks shared by the HTTP bridge services (Crossbar's `_CommonResource` options). */
const bridgeOptionShape = {
  debug: boolean().optional(),
  /** Largest request body in bytes; 0 is unlimited (default 0). */
  post_body_limit: integer(0, 2 ** 20).optional(),
  /** Only clients from these addresses or networks are served. */
  require_ip: list(ipNetwork()).optional(),
  /** Only requests over TLS are served. */
  require_tls: boolean().optional(),
  /** Pages of these other origins may send requests, with credentials (CORS); other origins get 403 (Interchange addition). */
  allowed_origins: allowedOriginsSchema.optional(),
};

/** `key` and `secret` of signed requests come as a pair. */
function keyAndSecret(options: { key?: string | undefined; secret?: string | undefined }, ctx: z.RefinementCtx): void {
  if ((options.key === undefined) !== (options.secret === undefined)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: [options.key === undefined ? 'key' : 'secret'],
      message: 'required: signed requests need both "key" and "secret"',
      params: { kind: 'invalid' },
    });
  }
}

/** Options of `publisher` and `caller` paths. */
export const bridgeOptionsSchema = section({
  ...bridgeOptionShape,
  /** The key of signed requests. */
  key: nonEmptyString().optional(),
  /** The secret of signed requests: with it, every request must be signed. */
  secret: nonEmptyString().optional(),
  /** Seconds a signed request's timestamp may differ from the node's clock; 0 any (default 300). */
  timestamp_delta_limit: integer(0, 86400).optional(),
}).superRefine(keyAndSecret);

const bridgeShape = {
  /** The realm the service's session joins. */
  realm: nonEmptyString(),
  /** The service session's authrole (default `anonymous`, as in Crossbar). */
  role: nonEmptyString().optional(),
};

/** HTTP POST → WAMP publish (Crossbar's `publisher`). */
export const publisherPathSchema = section({
  type: oneOf(['publisher']),
  ...bridgeShape,
  options: bridgeOptionsSchema.optional(),
});

/** HTTP POST → WAMP call (Crossbar's `caller`). */
export const callerPathSchema = section({
  type: oneOf(['caller']),
  ...bridgeShape,
  options: bridgeOptionsSchema.optional(),
});

/** Any HTTP POST → event `{headers, body}` on a topic (Crossbar's `webhook`). */
export const webhookPathSchema = section({
  type: oneOf(['webhook']),
  ...bridgeShape,
  options: section({
    ...bridgeOptionShape,
    /** The topic events are published to. */
    topic: nonEmptyString(),
    /** Body of the 202 answer (default `OK`). */
    success_response: anyString().optional(),
    /** Body of the 500 answer when publishing fails (default `NOT OK`). */
    error_response: anyString().optional(),
    /** Checks GitHub's `X-Hub-Signature-256` (or the older SHA-1 `X-Hub-Signature`) with this secret. */
    github_secret: nonEmptyString().optional(),
  }),
});

/** Path services of a web transport, by `type`. */
export const webPathVariants = {
  static: staticPathSchema,
  websocket: webSocketPathSchema,
  longpoll: longPollPathSchema,
  redirect: redirectPathSchema,
  nodeinfo: nodeInfoPathSchema,
  metrics: metricsPathSchema,
  dashboard: dashboardPathSchema,
  publisher: publisherPathSchema,
  caller: callerPathSchema,
  webhook: webhookPathSchema,
  json: jsonPathSchema,
  archive: archivePathSchema,
  reverseproxy: reverseProxyPathSchema,
  'websocket-reverseproxy': webSocketReverseProxyPathSchema,
  upload: uploadPathSchema,
  wsgi: wsgiPathSchema,
  resource: resourcePathSchema,
  sse: ssePathSchema,
  wap: wapPathSchema,
};

/**
 * Crossbar path types Interchange does not implement (the Python-only ones are refused with their
 * alternative in `path-services-schema.ts`; nested `path` is in `web-paths-schema.ts`).
 */
export const CROSSBAR_ONLY_PATH_TYPES = ['schemadoc', 'file', 'catalog'];

/** A static path. */
export type StaticPathConfig = z.output<typeof staticPathSchema>;
/** A WebSocket path (or the WebSocket part of a websocket transport). */
export type WebSocketPathConfig = z.output<typeof webSocketPathSchema>;
export type { WebSocketOptionsConfig } from './websocket-options.js';
/** A long-poll path. */
export type LongPollPathConfig = z.output<typeof longPollPathSchema>;
/** A publisher path. */
export type PublisherPathConfig = z.output<typeof publisherPathSchema>;
/** A caller path. */
export type CallerPathConfig = z.output<typeof callerPathSchema>;
/** A webhook path. */
export type WebhookPathConfig = z.output<typeof webhookPathSchema>;
/** Options of publisher and caller paths. */
export type BridgeOptionsConfig = z.output<typeof bridgeOptionsSchema>;
