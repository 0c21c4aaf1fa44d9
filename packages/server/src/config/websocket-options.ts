/**
 * The `options` of WebSocket services (a `websocket` transport, a `websocket` path of a web
 * transport, a `websocket` entry of a universal transport) and of RawSocket transports, by
 * Crossbar's names and with Crossbar's defaults: every option Crossbar accepts either has its
 * effect here (transports/websocket-settings.ts turns them into runtime settings) or is refused
 * by name with the reason. Times are milliseconds, as in Crossbar.
 */
import { z } from 'zod';
import { anyString, boolean, integer, list, oneOf, section } from './schema-builders.js';

const windowBits = () => integer(8, 15);

/** `permessage-deflate` settings (Crossbar's `compression.deflate`), all optional. */
export const deflateSchema = section({
  /** Ask the client not to keep its compression context between messages. */
  request_no_context_takeover: boolean().optional(),
  /** Ask the client to use at most this window size (bits). */
  request_max_window_bits: windowBits().optional(),
  /** Do not keep our compression context between messages. */
  no_context_takeover: boolean().optional(),
  /** Our window size (bits). */
  max_window_bits: windowBits().optional(),
  /** zlib memory level 1..9. */
  memory_level: integer(1, 9).optional(),
  /** Messages smaller than this many bytes are sent uncompressed (Interchange addition; default 1024). */
  threshold: integer(0).optional(),
});

/**
 * A boolean option of which only one value can exist here: the other is refused, as
 * unsupported, with `why`.
 */
function onlyValue(allowed: boolean, why: string) {
  return z.unknown().transform((v, ctx) => {
    if (v === allowed) return v as boolean;
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message:
        typeof v === 'boolean' ? `unsupported value ${v}: ${why}` : `expected ${allowed} (the only value: ${why})`,
      params: { kind: typeof v === 'boolean' ? 'unsupported' : 'invalid' },
    });
    return z.NEVER;
  });
}

/** A refused key: present with any value, it is reported as unsupported with `why`. */
function refused(why: string) {
  return z.unknown().transform((_v, ctx) => {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `unsupported key: ${why}`, params: { kind: 'unsupported' } });
    return z.NEVER;
  });
}

/** Milliseconds; 0 turns the timer off, as in Crossbar. */
const milliseconds = () => integer(0, 2 ** 31 - 1);

const NO_FLASH = 'Flash socket policy files served a browser plugin that no longer exists';

/** WebSocket options (Crossbar's `options` of a websocket transport or path). */
export const webSocketOptionsSchema = section({
  /**
   * Largest message accepted, in bytes (Crossbar: 1..64 MiB, default unlimited; here default
   * 1 MiB). Up to twice the limit, the session gets ABORT `wamp.error.protocol_violation`;
   * beyond it, the connection is closed with 1009.
   */
  max_message_size: integer(1, 2 ** 31 - 1).optional(),
  /** Largest frame accepted, in bytes; a larger one closes the connection with 1009. 0: no limit. */
  max_frame_size: integer(0, 2 ** 31 - 1).optional(),
  /** Outgoing messages larger than this are sent in fragments of at most this many bytes. 0: never. */
  auto_fragment_size: integer(0, 2 ** 31 - 1).optional(),
  /** When the connection must be failed (a protocol error), drop TCP instead of sending a close frame. */
  fail_by_drop: boolean().optional(),
  /** Answer a client's close frame with its code and reason (true) or with 1000 (false, the default). */
  echo_close_codereason: boolean().optional(),
  /** A connection that has not completed its opening handshake after this long is dropped. 0: no timer. */
  open_handshake_timeout: milliseconds().optional(),
  /** Interchange's addition: from handshake to WELCOME at most this long, or the connection is closed (default 30000; 0: no timer). */
  hello_timeout: milliseconds().optional(),
  /** After our close frame, the peer has this long to answer before the connection is dropped. */
  close_handshake_timeout: milliseconds().optional(),
  /** Milliseconds between pings the router sends; 0 or absent disables pings. */
  auto_ping_interval: milliseconds().optional(),
  /** Milliseconds to wait for the pong before dropping the connection; 0 or absent: never dropped. */
  auto_ping_timeout: milliseconds().optional(),
  /** Bytes of each ping's payload, 12..125 (default 12): a timestamp, a sequence number, random bytes. */
  auto_ping_size: integer(12, 125).optional(),
  /** Whether a message from the peer answers a pending ping as a pong would (default true). */
  auto_ping_restart_on_any_traffic: boolean().optional(),
  /** Origins allowed to open a connection; `*` matches any run of characters (default: all). */
  allowed_origins: list(anyString()).optional(),
  /** Whether browsers sending `Origin: null` (file:// pages, sandboxed frames) may connect (default true). */
  allow_null_origin: boolean().optional(),
  /** The port clients connect to (behind a proxy); a handshake whose Host names another port is refused. */
  external_port: integer(1, 65535).optional(),
  /** A plain GET of the WebSocket URL shows a status page (true, the default) or gets 426 (false). */
  enable_webstatus: boolean().optional(),
  /** Whether a client must name a WAMP subprotocol (default true); false assumes `wamp.2.json`. */
  require_websocket_subprotocol: boolean().optional(),
  /** The 101 answer (and the status page) names Interchange's version in a Server header (default false). */
  show_server_version: boolean().optional(),
  /** Disable Nagle's algorithm (default true). */
  tcp_nodelay: boolean().optional(),
  /** Accept clients of protocol version 8, the last draft (default true). */
  enable_hybi10: boolean().optional(),
  /** Accept clients of protocol version 13, RFC 6455 (default true). */
  enable_rfc6455: boolean().optional(),
  /** Invalid UTF-8 in a text frame is always refused: the JSON decoder reads UTF-8 strictly. */
  validate_utf8: boolean().optional(),
  /** Server frames are never masked (RFC 6455 section 5.1). */
  mask_server_frames: onlyValue(false, 'RFC 6455 section 5.1 forbids a server to mask its frames').optional(),
  /** Client frames must be masked (RFC 6455 section 5.1). */
  require_masked_client_frames: onlyValue(
    true,
    'RFC 6455 section 5.1 requires clients to mask their frames, and the router refuses unmasked ones',
  ).optional(),
  /** Masks are always applied. */
  apply_mask: onlyValue(
    true,
    'client frames are always unmasked; without it their payload would be garbage',
  ).optional(),
  enable_flash_policy: onlyValue(false, NO_FLASH).optional(),
  flash_policy: refused(NO_FLASH).optional(),
  /** WebSocket compression; only `deflate` (permessage-deflate) exists. */
  compression: section({ deflate: deflateSchema.optional() }).optional(),
  /** Bytes the node may hold for one slow receiver before `slow_consumer` applies (default 8 MiB). */
  outbound_limit: integer(1024).optional(),
  /** What happens to a receiver past its `outbound_limit`: `drop` its events, or `disconnect` it (default). */
  slow_consumer: oneOf(['drop', 'disconnect']).optional(),
}).superRefine((options, ctx) => {
  if (options.enable_hybi10 === false && options.enable_rfc6455 === false) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['enable_rfc6455'],
      message: 'with enable_hybi10 and enable_rfc6455 both false, no client could connect',
      params: { kind: 'invalid' },
    });
  }
});

