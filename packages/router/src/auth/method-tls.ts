/**
 * TLS client certificate authentication (Crossbar's `tls` method): the transport already verified
 * that the client holds the certificate's private key during the TLS handshake, so no CHALLENGE
 * is sent. Static principals are pinned by the certificate's SHA-1 fingerprint; a dynamic
 * authenticator gets the certificate in `details.transport.peer_cert`.
 */
import { AuthMethod } from '@interchange/protocol';
import {
  type AuthMethodContext,
  type AuthMethodHandler,
  type AuthRequest,
  fail,
  type HelloOutcome,
  type MaybePromise,
} from './auth-method.js';
import { staticPrincipal } from './principal.js';
import { acceptAnswer, askAboutHello } from './principal-check.js';
import type { TlsAuthConfig, TlsPrincipal } from './transport-auth.js';

/** A fingerprint as compared: lower-case hex without separators. */
export function normalizeFingerprint(text: string): string {
  return text.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
}

/** The router side of `tls` for one transport's config. */
export function tlsMethod(config: TlsAuthConfig, context: AuthMethodContext): AuthMethodHandler {
  const name = AuthMethod.TLS;
  const byFingerprint = new Map<string, { authid: string; principal: TlsPrincipal }>();
  if (config.type === 'static') {
    for (const [authid, principal] of Object.entries(config.principals)) {
      byFingerprint.set(normalizeFingerprint(principal['certificate-sha1']), { authid, principal });
    }
  }
  return {
    name,
    hello(request: AuthRequest): MaybePromise<HelloOutcome> {
      const certificate = request.credentials.clientCertificate;
      // Without a client certificate there is nothing to check: let the next method try.
      if (certificate === undefined) return { kind: 'skip', log: 'no TLS client certificate' };
      if (config.type === 'static') {
        const found = byFingerprint.get(normalizeFingerprint(certificate.sha1));
        if (found === undefined) return fail('unknown client certificate');
        return {
          kind: 'welcome',
          principal: staticPrincipal(request, found.authid, found.principal, name),
        };
      }
      return (async (): Promise<HelloOutcome> => {
        const read = await askAboutHello(context, config, request, name);
        if ('kind' in read) return read;
        return acceptAnswer(request, read, name, config.type, certificate.subject?.['CN']);
      })();
    },
  };
}
