/**
 * `@interchange/client/rawsocket`: WAMP over RawSocket (TCP, TLS, Unix sockets) in Node. Importing
 * it lets `transports: [{ type: 'rawsocket', ... }]` and `connect({ url: 'rs://...' })` use
 * RawSocket; the core entry point leaves it out (transport-registry.ts). In a browser the entry
 * loads, but entries are skipped as unavailable (rawsocket-socket-browser.ts).
 *
 * @example
 * import { connect } from '@interchange/client/core';
 * import '@interchange/client/rawsocket';
 * const session = await connect({ url: 'rs://127.0.0.1:8081', realm: 'realm1' });
 */
import { InvalidArgumentError } from '@interchange/protocol';
import { rawSocketAvailable } from './rawsocket-socket.js';
import { RAWSOCKET_UNAVAILABLE } from './rawsocket-target.js';
import { rawSocketTransportFactory } from './transport-rawsocket.js';
import { registerTransport } from './transport-registry.js';

function maxLengthOfExponent(exponent: number | undefined): number | undefined {
  if (exponent === undefined) return undefined;
  if (!Number.isInteger(exponent) || exponent < 9 || exponent > 24) {
    throw new InvalidArgumentError(`rawsocket_max_len_exp must be an integer from 9 to 24, got ${String(exponent)}`);
  }
  return 2 ** exponent;
}

registerTransport('rawsocket', {
  unavailableReason: () => (rawSocketAvailable() ? undefined : RAWSOCKET_UNAVAILABLE),
  entryFactory: (entry, defaults, { url, ...shared }) => {
    const tls = entry.tls ?? defaults.tls;
    const maxMessageSize = entry.maxMessageSize ?? maxLengthOfExponent(entry.rawsocket_max_len_exp);
    const where =
      entry.path !== undefined
        ? { path: entry.path }
        : entry.port !== undefined
          ? { host: entry.host, port: entry.port }
          : { url };
    const factory = rawSocketTransportFactory({
      ...(where.path === undefined ? {} : { path: where.path }),
      ...(where.host === undefined ? {} : { host: where.host }),
      ...(where.port === undefined ? {} : { port: where.port }),
      ...(where.url === undefined ? {} : { url: where.url }),
      ...shared,
      ...(tls === undefined ? {} : { tls }),
      ...(maxMessageSize === undefined ? {} : { maxMessageSize }),
    });
    return {
      label: `rawsocket ${entry.path ?? (entry.port === undefined ? url : `${entry.host ?? 'localhost'}:${entry.port}`)}`,
      factory,
    };
  },
});

export type {
  RawSocketConnector,
  RawSocketStream,
  RawSocketTarget,
  RawSocketTlsOptions,
  TlsMaterial,
} from './rawsocket-target.js';
export { parseRawSocketUrl } from './rawsocket-target.js';
export type { RawSocketTransportOptions } from './transport-rawsocket.js';
export {
  connectRawSocket,
  RawSocketRefusedError,
  RawSocketTransport,
  rawSocketTransportFactory,
} from './transport-rawsocket.js';
