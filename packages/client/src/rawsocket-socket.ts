/**
 * Opens the byte stream of a RawSocket transport in Node: `node:net` for TCP and Unix sockets,
 * `node:tls` for `rss://`. Both are imported on demand, and the package's `browser` field swaps
 * this file for `rawsocket-socket-browser.ts`, so a browser bundle never contains them.
 */
import { CanceledError, TransportError } from '@interchange/protocol';
import {
  RAWSOCKET_UNAVAILABLE,
  type RawSocketConnector,
  type RawSocketStream,
  type RawSocketTarget,
  type RawSocketTlsOptions,
  type TlsMaterial,
} from './rawsocket-target.js';

/** Whether this runtime can open TCP and Unix sockets (Node, and runtimes with its `node:net`). */
export function rawSocketAvailable(): boolean {
  const versions = (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions;
  return typeof versions?.node === 'string';
}

/** The default {@link RawSocketConnector}: `node:net` / `node:tls`. */
export const connectNodeSocket: RawSocketConnector = async (target, options) => {
  const where = describe(target);
  if (!rawSocketAvailable()) throw new TransportError(RAWSOCKET_UNAVAILABLE);
  const { signal } = options;
  if (signal?.aborted === true) throw new CanceledError(`connecting to ${where} canceled`, { cause: signal.reason });
  const socket = target.secure ? await openTls(target, options.tls) : await openPlain(target);
  return new Promise<RawSocketStream>((resolve, reject) => {
    const ready = target.secure ? 'secureConnect' : 'connect';
    const settle = (): void => {
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener(ready, onReady);
      socket.removeListener('error', onError);
    };
    const onReady = (): void => {
      settle();
      // The transport records errors through its own listener; this one only makes sure an
      // error can never go unlistened (Node would throw it) while ownership passes over.
      socket.on('error', () => {});
      // Spec, "Framing": frames are small and latency matters more than packing them.
      socket.setNoDelay(true);
      resolve(socket);
    };
    const onError = (error: Error): void => {
      settle();
      socket.destroy();
      reject(new TransportError(`could not connect to ${where}: ${error.message}`, { cause: error }));
    };
    const onAbort = (): void => {
      settle();
      socket.destroy();
      reject(new CanceledError(`connecting to ${where} canceled`, { cause: signal?.reason }));
    };
    socket.once(ready, onReady);
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
};

type NodeSocket = import('node:net').Socket;

async function openPlain(target: RawSocketTarget): Promise<NodeSocket> {
  const net = await import('node:net');
  return target.kind === 'unix'
    ? net.connect({ path: target.path })
    : net.connect({ host: target.host, port: target.port });
}

async function openTls(target: RawSocketTarget, tlsOptions: RawSocketTlsOptions = {}): Promise<NodeSocket> {
  const tls = await import('node:tls');
  const { ca, cert, key, passphrase, servername, rejectUnauthorized } = tlsOptions;
  const common: import('node:tls').ConnectionOptions = {
    ...(ca === undefined ? {} : { ca: material(ca) }),
    ...(cert === undefined ? {} : { cert: material(cert) }),
    ...(key === undefined ? {} : { key: material(key) }),
    ...(passphrase === undefined ? {} : { passphrase }),
    ...(servername === undefined ? {} : { servername }),
    ...(rejectUnauthorized === undefined ? {} : { rejectUnauthorized }),
  };
  return target.kind === 'unix'
    ? tls.connect({ ...common, path: target.path })
    : tls.connect({ ...common, host: target.host, port: target.port });
}

/** PEM text as it is, DER bytes as the Buffers `node:tls` wants. */
function material(value: TlsMaterial | readonly TlsMaterial[]): Array<string | Buffer> {
  const list: readonly TlsMaterial[] = typeof value === 'string' || value instanceof Uint8Array ? [value] : value;
  return list.map((item) =>
    typeof item === 'string' ? item : Buffer.from(item.buffer, item.byteOffset, item.byteLength),
  );
}

function describe(target: RawSocketTarget): string {
  return target.kind === 'unix'
    ? `unix socket ${target.path}`
    : `${target.host}:${target.port}${target.secure ? ' (TLS)' : ''}`;
}
