/**
 * Autobahn|JS's `transports` option: a list of `{ type, url, serializers, ... }` entries, and the
 * choice among them. `Connection` and `connect` both turn a list into one `TransportFactory`.
 *
 * How the choice works, and where it differs from Autobahn|JS:
 * - When the options are read, entries of an unknown type, and entries this runtime cannot open
 *   (`rawsocket` in a browser, `longpoll` without `fetch`), are skipped with a warning, as
 *   Autobahn|JS skips transports it cannot create. When none is left, `Connection` reports
 *   `onclose('unsupported')` and `connect` rejects with `TransportError`.
 * - Each connect attempt (the first and every retry) tries the remaining entries in order and
 *   uses the first that opens. Autobahn|JS moves on to the next entry only when creating a
 *   transport throws at once (no `WebSocket` in the runtime, a malformed URL); a WebSocket that
 *   is refused or cannot reach its router ends that attempt as `unreachable` and the next
 *   attempt starts over with the same WebSocket, so it never falls back to long-poll on a
 *   network that blocks WebSockets. We also move on when an entry fails to connect, which is
 *   what the fallback is for. An attempt fails only when every entry failed; it then counts as
 *   one failure for the retry schedule, and the next attempt starts again from the first entry.
 * - `rawsocket` and `longpoll` entries need their entry point loaded (transport-registry.ts);
 *   when it is not, they are skipped like entries this runtime cannot open.
 */
import { CanceledError, InvalidArgumentError, TransportError } from '@interchange/protocol';
import { type Logger, silentLogger } from './logger.js';
import type { RawSocketTlsOptions } from './rawsocket-target.js';
import { toSerializerChoice } from './serializer-offer.js';
import type { TransportFactory } from './transport.js';
import type { FetchLike } from './transport-longpoll.js';
import { notLoadedReason, type TransportEntryShared, transportPluginOf } from './transport-registry.js';
import { type WebSocketConstructor, webSocketTransportFactory } from './transport-websocket.js';

/** The transport types Interchange's client speaks. */
export const TRANSPORT_TYPES = ['websocket', 'rawsocket', 'longpoll'] as const;
/** One of {@link TRANSPORT_TYPES}. */
export type TransportType = (typeof TRANSPORT_TYPES)[number];

/**
 * One entry of the `transports` option, with Autobahn|JS's names. `url` defaults to the
 * connection's `url`, `serializers` and `protocols` to the connection's.
 */
export interface TransportConfig {
  /** `websocket`, `rawsocket` or `longpoll`; entries of other types are skipped. */
  type: string;
  /** `ws(s)://` for websocket, `rs(s)://`, `tcp://` or `unix://` for rawsocket, `http(s)://` for longpoll. */
  url?: string;
  /** Serializers: names, `Serializer`s or Autobahn serializer objects. */
  serializers?: readonly unknown[];
  /** Subprotocols, e.g. `['wamp.2.msgpack']`. */
  protocols?: readonly string[];
  /** rawsocket: TCP host and port instead of `url` (Autobahn|JS's options). */
  host?: string;
  port?: number;
  /** rawsocket: a Unix socket path instead of `url` (Autobahn|JS's option). */
  path?: string;
  /** rawsocket: the largest message accepted, in octets. */
  maxMessageSize?: number;
  /** rawsocket: the same as Autobahn|JS's exponent of two (9 to 24). */
  rawsocket_max_len_exp?: number;
  /** rawsocket over `rss://`: TLS options. */
  tls?: RawSocketTlsOptions;
  /** longpoll: milliseconds any one request may take (Autobahn|JS's `request_timeout`). */
  request_timeout?: number;
}

/** What entries inherit, and the implementations to use (test doubles, `ws` in Node 20). */
export interface TransportDefaults {
  url?: string | undefined;
  serializers?: readonly unknown[] | undefined;
  protocols?: readonly string[] | undefined;
  tls?: RawSocketTlsOptions | undefined;
  WebSocket?: WebSocketConstructor | undefined;
  fetch?: FetchLike | undefined;
}

/** The outcome of {@link transportFactoryOf}: the factory, and the entries left out and why. */
export interface TransportChoice {
  /** Tries the usable entries in order; `undefined` when none is usable here. */
  factory: TransportFactory | undefined;
  skipped: Array<{ type: string; reason: string }>;
}