/** RawSocket options (Crossbar's `options` of a rawsocket transport). */
export const rawSocketOptionsSchema = section({
  /**
   * Largest message accepted in bytes (Crossbar: 1..64 MiB, default 128 KiB), announced in the
   * handshake rounded up to a power of two 512..16 MiB, the most RawSocket can announce.
   */
  max_message_size: integer(1, 64 * 1024 * 1024).optional(),
  /** Interchange's addition, as on WebSocket: bytes the node may hold for one slow receiver (default 8 MiB). */
  outbound_limit: integer(1024).optional(),
  /** What happens to a receiver past its `outbound_limit`: `drop` its events, or `disconnect` it (default). */
  slow_consumer: oneOf(['drop', 'disconnect']).optional(),
  /** Interchange's addition: from handshake to WELCOME at most this long, or the connection is closed (default 30000; 0: no timer). */
  hello_timeout: milliseconds().optional(),
  /** Interchange's addition: milliseconds a client has to send its 4-octet handshake (default 10000). */
  handshake_timeout: integer(1, 2 ** 31 - 1).optional(),
});

/** WebSocket options, validated. */
export type WebSocketOptionsConfig = z.output<typeof webSocketOptionsSchema>;
/** RawSocket options, validated. */
export type RawSocketOptionsConfig = z.output<typeof rawSocketOptionsSchema>;

/**
 * Checks of a WebSocket service that span its keys: without a required subprotocol, a client
 * offering none speaks `wamp.2.json` (as in Crossbar), so JSON must be among the serializers.
 */
export function checkWebSocketService(
  service: { serializers?: readonly string[] | undefined; options?: WebSocketOptionsConfig | undefined },
  ctx: z.RefinementCtx,
): void {
  const serializers = service.serializers;
  if (
    service.options?.require_websocket_subprotocol === false &&
    serializers !== undefined &&
    !serializers.includes('json')
  ) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['options', 'require_websocket_subprotocol'],
      message: 'false needs "json" among the serializers: a client offering no subprotocol speaks wamp.2.json',
      params: { kind: 'invalid' },
    });
  }
}

/**
 * Checks of a RawSocket service: `serializer` and `serializers` say the same thing, and
 * `max_message_size` has two places (Crossbar's `options`, and Interchange's older top level).
 */
export function checkRawSocketService(
  service: {
    serializer?: string | undefined;
    serializers?: readonly string[] | undefined;
    max_message_size?: number | undefined;
    options?: RawSocketOptionsConfig | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (service.serializer !== undefined && service.serializers !== undefined) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['serializer'],
      message: 'give either "serializer" or "serializers", not both',
      params: { kind: 'invalid' },
    });
  }
  if (service.max_message_size !== undefined && service.options?.max_message_size !== undefined) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['max_message_size'],
      message: 'give max_message_size once, in "options" (Crossbar\'s place)',
      params: { kind: 'invalid' },
    });
  }
}
