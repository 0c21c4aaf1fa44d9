/**
 * Schemas of the web path services beyond files, WebSocket and the HTTP bridge: `json` (a fixed
 * JSON document), `archive` (files of a ZIP archive), `reverseproxy` (HTTP to a backend server),
 * `websocket-reverseproxy` (WebSocket to a backend WebSocket server) and `upload` (resumable.js
 * chunked uploads), `wsgi` and `resource` (Python code served from a child process), with
 * Crossbar's keys. Also the Crossbar path types that only make sense inside Crossbar's own Python
 * process, each refused with what to use instead.
 */
import { z } from 'zod';
import { connectingEndpointSchema } from './connecting-endpoint-schema.js';
import { allowedOriginsSchema } from './cors-schema.js';
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

/** A URL with one of `schemes` (`http:`, `ws:`...). */
function urlWith(schemes: readonly string[], expected: string): Schema<string> {
  return value<string>(expected, (v) => {
    if (typeof v !== 'string') return false;
    try {
      return schemes.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  });
}

/** Content types by file extension (`{".md": "text/markdown"}`), as static paths take them. */
const mimeTypes = () => z.record(z.string(), nonEmptyString());

/** A fixed JSON document (Crossbar's `json`): GET answers `value`, serialized once. */
export const jsonPathSchema = section({
  type: oneOf(['json']),
  /** Any JSON value. */
  value: value<unknown>('a JSON value', (v) => v !== undefined),
  options: section({
    /** Indents the document (3 spaces, as Crossbar). */
    prettify: boolean().optional(),
    /** Adds `Access-Control-Allow-Origin: *`, without credentials (default true, as Crossbar). */
    allow_cross_origin: boolean().optional(),
    /** Pages of these origins may read the value with credentials (CORS; Interchange addition). */
    allowed_origins: allowedOriginsSchema.optional(),
    /** `Cache-Control: no-store, no-cache, must-revalidate, max-age=0` (default false). */
    discourage_caching: boolean().optional(),
  }).optional(),
});

/** A SHA-256 fingerprint in hex. */
const sha256Hex = () =>
  value<string>('a SHA-256 hash (64 hex digits)', (v) => typeof v === 'string' && /^[0-9a-fA-F]{64}$/.test(v));

/** Static files served out of a ZIP archive (Crossbar's `archive`). */
export const archivePathSchema = section({
  type: oneOf(['archive']),
  /** The ZIP file, relative to the config file's directory. */
  archive: nonEmptyString(),
  /** Where the archive is downloaded from when the file is missing and `download` is true (http or https). */
  origin: urlWith(['http:', 'https:'], 'an http or https URL').optional(),
  /** Downloads a missing archive from `origin` at start (default false). */
  download: boolean().optional(),
  /** Keeps the contents of served files in memory (default false). */
  cache: boolean().optional(),
  /** The object served for a URL ending in `/` (e.g. `index.html`). */
  default_object: nonEmptyString().optional(),
  /** Prepended to the URL path to find the object in the archive (e.g. the archive's top folder). */
  object_prefix: nonEmptyString().optional(),
  /** Extra content types by extension. */
  mime_types: mimeTypes().optional(),
  /** The archive must match one of these SHA-256 fingerprints, or the node does not start. */
  hashes: list(sha256Hex()).optional(),
  options: section({
    /** The object served for any path that matches none (single-page apps). */
    default_file: nonEmptyString().optional(),
  }).optional(),
});

/** An HTTP reverse proxy (Crossbar's `reverseproxy`): requests below the path go to a backend server. */
export const reverseProxyPathSchema = section({
  type: oneOf(['reverseproxy']),
  /** The backend's host name or address. */
  host: nonEmptyString(),
  /** The backend's port (default 80). */
  port: integer(1, 65535).optional(),
  /** The backend path the request path is appended to (default none). */
  path: anyString().optional(),
  /** `X-Forwarded-Port` sent to the backend (default: the port the request came in on). */
  forwarded_port: integer(1, 65535).optional(),
  /** `X-Forwarded-Proto` sent to the backend (default: how the request came in). */
  forwarded_proto: oneOf(['http', 'https']).optional(),
});

/** A WebSocket reverse proxy (Crossbar's `websocket-reverseproxy`): each connection is relayed to `backend`. */
export const webSocketReverseProxyPathSchema = section({
  type: oneOf(['websocket-reverseproxy']),
  /** The public URL of the path; informational, as in Crossbar. */
  url: urlWith(['ws:', 'wss:'], 'a ws or wss URL').optional(),
  backend: section({
    type: oneOf(['websocket']),
    /** The address connected to. */
    endpoint: connectingEndpointSchema(1),
    /**
     * The WebSocket URL of the backend: its host is sent as `Host`, its path and query as the
     * request target. Whether TLS is used is the endpoint's `tls`, as in Crossbar.
     */
    url: urlWith(['ws:', 'wss:'], 'a ws or wss URL'),
  }),
});

/** Names of the form fields a resumable.js upload sends (Crossbar's `form_fields`). */
const formFieldsSchema = section({
  file_name: nonEmptyString(),
  mime_type: nonEmptyString(),
  total_size: nonEmptyString(),
  chunk_number: nonEmptyString(),
  chunk_size: nonEmptyString(),
  total_chunks: nonEmptyString(),
  /** The file part. */
  content: nonEmptyString(),
  /** The field holding the topic progress events are published to. */
  on_progress: nonEmptyString().optional(),
  /** The field holding the WAMP session ID that alone receives the progress events. */
  session: nonEmptyString().optional(),
  /** The field holding a JSON object passed on in each progress event. */
  chunk_extra: nonEmptyString().optional(),
  /** The field holding a JSON object passed on in the `finished` event. */
  finish_extra: nonEmptyString().optional(),
});

/** Chunked, resumable file uploads (Crossbar's `upload`, the resumable.js protocol). */
export const uploadPathSchema = section({
  type: oneOf(['upload']),
  /** The realm the service session publishing progress events joins. */
  realm: nonEmptyString(),
  /** The authrole of that session. */
  role: nonEmptyString(),
  /** Where complete files are put, relative to the config file's directory. */
  directory: nonEmptyString(),
  /** Where chunks of unfinished uploads are kept (default: a folder in the system's temp directory). */
  temp_directory: nonEmptyString().optional(),
  form_fields: formFieldsSchema,
  options: section({
    /** Largest file accepted, in bytes (default 10 MiB, as Crossbar). */
    max_file_size: integer(0).optional(),
    /** Allowed file name extensions, dot included (`[".csv", ".txt"]`); any when absent. */
    file_types: list(anyString()).optional(),
    /** Octal mode of complete files, e.g. `"0644"`. */
    file_permissions: value<string>(
      'an octal file mode such as "0644"',
      (v) => typeof v === 'string' && /^0?[0-7]{3}$/.test(v),
    ).optional(),
  }).optional(),
});

/** A Python name: dotted identifiers (`myapp`, `django_project.wsgi`). */
const pythonDottedName = (expected: string) =>
  value<string>(expected, (v) => typeof v === 'string' && /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(v));

/**
 * A WSGI application (Crossbar's `wsgi`), served from a Python child process of the node
 * (web/python-web-service.ts) on a thread pool of `minthreads` to `maxthreads` threads.
 */
export const wsgiPathSchema = section({
  type: oneOf(['wsgi']),
  /** The module of the application, found on the worker's `options.pythonpath`. */
  module: pythonDottedName('a Python module name such as "myapp" or "django_project.wsgi"'),
  /** The application object of the module. */
  object: value<string>('a Python identifier', (v) => typeof v === 'string' && /^[A-Za-z_]\w*$/.test(v)),
  /** Threads kept running for requests (default 0). */
  minthreads: integer(0, 1000).optional(),
  /** Requests served at once (default 20). */
  maxthreads: integer(1, 1000).optional(),
}).superRefine((config, ctx) => {
  if ((config.minthreads ?? 0) > (config.maxthreads ?? 20))
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['minthreads'],
      message: `minthreads (${config.minthreads}) must not exceed maxthreads (${config.maxthreads ?? 20})`,
    });
});