/**
 * The transport type a URL's scheme stands for: `ws:`/`wss:` WebSocket; `rs:`, `rss:`, `tcp:`,
 * `unix:` RawSocket; `http:`/`https:` long-poll.
 *
 * @example
 * transportTypeOfUrl('rss://router.example.com:9000'); // 'rawsocket'
 */
export function transportTypeOfUrl(url: string): TransportType | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'ws':
    case 'wss':
      return 'websocket';
    case 'rs':
    case 'rss':
    case 'tcp':
    case 'unix':
      return 'rawsocket';
    case 'http':
    case 'https':
      return 'longpoll';
    default:
      return undefined;
  }
}

/**
 * Turns a transport list into one factory that, on each attempt, tries the usable entries in
 * order and resolves with the first transport that opens (see the file comment for how this
 * compares with Autobahn|JS).
 *
 * @throws InvalidArgumentError for an entry with a bad URL or serializer.
 */
export function transportFactoryOf(
  entries: readonly TransportConfig[],
  defaults: TransportDefaults = {},
  logger: Logger = silentLogger,
): TransportChoice {
  if (!Array.isArray(entries)) throw new InvalidArgumentError('transports must be an array');
  const usable: Array<{ label: string; factory: TransportFactory }> = [];
  const skipped: Array<{ type: string; reason: string }> = [];
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null || typeof entry.type !== 'string') {
      throw new InvalidArgumentError('each transport needs a type (websocket, rawsocket or longpoll)');
    }
    const reason = unavailableReason(entry.type, defaults);
    if (reason !== undefined) {
      logger.warn({ type: entry.type, reason }, 'transport skipped');
      skipped.push({ type: entry.type, reason });
      continue;
    }
    usable.push(entryFactory(entry, defaults));
  }
  if (usable.length === 0) return { factory: undefined, skipped };
  if (usable.length === 1) return { factory: (usable[0] as { factory: TransportFactory }).factory, skipped };
  return { factory: firstThatOpens(usable, logger), skipped };
}

function unavailableReason(type: string, defaults: TransportDefaults): string | undefined {
  switch (type) {
    case 'websocket':
      return undefined;
    case 'rawsocket':
    case 'longpoll': {
      const plugin = transportPluginOf(type);
      return plugin === undefined ? notLoadedReason(type) : plugin.unavailableReason(defaults);
    }
    default:
      return `unknown transport type '${type}' (use websocket, rawsocket or longpoll)`;
  }
}

function entryFactory(
  entry: TransportConfig,
  defaults: TransportDefaults,
): { label: string; factory: TransportFactory } {
  const url = entry.url ?? defaults.url;
  const serializers = (entry.serializers ?? defaults.serializers)?.map(toSerializerChoice);
  const protocols = entry.protocols ?? defaults.protocols;
  const shared: TransportEntryShared = {
    url,
    ...(serializers === undefined ? {} : { serializers }),
    ...(protocols === undefined ? {} : { protocols }),
  };
  if (entry.type === 'rawsocket' || entry.type === 'longpoll') {
    // unavailableReason() has checked that the plugin is registered.
    const plugin = transportPluginOf(entry.type);
    if (plugin === undefined) throw new InvalidArgumentError(notLoadedReason(entry.type));
    return plugin.entryFactory(entry, defaults, shared);
  }
  if (url === undefined) throw new InvalidArgumentError('a websocket transport needs a url');
  const factory = webSocketTransportFactory({
    url,
    ...(serializers === undefined ? {} : { serializers }),
    ...(protocols === undefined ? {} : { protocols }),
    ...(defaults.WebSocket === undefined ? {} : { WebSocket: defaults.WebSocket }),
  });
  return { label: `websocket ${url}`, factory };
}

/** Tries each entry in order; the first that opens wins. */
function firstThatOpens(
  entries: ReadonlyArray<{ label: string; factory: TransportFactory }>,
  logger: Logger,
): TransportFactory {
  return async (signal) => {
    const errors: unknown[] = [];
    const failures: string[] = [];
    for (const { label, factory } of entries) {
      if (signal.aborted) throw new CanceledError('connecting canceled', { cause: signal.reason });
      try {
        return await factory(signal);
      } catch (error) {
        if (signal.aborted || error instanceof CanceledError) throw error;
        logger.debug({ err: error, transport: label }, 'transport did not open; trying the next');
        errors.push(error);
        failures.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    throw new TransportError(`no transport could connect (${failures.join('; ')})`, {
      cause: new AggregateError(errors, 'every transport failed'),
    });
  };
}
