/**
 * TLS for listeners: the secure context of an endpoint's `tls` settings (files relative to the
 * cbdir, as Crossbar reads them), and what a connection's TLS tells authentication — protocol,
 * cipher, and the client certificate, if one was presented.
 */
import { readFile } from 'node:fs/promises';
import type { TLSSocket, TlsOptions } from 'node:tls';
import type { TransportInfo } from '@interchange/router';
import type { TlsConfig } from '../config/endpoint-schema.js';
import { resolveInCbdir } from '../config/validate-config.js';

/** A client certificate, as authentication sees it. */
export interface ClientCertificateInfo {
  /** Subject fields, e.g. `{ CN: 'client_0', O: 'Acme' }`. */
  subject: Record<string, string | string[]>;
  issuer: Record<string, string | string[]>;
  /** SHA-1 fingerprint `B6:E5:...`, the form of Crossbar's `certificate-sha1`. */
  fingerprint: string;
  /** SHA-256 fingerprint in the same form. */
  fingerprint256: string;
  serialNumber: string;
  validFrom: string;
  validTo: string;
}

/** The TLS of a connection. */
export interface TlsPeerInfo {
  /** `TLSv1.3`, ... */
  protocol: string | undefined;
  cipher: string | undefined;
  /** The client certificate, when the client presented one. */
  clientCertificate: ClientCertificateInfo | undefined;
  /** Whether the client certificate verified against the configured CAs. */
  authorized: boolean;
  /** Why it did not, when it did not. */
  authorizationError: string | undefined;
}

/**
 * The transport details of a server connection: the router's {@link TransportInfo} plus, for a
 * TLS connection, `tls` (client certificates are passed on for TLS authentication).
 */
export interface ServerTransportInfo extends TransportInfo {
  tls?: TlsPeerInfo;
}

/** The server-side TLS options of an endpoint: key, certificate chain, client CAs, ciphers. */
export async function loadTlsOptions(config: TlsConfig, cbdir: string): Promise<TlsOptions> {
  const read = (path: string) => readFile(resolveInCbdir(cbdir, path), 'utf8');
  const [key, certificate, chain, ca, dhparam] = await Promise.all([
    read(config.key),
    read(config.certificate),
    Promise.all((config.chain_certificates ?? []).map(read)),
    Promise.all((config.ca_certificates ?? []).map(read)),
    config.dhparam === undefined ? undefined : read(config.dhparam),
  ]);
  const options: TlsOptions = { key, cert: [certificate, ...chain].join('\n') };
  if (ca.length > 0) {
    options.ca = ca;
    options.requestCert = true;
    // Crossbar refuses clients without a valid certificate once CAs are configured.
    options.rejectUnauthorized = config.require_client_certificate ?? true;
  }
  if (dhparam !== undefined) options.dhparam = dhparam;
  if (config.ciphers !== undefined) options.ciphers = config.ciphers;
  return options;
}

/** The TLS details of a socket, or undefined for a plain one. */
export function tlsPeerInfo(socket: unknown): TlsPeerInfo | undefined {
  const tls = socket as Partial<TLSSocket>;
  if (tls.encrypted !== true || typeof tls.getPeerCertificate !== 'function') return undefined;
  const certificate = tls.getPeerCertificate();
  const present = certificate !== null && typeof certificate === 'object' && Object.keys(certificate).length > 0;
  const error = tls.authorizationError;
  return {
    protocol: tls.getProtocol?.() ?? undefined,
    cipher: tls.getCipher?.()?.name,
    clientCertificate: present
      ? {
          subject: { ...(certificate.subject as unknown as Record<string, string | string[]>) },
          issuer: { ...(certificate.issuer as unknown as Record<string, string | string[]>) },
          fingerprint: certificate.fingerprint,
          fingerprint256: certificate.fingerprint256,
          serialNumber: certificate.serialNumber,
          validFrom: certificate.valid_from,
          validTo: certificate.valid_to,
        }
      : undefined,
    authorized: tls.authorized === true,
    authorizationError: error === undefined || error === null ? undefined : String(error),
  };
}