/** A Twisted Web resource (Crossbar's `resource`), made as `classname(extra)` in a Python child process. */
export const resourcePathSchema = section({
  type: oneOf(['resource']),
  /** `module.Class`, found on the worker's `options.pythonpath`. */
  classname: pythonDottedName('a Python class name such as "myresource.MyResource"').refine(
    (name) => name.includes('.'),
    'the class must be named with its module, e.g. "myresource.MyResource"',
  ),
  /** Handed to the class when it is made (default `{}`). */
  extra: z.unknown().optional(),
});

/**
 * Crossbar path types that need Crossbar's own Python process (its CGI runner, Autobahn's test
 * endpoint); each has an alternative that does the same from outside.
 */
export const REFUSED_PATH_TYPES: Readonly<Record<string, string>> = Object.freeze({
  cgi: 'CGI scripts are run by Twisted; run them under a CGI-capable HTTP server as a "guest" worker and mount it with a "reverseproxy" path',
  'websocket-testee':
    'the Autobahn testsuite echo endpoint is part of Autobahn|Python; run an echo server (such as the testsuite\'s own testee) as a "guest" worker and mount it with a "websocket-reverseproxy" path',
});

/** A json path. */
export type JsonPathConfig = z.output<typeof jsonPathSchema>;
/** An archive path. */
export type ArchivePathConfig = z.output<typeof archivePathSchema>;
/** A reverseproxy path. */
export type ReverseProxyPathConfig = z.output<typeof reverseProxyPathSchema>;
/** A websocket-reverseproxy path. */
export type WebSocketReverseProxyPathConfig = z.output<typeof webSocketReverseProxyPathSchema>;
/** A wsgi path. */
export type WsgiPathConfig = z.output<typeof wsgiPathSchema>;
/** A resource path. */
export type ResourcePathConfig = z.output<typeof resourcePathSchema>;
/** An upload path. */
export type UploadPathConfig = z.output<typeof uploadPathSchema>;
