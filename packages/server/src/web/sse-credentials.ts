/**
 * What an `sse` request presents to authenticate with: a ticket in the `Authorization` header.
 * Browsers' `EventSource` cannot set headers (it authenticates by cookie), so the header is for
 * curl, proxies and server-side readers. Three forms:
 *
 * - `Authorization: Bearer <ticket>` and `Authorization: Ticket <ticket>`: the ticket alone. A
 *   dynamic authenticator gets it with no authid; static principals need the authid, from the
 *   `authid` query parameter.
 * - `Authorization: Basic base64(<authid>:<ticket>)` (RFC 7617, what `curl -u` sends): both.
 */

/** A ticket and the authid it is for, if given. */
export interface SseTicket {
  ticket: string;
  authid: string | undefined;
}

/** Why an `Authorization` header cannot be used. */
export class UnusableAuthorizationError extends Error {}

/**
 * The ticket of a request's `Authorization` header; undefined without the header.
 * @param queryAuthid the `authid` query parameter, for the Bearer and Ticket forms.
 * @throws UnusableAuthorizationError for another scheme or a malformed value.
 */
export function ticketOf(header: string | undefined, queryAuthid: string | undefined): SseTicket | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*([A-Za-z]+)\s+(\S+)\s*$/.exec(header);
  if (match === null) throw new UnusableAuthorizationError('malformed Authorization header');
  const scheme = (match[1] as string).toLowerCase();
  const value = match[2] as string;
  if (scheme === 'bearer' || scheme === 'ticket') return { ticket: value, authid: queryAuthid };
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new UnusableAuthorizationError('Basic credentials must be "authid:ticket"');
    return { authid: decoded.slice(0, colon), ticket: decoded.slice(colon + 1) };
  }
  throw new UnusableAuthorizationError(`unsupported Authorization scheme "${match[1]}": use Bearer, Ticket or Basic`);
}
