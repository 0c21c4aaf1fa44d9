/**
 * Where a RawSocket client connects, and the byte stream it connects with. RawSocket runs over
 * any reliable byte stream (spec: advanced "RawSocket Transport"): TCP, TLS over TCP, or a Unix
 * domain socket. The URL forms are those of Autobahn|Python and Crossbar (`rs://host:port`,
 * `rss://host:port`, `rs://unix:/path`), plus `tcp://host:port` and the `unix:///path` form the
 * Interchange node reports for its Unix listeners.
 */
import { InvalidArgumentError } from '@interchange/protocol';

/** A TCP endpoint or a Unix socket path; `secure` means TLS. */
export type RawSocketTarget =
  | { kind: 'tcp'; host: string; port: number; secure: boolean }
  | { kind: 'unix'; path: string; secure: boolean };

/** PEM text or DER bytes, as `node:tls` takes them. */
export type TlsMaterial = string | Uint8Array;

/**
 * TLS options of an `rss://` connection: the subset of `node:tls`'s `connect` options that a
 * WAMP client needs (trust anchors, a client certificate, the expected server name).
 */
export interface RawSocketTlsOptions {
  /** Certificate authorities to trust instead of Node's default list (e.g. a private CA). */
  ca?: TlsMaterial | readonly TlsMaterial[];
  /** A client certificate, for routers that authenticate clients by certificate. */
  cert?: TlsMaterial | readonly TlsMaterial[];
  /** The client certificate's private key. */
  key?: TlsMaterial | readonly TlsMaterial[];
  /** The passphrase of `key`. */
  passphrase?: string;
  /** The server name to send (SNI) and check the certificate against. Default: the URL's host. */
  servername?: string;
  /** Whether to refuse a certificate that does not verify. Default true; never turn it off in production. */
  rejectUnauthorized?: boolean;
}

/**
 * The byte stream a RawSocket transport speaks over: the part of a `node:net` `Socket` it uses.
 * A test, a proxy or a tunnel can supply its own through `connectSocket`.
 */
export interface RawSocketStream {
  write(chunk: Uint8Array): unknown;
  /** Half-closes: sends what is buffered, then FIN. */
  end(): unknown;
  /** Closes at once. */
  destroy(): unknown;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

/**
 * Opens a connected byte stream to a target (resolving once TCP, and TLS for secure targets,
 * are established), or rejects with `TransportError`; `CanceledError` when `signal` aborts.
 */
export type RawSocketConnector = (
  target: RawSocketTarget,
  options: { tls?: RawSocketTlsOptions; signal?: AbortSignal },
) => Promise<RawSocketStream>;

const DEFAULT_PORT = { rs: 80, rss: 443 } as const;

/** Why RawSocket is unavailable outside Node. */
export const RAWSOCKET_UNAVAILABLE =
  'RawSocket needs Node.js: a browser cannot open TCP or Unix sockets; use a websocket or longpoll transport';

/**
 * Parses a RawSocket URL.
 *
 * - `rs://host:port`, `tcp://host:port`: TCP (`rs` defaults to port 80, as Autobahn|Python does);
 * - `rss://host:port`: TLS over TCP (default port 443);
 * - `rs://unix:/path/to.sock`, `rss://unix:/path` (Autobahn|Python), `unix:///path/to.sock`,
 *   `unix:/path/to.sock`: a Unix domain socket.
 *
 * @throws InvalidArgumentError for any other URL.
 * @example
 * parseRawSocketUrl('rss://router.example.com:9000'); // { kind: 'tcp', host: 'router.example.com', port: 9000, secure: true }
 */
export function parseRawSocketUrl(url: string): RawSocketTarget {
  if (typeof url !== 'string') throw new InvalidArgumentError(`a RawSocket URL must be a string, got ${String(url)}`);
  const unix = /^unix:(?:\/\/)?(.*)$/i.exec(url);
  if (unix !== null) return { kind: 'unix', path: unixPath(url, unix[1] as string), secure: false };
  const match = /^(rss?|tcp):\/\/(.*)$/i.exec(url);
  if (match === null) {
    throw new InvalidArgumentError(
      `not a RawSocket URL: ${url} (use rs://host:port, rss://host:port, tcp://host:port or unix:///path)`,
    );
  }
  const scheme = (match[1] as string).toLowerCase() as 'rs' | 'rss' | 'tcp';
  const rest = match[2] as string;
  const secure = scheme === 'rss';
  const unixInRs = /^unix:(.+)$/i.exec(rest);
  if (unixInRs !== null && scheme !== 'tcp')
    return { kind: 'unix', path: unixPath(url, unixInRs[1] as string), secure };
  const hostPort = /^(\[[0-9a-fA-F:.]+\]|[^\s/?#:[\]@]+)(?::(\d+))?\/?$/.exec(rest);
  if (hostPort === null)
    throw new InvalidArgumentError(`invalid RawSocket URL: ${url} (host and port only, no path, query or user)`);
  const host = (hostPort[1] as string).replace(/^\[(.*)\]$/, '$1');
  const portText = hostPort[2];
  if (portText === undefined && scheme === 'tcp')
    throw new InvalidArgumentError(`invalid RawSocket URL: ${url} needs a port`);
  const port = portText === undefined ? DEFAULT_PORT[secure ? 'rss' : 'rs'] : Number(portText);
  checkPort(port, url);
  return { kind: 'tcp', host, port, secure };
}

/**
 * The target of an Autobahn|JS-style RawSocket entry: `url`, or `host` and `port`, or `path`.
 *
 * @throws InvalidArgumentError when none is usable.
 */
export function rawSocketTargetOf(entry: {
  url?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  path?: string | undefined;
}): RawSocketTarget {
  if (entry.path !== undefined) {
    if (typeof entry.path !== 'string' || entry.path === '')
      throw new InvalidArgumentError('a RawSocket path must be a non-empty string');
    return { kind: 'unix', path: entry.path, secure: false };
  }
  if (entry.port !== undefined) {
    const host = entry.host ?? 'localhost';
    if (typeof host !== 'string' || host === '')
      throw new InvalidArgumentError('a RawSocket host must be a non-empty string');
    checkPort(entry.port, `${host}:${String(entry.port)}`);
    return { kind: 'tcp', host, port: entry.port, secure: false };
  }
  if (entry.url !== undefined) return parseRawSocketUrl(entry.url);
  throw new InvalidArgumentError('a rawsocket transport needs url, host and port, or path');
}

/** The URL of a target, as reported in `transport.info.url`. */
export function rawSocketUrlOf(target: RawSocketTarget): string {
  if (target.kind === 'unix') return target.secure ? `rss://unix:${target.path}` : `unix://${target.path}`;
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${target.secure ? 'rss' : 'rs'}://${host}:${target.port}`;
}

function unixPath(url: string, path: string): string {
  if (path.trim() === '') throw new InvalidArgumentError(`invalid RawSocket URL: ${url} has an empty socket path`);
  return path;
}

function checkPort(port: number, where: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new InvalidArgumentError(`invalid RawSocket port in ${where}: must be 1..65535`);
}
