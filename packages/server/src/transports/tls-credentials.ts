/**
 * What a TLS connection contributes to WAMP authentication (router `transportCredentials`): the
 * client certificate, for `tls` authentication, and the channel IDs that cryptosign and SCRAM
 * bind their signatures to (spec: advanced "Cryptosign-based Authentication", "TLS Channel
 * Binding"), computed as Autobahn computes them: `tls-unique` is SHA-256 of the first TLS
 * Finished message (the client's), `tls-exporter` the 32-byte exported keying material labelled
 * `EXPORTER-Channel-Binding` (RFC 9266).
 */
import type { TLSSocket } from 'node:tls';
import { sha256Digest } from '@interchange/protocol';
import type { ClientCertificate, CookieHandle, TransportCredentials } from '@interchange/router';

function fields(record: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof record !== 'object' || record === null) return out;
  for (const [key, value] of Object.entries(record)) out[key] = Array.isArray(value) ? value.join(', ') : String(value);
  return out;
}

/**
 * The credentials of a server-side connection, as connect options: its TLS (`{}` for a plain
 * socket without a cookie), and the cookie handle of cookie authentication, if tracked.
 * `tls-unique` is the client's Finished message: on the server, the peer's; the server's own is
 * kept as the alternate that Autobahn|Python on Twisted (and Crossbar) use.
 */
export function tlsCredentialsOf(
  socket: unknown,
  cookie?: CookieHandle,
): { transportCredentials?: TransportCredentials } {
  const tls = socket as Partial<TLSSocket>;
  const credentials: TransportCredentials = cookie === undefined ? {} : { cookie };
  if (tls.encrypted !== true || typeof tls.getPeerCertificate !== 'function')
    return cookie === undefined ? {} : { transportCredentials: credentials };
  const channelId: NonNullable<TransportCredentials['channelId']> = {};
  const finished = tls.getPeerFinished?.();
  if (finished !== undefined && finished.length > 0) channelId['tls-unique'] = sha256Digest(new Uint8Array(finished));
  // Autobahn|Python on Twisted hashes the server's Finished message instead (router: its own).
  const own = tls.getFinished?.();
  if (own !== undefined && own.length > 0)
    credentials.alternateChannelIds = { 'tls-unique': sha256Digest(new Uint8Array(own)) };
  try {
    // RFC 9266: "with no context value", which Node's typings do not allow for, though Node does.
    const exportKeyingMaterial = tls.exportKeyingMaterial as ((length: number, label: string) => Buffer) | undefined;
    const exported = exportKeyingMaterial?.call(tls, 32, 'EXPORTER-Channel-Binding');
    if (exported !== undefined) channelId['tls-exporter'] = new Uint8Array(exported);
  } catch {
    // Not available before the handshake completed, or on an old TLS version: no such binding.
  }
  credentials.channelId = channelId;
  const certificate = tls.getPeerCertificate();
  if (certificate !== null && typeof certificate === 'object' && typeof certificate.fingerprint === 'string') {
    const client: ClientCertificate = {
      sha1: certificate.fingerprint,
      sha256: certificate.fingerprint256,
      subject: fields(certificate.subject),
      issuer: fields(certificate.issuer),
      authorized: tls.authorized === true,
    };
    credentials.clientCertificate = client;
  }
  return { transportCredentials: credentials };
}
