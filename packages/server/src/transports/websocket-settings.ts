/**
 * The runtime settings of a WebSocket service, from its config (config/websocket-options.ts):
 * each of Crossbar's WebSocket options with Crossbar's default where the config is silent, in the
 * form the handshake, the wire and the connection use. Options that are off cost nothing per
 * message: limits that are off are `Infinity`, timers that are off are `0`.
 */
import { readFileSync } from 'node:fs';
import type { SerializerName } from '@interchange/protocol';
import type { PerMessageDeflateOptions } from 'ws';
import type { WebSocketPathConfig } from '../config/config-schema.js';
import { DEFAULT_SERIALIZERS } from './websocket-negotiation.js';

/**
 * Largest WebSocket message accepted when the config sets no `max_message_size`: 1 MiB.
 * Crossbar leaves it unlimited by default; a bound keeps one peer from making the router buffer
 * arbitrarily large frames.
 */
export const DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024;

/**
 * The reader's hard limit is this many times `max_message_size`: a message between the two is
 * read, then answered with ABORT `wamp.error.protocol_violation` (a WAMP-level error the client
 * can report); beyond it the reader stops and closes with 1009 (message too big).
 */
export const HARD_LIMIT_FACTOR = 2;

/**
 * How long a closing handshake may take before the socket is dropped when the config sets no
 * `close_handshake_timeout` (or 0): ws's default. Crossbar waits without limit; a peer that never
 * answers must not hold a connection forever.
 */
export const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;

/** Bytes of an auto-ping payload when the config sets no `auto_ping_size` (Autobahn's default). */
export const DEFAULT_AUTO_PING_SIZE = 12;

/** Keep-alive pings (Crossbar's `auto_ping_*`). */
export interface PingSettings {
  intervalMs: number;
  /** 0: a missing pong never drops the connection. */
  timeoutMs: number;
  /** Payload bytes, 12..125. */
  size: number;
  /** Whether a message from the peer counts as the pong of a pending ping. */
  restartOnAnyTraffic: boolean;
}

/** What one WebSocket service does, decided once from its config. */
export interface WebSocketSettings {
  serializers: readonly SerializerName[];
  /** Largest message accepted; up to {@link HARD_LIMIT_FACTOR} times it, ABORT instead of 1009. */
  maxMessageSize: number;
  /** Largest frame accepted (`Infinity`: no limit of its own). */
  maxFrameSize: number;
  /** Outgoing messages with a larger payload are fragmented (`Infinity`: never). */
  fragmentSize: number;
  failByDrop: boolean;
  echoCloseCodeReason: boolean;
  /** 0: no timer of its own. */
  openHandshakeTimeoutMs: number;
  closeHandshakeTimeoutMs: number;
  ping: PingSettings | undefined;
  /** Origin test; undefined when every origin is allowed. */
  originAllowed: ((origin: string) => boolean) | undefined;
  allowNullOrigin: boolean;
  externalPort: number | undefined;
  webStatus: boolean;
  requireSubprotocol: boolean;
  /** `Interchange/<version>` when `show_server_version` is true. */
  serverHeader: string | undefined;
  tcpNoDelay: boolean;
  /** Accepted `Sec-WebSocket-Version` values. */
  versions: ReadonlySet<string>;
  /** ws's permessage-deflate settings, or false without `compression.deflate`. */
  deflate: PerMessageDeflateOptions | false;
  debug: boolean;
}

/**
 * The settings of a service. `allowed_origins` patterns use `*` for any run of characters and
 * are matched, case-insensitively, against the Origin as sent and against Autobahn's form of it
 * (`scheme://host:port`, the default port filled in), so patterns written for Crossbar match.
 */
