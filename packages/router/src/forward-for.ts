/**
 * `forward_for` of router-to-router links: a link session that publishes or calls on behalf of a
 * session of another router names that session (and the hops before it) in
 * `PUBLISH.Options.forward_for` / `CALL.Options.forward_for`; the router passes the list on in
 * `EVENT.Details` / `INVOCATION.Details` with the forwarding session appended, as Crossbar's
 * router does. A link that receives an event or invocation carrying `forward_for` knows it came
 * over a link already and does not forward it again, which is what keeps a mesh of links free
 * of loops and duplicates (packages/server/src/rlinks/).
 *
 * The list is carried as a marker only: the disclosed `publisher` / `caller` stays the session
 * that sent the message, so no session can pose as another by writing `forward_for`.
 */
import type { Dict } from '@interchange/protocol';
import type { FilterSubject } from './broker/receiver-filter.js';

/**
 * Adds `forward_for` to outgoing details when the incoming options carry one (the protocol
 * package has validated its shape); returns `details`.
 */
export function withForwardFor(details: Dict, options: Dict, hop: FilterSubject): Dict {
  const forwardFor = options['forward_for'];
  if (!Array.isArray(forwardFor)) return details;
  details['forward_for'] = [...forwardFor, { session: hop.id, authid: hop.authid, authrole: hop.authrole }];
  return details;
}
