import { type Dict, MatchPolicy } from '@interchange/protocol';
import { withForwardFor } from '../forward-for.js';
import { copyPassthruAttributes } from '../passthru.js';
import { identityDetails } from '../payload.js';
import type { PendingCall } from './call-table.js';
import type { Callee } from './registration-store.js';

/** The details of a call before {@link invocationDetails} computed them; never sent. */
export const NO_DETAILS: Dict = Object.freeze({});

/**
 * INVOCATION.Details for a callee: the caller's identity where disclosed (advanced profile
 * "Caller Identification"), the passthru attributes, the called URI for pattern registrations
 * ("Pattern-based Registrations", "Concrete procedure called"), the caller's wish for progress
 * ("Progressive Call Results") and a forwarded timeout ("Call Timeouts", callee-initiated).
 *
 * `receive_progress` is forwarded whatever the callee announced, as Crossbar does: the spec
 * lets a callee without the feature ignore it, and Autobahn|JS callees, which produce
 * progressive results but do not announce call canceling, keep working.
 */
export function invocationDetails(pending: PendingCall, callee: Callee, forwardedTimeout: number): Dict {
  const disclose = pending.discloseToAny || callee.discloseCaller;
  const details = copyPassthruAttributes(
    disclose ? identityDetails('caller', pending.caller) : {},
    pending.call.options,
  );
  withForwardFor(details, pending.call.options, pending.caller);
  if (pending.registration.match !== MatchPolicy.EXACT) details.procedure = pending.procedure;
  if (pending.receiveProgress) details.receive_progress = true;
  if (forwardedTimeout > 0) details.timeout = forwardedTimeout;
  return details;
}
