/**
 * Listening endpoints of the node config (Crossbar's "Transport Endpoints"): TCP, optionally with
 * TLS, and Unix domain sockets. File paths (TLS key and certificates, socket paths) resolve
 * against the cbdir.
 */
import type { z } from 'zod';
import { boolean, integer, list, nonEmptyString, oneOf, section, tagged } from './schema-builders.js';

/**
 * TLS of a TCP listening endpoint (Crossbar's `tls`). With `ca_certificates`, clients must present
 * a certificate signed by one of them, as Crossbar requires; `require_client_certificate: false`
 * (an Interchange addition) makes the certificate optional. The certificate a client presents is
 * passed on to the session's transport details (`transport.tls`) for authentication.
 */
export const tlsSchema = section({
  /** PEM private key file. */
  key: nonEmptyString(),
  /** PEM certificate file (may hold the chain). */
  certificate: nonEmptyString(),
  /** Further PEM files appended to the certificate chain. */
  chain_certificates: list(nonEmptyString()).optional(),
  /** PEM files of the CAs whose client certificates are accepted. */
  ca_certificates: list(nonEmptyString()).optional(),
  /** PEM Diffie-Hellman parameters file. */
  dhparam: nonEmptyString().optional(),
  /** OpenSSL cipher list. */
  ciphers: nonEmptyString().optional(),
  /** With `ca_certificates`: whether a client without a certificate is refused (default true). */
  require_client_certificate: boolean().optional(),
  /** Interchange's addition: milliseconds a client has to complete the TLS handshake (default 10000). */
  handshake_timeout: integer(1, 2 ** 31 - 1).optional(),
});

/** A TCP listening endpoint. Crossbar's `portrange` and `user_timeout` are not implemented. */
export const tcpEndpointSchema = section({
  type: oneOf(['tcp']),
  /** 0 asks the OS for a free port (tests). */
  port: integer(0, 65535),
  /** The address to bind; all interfaces when omitted. */
  interface: nonEmptyString().optional(),
  /** 4 binds IPv4 only (`0.0.0.0`), 6 binds `::`; without it Node's dual-stack default. */
  version: oneOf([4, 6]).optional(),
  backlog: integer(1, 65535).optional(),
  /**
   * Crossbar's port sharing: router workers whose endpoints say `shared` on the same port each run
   * as their own process and take that port's connections in turn (shared-ports.ts).
   */
  shared: boolean().optional(),
  /** Interchange's addition: open connections one remote address may hold (default 1000; 0: no bound). */
  max_connections_per_address: integer(0, 10_000_000).optional(),
  /** Interchange's addition: open connections of this listener in all (default 100,000; 0: no bound). */
  max_connections: integer(0, 10_000_000).optional(),
  tls: tlsSchema.optional(),
});

/** A Unix domain socket listening endpoint. */
export const unixEndpointSchema = section({
  type: oneOf(['unix']),
  /** Socket path, relative to the cbdir. A stale socket file left by a dead node is replaced. */
  path: nonEmptyString(),
  backlog: integer(1, 65535).optional(),
  /** Interchange's addition: open connections of this listener in all (default 100,000; 0: no bound). */
  max_connections: integer(0, 10_000_000).optional(),
});

/** Endpoint variants by `type`. */
export const endpointSchema = tagged('endpoint type', { tcp: tcpEndpointSchema, unix: unixEndpointSchema }, [
  'twisted',
  'onion',
]);

/** A TCP endpoint. */
export type TcpEndpointConfig = z.output<typeof tcpEndpointSchema>;
/** A Unix domain socket endpoint. */
export type UnixEndpointConfig = z.output<typeof unixEndpointSchema>;
/** Any listening endpoint. */
export type ListeningEndpointConfig = TcpEndpointConfig | UnixEndpointConfig;
/** TLS options of a TCP endpoint. */
export type TlsConfig = z.output<typeof tlsSchema>;
