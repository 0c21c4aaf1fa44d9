/**
 * The client certificate in a dynamic authenticator's `details.transport.peer_cert`, shaped as
 * Crossbar passes it (Autobahn|Python's `extract_peer_certificate`): the subject and issuer
 * fields under lower-case keys (`cn`, `o`, ...), which authenticators written for Crossbar read
 * (`peer_cert["subject"]["cn"]`). The upper-case keys Interchange gave before stay beside them,
 * so authenticators written against either keep working.
 */
import type { Dict } from '@interchange/protocol';
import type { ClientCertificate } from './transport-auth.js';

/** `fields` with each key also present in lower case (the lower-case key wins where both exist). */
function withLowerCaseKeys(fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...fields };
  for (const [key, value] of Object.entries(fields)) out[key.toLowerCase()] = value;
  return out;
}

/** `peer_cert` for authenticator details. */
export function peerCertDetails(certificate: ClientCertificate): Dict {
  const out: Dict = { ...certificate };
  if (certificate.subject !== undefined) out['subject'] = withLowerCaseKeys(certificate.subject);
  if (certificate.issuer !== undefined) out['issuer'] = withLowerCaseKeys(certificate.issuer);
  return out;
}