export function webSocketSettingsOf(config: WebSocketPathConfig): WebSocketSettings {
  const o = config.options ?? {};
  const interval = o.auto_ping_interval ?? 0;
  const versions = new Set<string>();
  if (o.enable_rfc6455 !== false) versions.add('13');
  if (o.enable_hybi10 !== false) versions.add('8');
  return {
    serializers: config.serializers ?? DEFAULT_SERIALIZERS,
    maxMessageSize: o.max_message_size ?? DEFAULT_MAX_MESSAGE_SIZE,
    maxFrameSize: positiveOrInfinity(o.max_frame_size),
    fragmentSize: positiveOrInfinity(o.auto_fragment_size),
    failByDrop: o.fail_by_drop ?? false,
    echoCloseCodeReason: o.echo_close_codereason ?? false,
    openHandshakeTimeoutMs: o.open_handshake_timeout ?? 0,
    closeHandshakeTimeoutMs: o.close_handshake_timeout || DEFAULT_CLOSE_TIMEOUT_MS,
    ping:
      interval > 0
        ? {
            intervalMs: interval,
            timeoutMs: o.auto_ping_timeout ?? 0,
            size: o.auto_ping_size ?? DEFAULT_AUTO_PING_SIZE,
            restartOnAnyTraffic: o.auto_ping_restart_on_any_traffic ?? true,
          }
        : undefined,
    originAllowed: o.allowed_origins === undefined ? undefined : originMatcher(o.allowed_origins),
    allowNullOrigin: o.allow_null_origin ?? true,
    externalPort: o.external_port,
    webStatus: o.enable_webstatus ?? true,
    requireSubprotocol: o.require_websocket_subprotocol ?? true,
    serverHeader: o.show_server_version === true ? `Interchange/${serverVersion()}` : undefined,
    tcpNoDelay: o.tcp_nodelay ?? true,
    versions,
    deflate: deflateOptions(config),
    debug: config.debug ?? false,
  };
}

function positiveOrInfinity(value: number | undefined): number {
  return value === undefined || value === 0 ? Number.POSITIVE_INFINITY : value;
}

let version: string | undefined;

/** The server package's version, read once (src/ and dist/ both sit two levels below the root's package.json). */
function serverVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;
  return version;
}

/** Turns `allowed_origins` patterns (`*` wildcards) into a test. */
export function originMatcher(patterns: readonly string[]): (origin: string) => boolean {
  const regexes = patterns.map(
    (pattern) =>
      new RegExp(
        `^${pattern
          .split('*')
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
        'i',
      ),
  );
  return (origin) => {
    const normalized = autobahnOrigin(origin);
    return regexes.some((regex) => regex.test(origin) || (normalized !== undefined && regex.test(normalized)));
  };
}

/** `https://example.com` → `https://example.com:443`, as Autobahn matches origins; undefined if unparsable. */
function autobahnOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '';
    return `${url.protocol}//${url.hostname}${port === '' ? '' : `:${port}`}`;
  } catch {
    return undefined;
  }
}

/** Whether an Origin header is the null origin: `null`, or a `file:` URL as some browsers send. */
export function isNullOrigin(origin: string): boolean {
  const value = origin.trim().toLowerCase();
  return value === 'null' || value.startsWith('file:');
}

/**
 * The `ws` permessage-deflate settings of Crossbar's `compression.deflate` (RFC 7692), or false
 * when compression is not configured.
 */
export function deflateOptions(config: WebSocketPathConfig): PerMessageDeflateOptions | false {
  const deflate = config.options?.compression?.deflate;
  if (deflate === undefined) return false;
  const options: PerMessageDeflateOptions = {};
  if (deflate.no_context_takeover !== undefined) options.serverNoContextTakeover = deflate.no_context_takeover;
  if (deflate.request_no_context_takeover !== undefined)
    options.clientNoContextTakeover = deflate.request_no_context_takeover;
  if (deflate.max_window_bits !== undefined) options.serverMaxWindowBits = deflate.max_window_bits;
  if (deflate.request_max_window_bits !== undefined) options.clientMaxWindowBits = deflate.request_max_window_bits;
  if (deflate.memory_level !== undefined) options.zlibDeflateOptions = { memLevel: deflate.memory_level };
  if (deflate.threshold !== undefined) options.threshold = deflate.threshold;
  return options;
}
